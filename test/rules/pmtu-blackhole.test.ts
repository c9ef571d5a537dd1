import { describe, expect, it } from 'vitest';
import { pmtuBlackhole } from '../../src/rules/pmtu-blackhole.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, type Scenario } from '../helpers/scenario.js';
import { established } from './support-new-rules.js';

/**
 * A request, the server's small header acknowledged in full, then a full-size segment of `size`
 * bytes and a short last one. `tailSacked`: the short one arrives and the client answers with a
 * duplicate ACK for the lost one.
 */
function bigReply(size: number, tailSacked: boolean): Scenario {
  const s = established()
    .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 50 })
    .tcp('s', 0.02, ['PSH', 'ACK'], 501, 151, { payload: 200 })
    .tcp('c', 0.03, ['ACK'], 151, 701)
    .tcp('s', 0.25, ['ACK'], 701, 151, { payload: size })
    .tcp('s', 0.2501, ['PSH', 'ACK'], 701 + size, 151, { payload: 300 });
  if (tailSacked) s.tcp('c', 0.256, ['ACK'], 151, 701);
  return s;
}

/** The full-size segment retransmitted with backoff, never acknowledged. */
function retransmitted(s: Scenario, size: number, times = [0.46, 0.89, 1.72, 3.39]): Scenario {
  for (const t of times) s.tcp('s', t, ['ACK'], 701, 151, { payload: size });
  return s;
}

runRuleTests(pmtuBlackhole, {
  valid: [
    { name: 'a dead peer: nothing from the client after the large segment (connection-aborted)', packets: retransmitted(bigReply(1448, false), 1448) },
    { name: 'a small segment lost again and again is not a size problem', packets: retransmitted(bigReply(400, true), 400) },
    { name: 'one retransmission that was then acknowledged', packets: bigReply(1448, true).tcp('s', 0.46, ['ACK'], 701, 151, { payload: 1448 }).tcp('c', 0.47, ['ACK'], 151, 701 + 1748) },
  ],
  invalid: [
    {
      name: 'full-size segments retransmitted with backoff while the short last one was acknowledged selectively',
      packets: retransmitted(bigReply(1448, true), 1448),
      findings: [{ rule: 'pmtu-blackhole', severity: 'error', seenBy: { side: 'server', address: '10.0.0.2', port: 8080 }, details: { sender: 'server', sizes: { failed: 1448, largestAcknowledged: 200 }, retransmissions: 4, icmpTooBig: [] } }],
    },
    {
      name: 'ICMP fragmentation-needed for the large segment, and the sender never shrinks',
      packets: retransmitted(bigReply(1448, false), 1448).icmpError(0.2502, '10.0.0.254', 3, 4, 's', { flags: ['ACK'], seq: 701 }),
      findings: [{ rule: 'pmtu-blackhole', details: { sender: 'server', icmpTooBig: [{ reporter: '10.0.0.254', type: 3, code: 4 }] } }],
    },
  ],
});

describe('pmtu-blackhole among all rules', () => {
  it('explains the abort that follows: one finding, pmtu-blackhole', async () => {
    const report = await analyzeRecords(retransmitted(bigReply(1448, true), 1448).tcp('s', 7, ['RST', 'ACK'], 701 + 1748, 151).records);
    expect(report.findings.map((f) => f.rule)).toEqual(['pmtu-blackhole']);
  });

  it('a dead peer stays connection-aborted', async () => {
    const report = await analyzeRecords(retransmitted(bigReply(1448, false), 1448).records);
    expect(report.findings.map((f) => f.rule)).toEqual(['connection-aborted']);
  });
});
