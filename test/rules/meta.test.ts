/**
 * Every rule has tests (a test/rules/RULE.test.ts that runs the rule tester with valid and invalid
 * cases) and docs (docs/rules/RULE.md, up to date with its meta), and a complete meta.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { SIGNATURES } from '../../src/rules/codes.js';
import { DOCS, rulePage, ruleNotes } from '../../scripts/gen-rule-docs.js';

const TESTS = resolve(import.meta.dirname);

describe('rule meta, tests and docs', () => {
  it('rule ids are unique and kebab-case', () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
  });
  it('every failure signature is reported by exactly one rule, which describes it', () => {
    for (const signature of SIGNATURES) {
      const reporters = RULES.filter((r) => r.meta.signatures?.some((s) => s.signature === signature));
      expect(reporters.map((r) => r.meta.id), signature).toHaveLength(1);
      expect(reporters[0]!.meta.signatures!.find((s) => s.signature === signature)!.meaning.length).toBeGreaterThan(5);
    }
  });
  for (const rule of RULES) {
    const id = rule.meta.id;
    it(`${id}: meta is complete`, () => {
      const m = rule.meta;
      expect(m.description.length).toBeGreaterThan(10);
      expect(m.onTheWire.length).toBeGreaterThan(10);
      expect(m.causes.length).toBeGreaterThan(0);
      expect(m.checks.length).toBeGreaterThan(0);
      expect(m.gist.length).toBeGreaterThan(5);
      expect(m.codes.map((c) => c.os).sort()).toEqual(['linux', 'macos', 'windows']);
    });
    it(`${id}: has a rule-tester file with valid and invalid cases`, () => {
      const file = join(TESTS, `${id}.test.ts`);
      expect(existsSync(file), `${file} is missing`).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/runRuleTests\(/);
      expect(text).toMatch(/valid:\s*\[/);
      expect(text).toMatch(/invalid:\s*\[/);
    });
    it(`${id}: has an up-to-date docs page`, () => {
      const page = join(DOCS, `${id}.md`);
      expect(existsSync(page), `${page} is missing: npx tsx scripts/gen-rule-docs.ts`).toBe(true);
      expect(readFileSync(page, 'utf8'), 'docs page is stale: npx tsx scripts/gen-rule-docs.ts').toBe(rulePage(rule.meta, ruleNotes(id)));
    });
  }
});
