/**
 * Writes docs/rules/RULE.md for every rule from its meta (what it is, what it looks like on the
 * wire, the codes per OS, causes, checks, neighbours) plus the hand-written notes kept in
 * docs/rules/notes/RULE.md when present. The meta test fails when a page is missing or stale.
 *
 *   npx tsx scripts/gen-rule-docs.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RULES } from '../src/rules/index.js';
import type { RuleMeta } from '../src/rules/types.js';
import { codeNumber } from '../src/model/finding.js';

export const DOCS = resolve(import.meta.dirname, '../docs/rules');

const OS_LABEL = { windows: 'Windows', linux: 'Linux', macos: 'macOS' } as const;

/** The page for one rule. */
export function rulePage(meta: RuleMeta, notes: string | null): string {
  const lines = [
    `# ${meta.id}`,
    '',
    `${meta.description}`,
    '',
    `Severity: **${meta.severity}**`,
    '',
    '## On the wire',
    '',
    meta.onTheWire,
    '',
    '## What the application sees',
    '',
    '| OS | code | name | message |',
    '| --- | --- | --- | --- |',
    ...meta.codes.map((c) => `| ${OS_LABEL[c.os]} | ${codeNumber(c)} | ${c.name} | ${c.message} |`),
    '',
    '## Likely causes',
    '',
    ...meta.causes.map((c) => `- ${c}`),
    '',
    '## What to check',
    '',
    ...meta.checks.map((c) => `- ${c}`),
    '',
  ];
  if (meta.differsFrom) lines.push('## How it differs from its neighbours', '', meta.differsFrom, '');
  if (notes) lines.push(notes.trim(), '');
  lines.push('_Generated from the rule\'s meta by scripts/gen-rule-docs.ts; `wirewhy explain ' + meta.id + '` prints the same._', '');
  return lines.join('\n');
}

/** Hand-written notes for a rule, if any. */
export function ruleNotes(id: string): string | null {
  const p = join(DOCS, 'notes', `${id}.md`);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  mkdirSync(DOCS, { recursive: true });
  for (const rule of RULES) {
    writeFileSync(join(DOCS, `${rule.meta.id}.md`), rulePage(rule.meta, ruleNotes(rule.meta.id)));
    console.log(`docs/rules/${rule.meta.id}.md`);
  }
}
