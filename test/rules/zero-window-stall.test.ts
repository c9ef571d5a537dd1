import { describe, expect, it } from 'vitest';
import { zeroWindowStall } from '../../src/rules/zero-window-stall.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, type Scenario } from '../helpers/scenario.js';
import { established } from './support-new-rules.js';

/** The client fills the server's window; the server's ACKs say window 0; the client probes (Linux style). */
function stalled(): Scenario {
  const s = established().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 1000 }).tcp('s', 0.02, ['ACK'], 501, 1101, { window: 0 });
  for (const t of [0.22, 0.62, 1.42, 3.02]) s.tcp('c', t, ['ACK'], 1100, 501).tcp('s', t + 0.0001, ['ACK'], 501, 1101, { window: 0 });
  return s;
}

runRuleTests(zeroWindowStall, {
  valid: [
    { name: 'no zero window', packets: established().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 }).tcp('s', 0.02, ['ACK'], 501, 111) },
    {
      name: 'the window opens again after a probe',
      packets: established()
        .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 1000 })
        .tcp('s', 0.02, ['ACK'], 501, 1101, { window: 0 })
        .tcp('c', 0.22, ['ACK'], 1100, 501)
        .tcp('s', 0.2201, ['ACK'], 501, 1101, { window: 0 })
        .tcp('c', 0.62, ['ACK'], 1100, 501)
        .tcp('s', 0.6201, ['ACK'], 501, 1101, { window: 8192 })
        .tcp('c', 0.63, ['PSH', 'ACK'], 1101, 501, { payload: 100 }),
    },
  ],
  invalid: [
    {
      name: 'the capture ends while the client still probes: a warning',
      packets: stalled(),
      findings: [{ severity: 'warning', details: { endedWith: 'capture end' } }],
    },
    {
      name: 'probes until the client\'s application resets',
      packets: stalled().tcp('c', 10, ['RST', 'ACK'], 1101, 501),
      findings: [
        {
          rule: 'zero-window-stall',
          codes: [expect.objectContaining({ code: 10054 }), expect.objectContaining({ name: 'ECONNRESET' }), expect.objectContaining({ name: 'ECONNRESET' })] as never,
          details: { receiver: 'server', sender: 'client', probes: 4, probeIntervals: [0.4, 0.8, 1.6], endedWith: 'reset by the client' },
        },
      ],
    },
    {
      name: 'probes into silence end in a timeout (10060 / ETIMEDOUT)',
      packets: stalled().tcp('c', 6.22, ['ACK'], 1100, 501).udp('c', 400),
      findings: [{ severity: 'error', codes: [expect.objectContaining({ code: 10060 }), expect.objectContaining({ name: 'ETIMEDOUT' }), expect.objectContaining({ name: 'ETIMEDOUT' })] as never, details: { probes: 5, endedWith: 'silence' } }],
    },
  ],
});

describe('zero-window-stall among all rules', () => {
  it('explains the reset that ended the stall (no connection-reset finding)', async () => {
    const report = await analyzeRecords(stalled().tcp('c', 10, ['RST', 'ACK'], 1101, 501).records);
    expect(report.findings.map((f) => f.rule)).toEqual(['zero-window-stall']);
  });
});
