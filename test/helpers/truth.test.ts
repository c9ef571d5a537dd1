/** The truth scorer applies the real captures' judgement rules (../shared/captures/real/README.md). */
import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../src/rules/types.js';
import { scoreCapture, totals, type TruthEntry } from './truth.js';

const FILE = 'capture.pcap';

function finding(rule: string, severity: Severity, protocol: 'tcp' | 'udp', stream: number, details: Record<string, unknown> = {}): Finding {
  return {
    rule,
    severity,
    protocol,
    client: { address: '10.0.0.1', port: 40000 },
    server: { address: '10.0.0.2', port: protocol === 'udp' ? 53 : 80 },
    stream,
    frames: [1],
    start: '',
    end: '',
    codes: [],
    summary: `${rule} on ${protocol}.stream ${stream}`,
    details,
    filter: '',
    streamFilter: `${protocol}.stream eq ${stream}`,
    communityId: '',
  };
}

function truth(verdict: TruthEntry['verdict'], rule: string, protocol: 'tcp' | 'udp', stream: number, more: Partial<TruthEntry> = {}): TruthEntry {
  return { file: FILE, rule, verdict, protocol, client: '10.0.0.1:40000', server: '10.0.0.2:80', stream, frames: [1], why: '', ...more };
}

describe('scoreCapture', () => {
  it('finds a failure reported with its rule at error or warning on its stream', () => {
    const s = scoreCapture(FILE, [finding('connection-reset', 'error', 'tcp', 3)], [truth('failure', 'connection-reset', 'tcp', 3)]);
    expect(s.found).toHaveLength(1);
    expect(s.missed).toEqual([]);
    expect(s.falseFindings).toEqual([]);
  });

  it('misses a failure reported only at info, on another stream, or with another rule', () => {
    const t = [truth('failure', 'connection-reset', 'tcp', 3)];
    expect(scoreCapture(FILE, [finding('connection-reset', 'info', 'tcp', 3)], t).missed).toHaveLength(1);
    expect(scoreCapture(FILE, [finding('connection-reset', 'error', 'tcp', 4)], t).missed).toHaveLength(1);
    expect(scoreCapture(FILE, [finding('connection-reset', 'error', 'udp', 3)], t).missed).toHaveLength(1);
    const wrong = scoreCapture(FILE, [finding('half-open', 'error', 'tcp', 3)], t);
    expect(wrong.missed).toHaveLength(1);
    expect(wrong.falseFindings.map((f) => f.kind)).toEqual(['wrong-rule']);
  });

  it('accepts a stream of streamAlt', () => {
    const s = scoreCapture(FILE, [finding('dns-failure', 'warning', 'udp', 7, { name: 'x.example', qtype: 'A' })], [truth('failure', 'dns-failure', 'udp', 6, { streamAlt: [7], name: 'x.example', qtype: 'A' })]);
    expect(s.found).toHaveLength(1);
  });

  it('matches DNS failures by name and qtype as well as stream', () => {
    const t = [truth('failure', 'dns-failure', 'udp', 2, { name: 'a.example', qtype: 'AAAA' })];
    expect(scoreCapture(FILE, [finding('dns-failure', 'warning', 'udp', 2, { name: 'A.example.', qtype: 'AAAA' })], t).found).toHaveLength(1);
    const other = scoreCapture(FILE, [finding('dns-failure', 'warning', 'udp', 2, { name: 'a.example', qtype: 'A' })], t);
    expect(other.missed).toHaveLength(1);
    expect(other.falseFindings.map((f) => f.kind)).toEqual(['unlisted']);
  });

  it('accepts a finding or none on an ambiguous conversation; "*" accepts any rule', () => {
    const t = [truth('ambiguous', 'connect-timeout', 'tcp', 1), truth('ambiguous', '*', 'tcp', 2)];
    const s = scoreCapture(FILE, [finding('connect-timeout', 'warning', 'tcp', 1), finding('connection-reset', 'error', 'tcp', 2)], t);
    expect(s.ambiguous).toHaveLength(2);
    expect(s.falseFindings).toEqual([]);
    expect(scoreCapture(FILE, [], t).missed).toEqual([]);
  });

  it('counts an error or warning on a benign or unlisted conversation as false, never an info', () => {
    const t = [truth('benign', 'connection-reset', 'tcp', 5)];
    const s = scoreCapture(FILE, [finding('connection-reset', 'error', 'tcp', 5), finding('connect-timeout', 'warning', 'tcp', 9), finding('connection-reset', 'info', 'tcp', 5)], t);
    expect(s.falseFindings.map((f) => [f.kind, f.finding.stream])).toEqual([
      ['benign', 5],
      ['unlisted', 9],
    ]);
    expect(s.alarms).toBe(2);
    expect(s.info).toBe(1);
  });

  it('ignores truth entries of other files', () => {
    const s = scoreCapture(FILE, [], [{ ...truth('failure', 'connection-reset', 'tcp', 0), file: 'other.pcap' }]);
    expect(s.missed).toEqual([]);
  });
});

describe('totals', () => {
  it('gives recall over failures and the false rate over error and warning findings', () => {
    const t = [truth('failure', 'connection-reset', 'tcp', 0), truth('failure', 'connect-timeout', 'tcp', 1)];
    const s = scoreCapture(FILE, [finding('connection-reset', 'error', 'tcp', 0), finding('connection-reset', 'error', 'tcp', 2)], t);
    expect(totals([s])).toEqual({ failures: 2, found: 1, alarms: 2, falseFindings: 1, recall: 0.5, falseRate: 0.5 });
  });
});
