import { describe, expect, it } from 'vitest';
import { staleConnection } from '../../src/rules/stale-connection.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';
import { C, S, established } from './support-new-rules.js';

/** SYN answered by the old connection's ACK; the client resets it and retries 1 s later. */
function stale(retryAnswered: boolean): Scenario {
  const s = new Scenario(C, S)
    .tcp('c', 0, ['SYN'], 1000)
    .tcp('s', 0.0002, ['ACK'], 70000, 55555)
    .tcp('c', 0.0003, ['RST'], 55555)
    .tcp('c', 1.01, ['SYN'], 1000);
  if (retryAnswered) s.tcp('s', 1.0102, ['SYN', 'ACK'], 80000, 1001).tcp('c', 1.0103, ['ACK'], 1001, 80001);
  return s;
}

runRuleTests(staleConnection, {
  valid: [
    { name: 'a plain handshake', packets: established() },
    { name: 'a refusal is answered by RST, not ACK', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101) },
  ],
  invalid: [
    {
      name: 'challenge ACK, client RST, retry connects after 1 s (no socket error)',
      packets: stale(true),
      findings: [{ rule: 'stale-connection', severity: 'warning', codes: [], frames: [1, 2, 3, 4, 5, 6], details: { clientReset: true, retried: true, connected: true, delaySeconds: 1.01, ack: 55555, expectedAck: 1001 } }],
    },
    {
      name: 'the retry is never answered and the capture goes on: connect times out',
      packets: withLaterPacket(stale(false).tcp('c', 3.01, ['SYN'], 1000), 60),
      findings: [{ severity: 'error', codes: [expect.objectContaining({ code: 10060 }), expect.objectContaining({ name: 'ETIMEDOUT' }), expect.objectContaining({ name: 'ETIMEDOUT' })] as never, details: { connected: false } }],
    },
    {
      name: 'the capture ends while the client still retries: warning, no code yet',
      packets: stale(false),
      findings: [{ severity: 'warning', codes: [], details: { connected: false, captureEndedEarly: true } }],
    },
    {
      name: 'Windows retries after its 3 s timeout, past the 2 s a closed conversation lingers: one finding, connected',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1000).tcp('s', 0.03, ['ACK'], 70000, 55555).tcp('c', 0.0301, ['RST'], 55555).tcp('c', 3.0, ['SYN'], 1000).tcp('s', 3.03, ['SYN', 'ACK'], 80000, 1001).tcp('c', 3.0301, ['ACK'], 1001, 80001),
      findings: [{ severity: 'warning', frames: [1, 2, 3, 4, 5, 6], details: { retried: true, connected: true, delaySeconds: 3.03 } }],
    },
  ],
});

/** An unrelated datagram at `t`, so the capture goes on. */
function withLaterPacket(s: Scenario, t: number): Scenario {
  s.records.push(...new Scenario('10.0.0.7:5000', '10.0.0.8:5353').udp('c', t).records);
  return s;
}

describe('stale-connection among all rules', () => {
  it('is the only finding (the client\'s RST before the handshake is not a reset)', async () => {
    const report = await analyzeRecords(stale(true).records);
    expect(report.findings.map((f) => f.rule)).toEqual(['stale-connection']);
  });

  it('a reset after both sides closed does not hide the delay at connect time', async () => {
    const s = stale(true).tcp('c', 1.1, ['FIN', 'ACK'], 1001, 80001).tcp('s', 1.11, ['FIN', 'ACK'], 80001, 1002).tcp('c', 1.12, ['ACK'], 1002, 80002).tcp('s', 1.13, ['RST'], 80002);
    const report = await analyzeRecords(s.records);
    expect(report.findings.map((f) => [f.rule, f.severity])).toEqual([['stale-connection', 'warning']]);
  });

  it('a connection that connected after the delay and was then reset: the reset is the finding', async () => {
    const s = stale(true).tcp('c', 1.1, ['PSH', 'ACK'], 1001, 80001, { payload: 10 }).tcp('s', 1.2, ['RST', 'ACK'], 80001, 1011);
    const report = await analyzeRecords(s.records);
    expect(report.findings.map((f) => [f.rule, f.severity])).toEqual([['connection-reset', 'error']]);
  });
});
