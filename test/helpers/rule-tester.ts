/**
 * An ESLint-style rule tester: each rule gets valid cases (packets for which it reports nothing)
 * and invalid cases (packets and the findings expected), run with that rule alone and with all
 * rules (so root-cause precedence is tested too).
 */
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/rules/engine.js';
import { RULES } from '../../src/rules/index.js';
import type { Finding } from '../../src/rules/types.js';
import { analyzeRecords, type Scenario } from './scenario.js';
import type { WriterRecord } from '../../dev/pcap-writer.js';

/** Partial expectation of a finding: any subset of its fields (details compared as a subset). */
export type ExpectedFinding = Partial<Omit<Finding, 'details'>> & { details?: Record<string, unknown> };

export interface RuleCase {
  name: string;
  packets: Scenario | WriterRecord[];
}

export interface InvalidRuleCase extends RuleCase {
  /** The rule's findings, alone and, unless `withAllRules` says otherwise, with every rule. */
  findings: ExpectedFinding[];
  /**
   * Every finding expected when all rules run (each naming its `rule`), when a rule earlier in
   * root-cause order explains the failure instead: precedence, asserted.
   */
  withAllRules?: ExpectedFinding[];
}

function records(p: Scenario | WriterRecord[]): WriterRecord[] {
  return Array.isArray(p) ? p : p.records;
}

/** `got` matches `expected` one to one, in order (each a subset; details compared as a subset). */
function expectFindings(got: Finding[], expected: ExpectedFinding[], label: string): void {
  expect(got, label).toHaveLength(expected.length);
  expected.forEach((exp, i) => {
    const { details, ...rest } = exp;
    expect(got[i], label).toMatchObject(rest);
    if (details) expect(got[i]!.details, label).toMatchObject(details);
  });
}

/**
 * Run a rule's valid and invalid cases, each twice: with the rule alone (what it sees and says)
 * and with every rule in root-cause order (whether it still gets to say it).
 */
export function runRuleTests(rule: Rule, cases: { valid: RuleCase[]; invalid: InvalidRuleCase[] }): void {
  const id = rule.meta.id;
  describe(`rule ${id}`, () => {
    for (const c of cases.valid) {
      it(`valid: ${c.name}`, async () => {
        const alone = await analyzeRecords(records(c.packets), { rules: [rule] });
        expect(alone.findings.filter((f) => f.rule === id), 'alone').toEqual([]);
        const all = await analyzeRecords(records(c.packets), { rules: [...RULES] });
        expect(all.findings.filter((f) => f.rule === id), 'with all rules').toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      it(`invalid: ${c.name}`, async () => {
        const alone = await analyzeRecords(records(c.packets), { rules: [rule] });
        expectFindings(alone.findings.filter((f) => f.rule === id), c.findings, 'alone');
        const all = await analyzeRecords(records(c.packets), { rules: [...RULES] });
        if (c.withAllRules) expectFindings(all.findings, c.withAllRules, 'with all rules');
        else expectFindings(all.findings.filter((f) => f.rule === id), c.findings, 'with all rules');
      });
    }
  });
}
