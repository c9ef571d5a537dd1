/**
 * An ESLint-style rule tester: each rule gets valid cases (packets for which it reports nothing)
 * and invalid cases (packets and the findings expected), run with that rule alone and with all
 * rules (so root-cause precedence is tested too).
 */
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/rules/engine.js';
import type { Finding } from '../../src/rules/types.js';
import { analyzeRecords, type Scenario } from './scenario.js';
import type { WriterRecord } from './pcap-writer.js';

/** Partial expectation of a finding: any subset of its fields (details compared as a subset). */
export type ExpectedFinding = Partial<Omit<Finding, 'details'>> & { details?: Record<string, unknown> };

export interface RuleCase {
  name: string;
  packets: Scenario | WriterRecord[];
}

export interface InvalidRuleCase extends RuleCase {
  findings: ExpectedFinding[];
}

/** Every rule id that has a tester run, for the meta test. */
export const TESTED_RULES = new Set<string>();

function records(p: Scenario | WriterRecord[]): WriterRecord[] {
  return Array.isArray(p) ? p : p.records;
}

/** Run a rule's valid and invalid cases. */
export function runRuleTests(rule: Rule, cases: { valid: RuleCase[]; invalid: InvalidRuleCase[] }): void {
  TESTED_RULES.add(rule.meta.id);
  describe(`rule ${rule.meta.id}`, () => {
    for (const c of cases.valid) {
      it(`valid: ${c.name}`, async () => {
        const report = await analyzeRecords(records(c.packets), { rules: [rule] });
        expect(report.findings.filter((f) => f.rule === rule.meta.id)).toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      it(`invalid: ${c.name}`, async () => {
        const report = await analyzeRecords(records(c.packets), { rules: [rule] });
        const got = report.findings.filter((f) => f.rule === rule.meta.id);
        expect(got).toHaveLength(c.findings.length);
        c.findings.forEach((exp, i) => {
          const { details, ...rest } = exp;
          expect(got[i]).toMatchObject(rest);
          if (details) expect(got[i]!.details).toMatchObject(details);
        });
      });
    }
  });
}
