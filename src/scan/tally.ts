/**
 * Findings counted by what makes them the same failure (rule, protocol, server endpoint and
 * error codes). A scan worker tallies its capture's findings, so the main thread merges a few
 * rows per capture instead of receiving and walking every finding: the text report and
 * `--fail-on` need nothing more.
 */
import type { FindingKey } from '../rules/engine.js';
import { SEVERITIES, type ErrorCode, type FindingProtocol, type Severity } from '../rules/types.js';

/** Findings of one rule about one server endpoint (with the same codes) in one capture. */
export interface FindingTally {
  rule: string;
  /** The highest severity among them. */
  severity: Severity;
  protocol: FindingProtocol;
  server: { address: string; port: number };
  codes: ErrorCode[];
  count: number;
}

/** The key that makes two findings (or tallies) the same failure. */
export function tallyKey(f: Pick<FindingTally, 'rule' | 'protocol' | 'server' | 'codes'>): string {
  const codes = f.codes.map((c) => `${c.os}:${c.code}`).join(',');
  return `${f.rule}\u0000${f.protocol}\u0000${f.server.address}\u0000${f.server.port}\u0000${codes}`;
}

/** The higher of two severities. */
export function higherSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(b) > SEVERITIES.indexOf(a) ? b : a;
}

/** Counts findings one at a time (rows in order of first appearance). */
export class FindingTallyCounter {
  private readonly byKey = new Map<string, FindingTally>();

  add(f: FindingKey): void {
    const key = tallyKey(f);
    const row = this.byKey.get(key);
    if (row) {
      row.count++;
      row.severity = higherSeverity(row.severity, f.severity);
    } else {
      this.byKey.set(key, {
        rule: f.rule,
        severity: f.severity,
        protocol: f.protocol,
        server: { address: f.server.address, port: f.server.port },
        codes: f.codes.map((c) => ({ ...c })),
        count: 1,
      });
    }
  }

  rows(): FindingTally[] {
    return [...this.byKey.values()];
  }
}

/** Tally `findings`, in order of first appearance. */
export function tallyFindings(findings: readonly FindingKey[]): FindingTally[] {
  const counter = new FindingTallyCounter();
  for (const f of findings) counter.add(f);
  return counter.rows();
}
