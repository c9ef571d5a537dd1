/** The findings of a scan grouped across captures, merged as captures finish in any order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_GROUP_FILES, ScanFindingGroups, warningsShown, type ScanFindingGroup } from '../../src/report/scan-text.js';
import { makeReport, refusedFinding } from './support.js';
import type { FindingTally } from '../../src/scan/tally.js';
import type { Severity } from '../../src/rules/types.js';

const SERVERS = ['10.0.0.2', '10.0.0.3', '10.0.0.4'];
const RULES = ['connection-refused', 'connect-timeout'];
const SEVERITY: Severity[] = ['info', 'warning', 'error'];

/** A tally row from small numbers, so that captures share rows often. */
function row(server: number, rule: number, severity: number, count: number): FindingTally {
  return {
    rule: RULES[rule]!,
    severity: SEVERITY[severity]!,
    protocol: 'tcp',
    server: { address: SERVERS[server]!, port: 80 },
    codes: [{ os: 'linux', code: 111, name: 'ECONNREFUSED', message: 'Connection refused' }],
    count,
  };
}

/** The groups as the text report uses them, captures named by their place in scan order. */
function grouped(tallies: readonly FindingTally[][], order: readonly number[]): ScanFindingGroup[] {
  const groups = new ScanFindingGroups();
  for (const i of order) groups.add(i, `capture-${i}`, tallies[i]!);
  return groups.groups();
}

/**
 * Grouping with every capture name kept, in scan order (a plain map in insertion order, sorted
 * stably): what the groups must equal.
 */
function keepingEveryName(tallies: readonly FindingTally[][]): ScanFindingGroup[] {
  const byKey = new Map<string, ScanFindingGroup & { names: string[] }>();
  tallies.forEach((tally, i) => {
    for (const r of tally) {
      const key = `${r.rule} ${r.server.address}`;
      const g = byKey.get(key) ?? { ...r, server: { ...r.server }, count: 0, captures: 0, firstCaptures: [], names: [] };
      byKey.set(key, g);
      g.count += r.count;
      g.names.push(`capture-${i}`);
      if (SEVERITY.indexOf(r.severity) > SEVERITY.indexOf(g.severity)) g.severity = r.severity;
    }
  });
  return [...byKey.values()]
    .sort((a, b) => b.names.length - a.names.length || b.count - a.count)
    .map(({ names, ...g }) => ({ ...g, captures: names.length, firstCaptures: names.slice(0, MAX_GROUP_FILES) }));
}

/** A capture's tally: distinct rows (as a tally has), each with a count. */
const tallyArb = fc
  .uniqueArray(fc.record({ server: fc.nat(SERVERS.length - 1), rule: fc.nat(RULES.length - 1) }), { selector: (r) => `${r.server}/${r.rule}`, maxLength: 6 })
  .chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.nat(2), fc.integer({ min: 1, max: 5 })).map(([sev, n]) => row(k.server, k.rule, sev, n)))));

describe('ScanFindingGroups', () => {
  it('gives the same groups, in the same order, whatever order the captures finish in', () => {
    fc.assert(
      fc.property(
        fc.array(tallyArb, { minLength: 1, maxLength: 12 }).chain((tallies) => fc.tuple(fc.constant(tallies), fc.shuffledSubarray([...tallies.keys()], { minLength: tallies.length }))),
        ([tallies, finishOrder]) => {
          expect(grouped(tallies, finishOrder)).toEqual(keepingEveryName(tallies));
        },
      ),
    );
  });

  it('counts every capture and finding but names only the first captures in scan order', () => {
    const tallies = Array.from({ length: 10 }, (_, i) => [row(0, 0, i === 7 ? 2 : 0, 2)]);
    const [g] = grouped(tallies, [9, 3, 8, 0, 5, 1, 7, 2, 6, 4]);
    expect(g).toMatchObject({ captures: 10, count: 20, severity: 'error', firstCaptures: ['capture-0', 'capture-1', 'capture-2'] });
    expect(g!.firstCaptures).toHaveLength(MAX_GROUP_FILES);
  });

  it('orders groups by captures, then findings, then first appearance in scan order', () => {
    const tallies = [[row(1, 0, 0, 1)], [row(0, 0, 0, 5), row(2, 0, 0, 1)], [row(1, 0, 0, 1), row(2, 0, 0, 1)]];
    const order = grouped(tallies, [1, 2, 0]).map((g) => `${g.server.address} ${g.captures}/${g.count}`);
    // 10.0.0.3 and 10.0.0.4 are both in two captures with two findings: 10.0.0.3 appears first.
    expect(order).toEqual(['10.0.0.3 2/2', '10.0.0.4 2/2', '10.0.0.2 1/5']);
  });
});

describe('warningsShown: the warnings a text scan counts for a capture', () => {
  it('counts every warning but finding_cap_reached: the text scan prints counts of every finding, no cut list', () => {
    const report = makeReport([refusedFinding()]);
    report.capture.warnings = [
      { code: 'finding_cap_reached', message: '5040 findings; the report keeps the first 5000 decided' },
      { code: 'flow_cap_reached', message: 'more conversations were open at once than the cap' },
    ];
    expect(warningsShown(report)).toBe(1);
    report.capture.warnings = report.capture.warnings.slice(0, 1);
    expect(warningsShown(report)).toBe(0);
  });
});
