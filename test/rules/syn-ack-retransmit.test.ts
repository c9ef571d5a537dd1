import { describe, expect, it } from 'vitest';
import { synAckRetransmit } from '../../src/rules/syn-ack-retransmit.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';
import { C, S, established } from './support-new-rules.js';

/** Accept queue full: the client's ACK and request are ignored; SYN-ACK at 1, 3 s; then the server resets the request. */
function acceptQueueFull(): Scenario {
  return established()
    .tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: 20 })
    .tcp('c', 0.21, ['PSH', 'ACK'], 101, 501, { payload: 20 })
    .tcp('s', 1.0, ['SYN', 'ACK'], 500, 101)
    .tcp('c', 1.0001, ['ACK'], 121, 501)
    .tcp('c', 0.63, ['PSH', 'ACK'], 101, 501, { payload: 20 })
    .tcp('s', 3.0, ['SYN', 'ACK'], 500, 101)
    .tcp('c', 3.0001, ['ACK'], 121, 501)
    .tcp('c', 3.5, ['PSH', 'ACK'], 101, 501, { payload: 20 })
    .tcp('s', 3.5001, ['RST'], 501);
}

runRuleTests(synAckRetransmit, {
  valid: [
    { name: 'a plain handshake and a request', packets: established().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 }).tcp('s', 0.02, ['PSH', 'ACK'], 501, 111, { payload: 10 }) },
    {
      name: 'one lost final ACK, then a working connection (ordinary loss)',
      packets: new Scenario(C, S)
        .tcp('c', 0, ['SYN'], 100)
        .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
        .tcp('s', 1.001, ['SYN', 'ACK'], 500, 101)
        .tcp('c', 1.002, ['ACK'], 101, 501)
        .tcp('s', 1.01, ['PSH', 'ACK'], 501, 101, { payload: 30 }),
    },
    { name: 'no SYN-ACK at all is a connect timeout, not this', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 1, ['SYN'], 100) },
    {
      // A SPAN port or two capture interfaces record every packet twice, microseconds apart.
      name: 'every packet captured twice: the SYN-ACK copies are one transmission',
      packets: new Scenario(C, S)
        .tcp('c', 0, ['SYN'], 100)
        .tcp('c', 0.000005, ['SYN'], 100)
        .tcp('s', 0.0029, ['SYN', 'ACK'], 500, 101)
        .tcp('s', 0.002905, ['SYN', 'ACK'], 500, 101)
        .tcp('c', 0.0032, ['ACK'], 101, 501)
        .tcp('c', 0.0039, ['ACK'], 101, 501)
        .tcp('s', 0.0056, ['SYN', 'ACK'], 500, 101)
        .tcp('s', 0.0059, ['SYN', 'ACK'], 500, 101)
        .tcp('c', 0.006, ['PSH', 'ACK'], 101, 501, { payload: 10 })
        .tcp('s', 0.008, ['PSH', 'ACK'], 501, 111, { payload: 10 }),
    },
  ],
  invalid: [
    {
      name: 'accept queue full: SYN-ACK retransmitted after the client ACKed, then reset',
      packets: acceptQueueFull(),
      findings: [
        {
          rule: 'syn-ack-retransmit',
          severity: 'error',
          codes: [expect.objectContaining({ os: 'windows', code: 10054 }), expect.objectContaining({ os: 'linux', name: 'ECONNRESET' }), expect.objectContaining({ os: 'macos' })] as never,
          details: { variant: 'ack-ignored', synAckCount: 3, clientAcked: true, synAcksAfterClientAck: 2, outcome: 'reset', intervals: [0.999, 2] },
        },
      ],
    },
    {
      name: 'Linux 6.x: no SYN-ACK retransmission, the server silent after its SYN-ACK while the client retransmits its request',
      packets: established()
        .tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: 20 })
        .tcp('c', 0.21, ['PSH', 'ACK'], 101, 501, { payload: 20 })
        .tcp('c', 0.63, ['PSH', 'ACK'], 101, 501, { payload: 20 })
        .tcp('c', 1.47, ['PSH', 'ACK'], 101, 501, { payload: 20 })
        .udp('c', 200),
      findings: [{ details: { variant: 'ack-ignored', synAckCount: 1, serverSilentAfterSynAck: true, clientDataRetransmissions: 3, outcome: 'gave-up' } }],
    },
    {
      name: 'the final ACK never arrives: the server gives up',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('s', 1.001, ['SYN', 'ACK'], 500, 101).tcp('s', 3.001, ['SYN', 'ACK'], 500, 101),
      findings: [{ details: { variant: 'final-ack-missing', outcome: 'gave-up', clientAcked: false }, codes: [expect.objectContaining({ code: 10060 }), expect.objectContaining({ name: 'ETIMEDOUT' }), expect.objectContaining({ name: 'ETIMEDOUT' })] as never }],
    },
    {
      name: 'accepted late: two retransmissions, then the server answers (a delay, no socket error)',
      packets: established()
        .tcp('s', 1.0, ['SYN', 'ACK'], 500, 101)
        .tcp('c', 1.0001, ['ACK'], 101, 501)
        .tcp('s', 3.0, ['SYN', 'ACK'], 500, 101)
        .tcp('c', 3.0001, ['ACK'], 101, 501)
        .tcp('c', 3.1, ['PSH', 'ACK'], 101, 501, { payload: 10 })
        .tcp('s', 3.2, ['PSH', 'ACK'], 501, 111, { payload: 10 }),
      findings: [{ severity: 'warning', codes: [], details: { outcome: 'completed', socketError: 'none: the connection succeeded after a delay' } }],
    },
  ],
});

describe('syn-ack-retransmit among all rules', () => {
  it('is the one finding for an accept-queue overflow that ends in a reset', async () => {
    const report = await analyzeRecords(acceptQueueFull().records.sort((a, b) => (a.time as number) - (b.time as number)));
    expect(report.findings.map((f) => f.rule)).toEqual(['syn-ack-retransmit']);
  });
});
