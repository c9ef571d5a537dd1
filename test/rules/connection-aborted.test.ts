import { connectionAborted } from '../../src/rules/connection-aborted.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:8080';

function established(): Scenario {
  return new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501);
}

/** The client sends 35 bytes at t=1 and retransmits them at the given offsets after. */
function retransmitting(offsets: number[]): Scenario {
  const s = established().tcp('c', 1, ['PSH', 'ACK'], 101, 501, { payload: 35 });
  for (const o of offsets) s.tcp('c', 1 + o, ['PSH', 'ACK'], 101, 501, { payload: 35 });
  return s;
}

/** A request answered, then a second request (35 bytes at t=2) retransmitted at the given offsets after. */
function retransmittingAfterAnswer(offsets: number[]): Scenario {
  const s = established()
    .tcp('c', 0.5, ['PSH', 'ACK'], 101, 501, { payload: 35 })
    .tcp('s', 0.6, ['PSH', 'ACK'], 501, 136, { payload: 20 })
    .tcp('c', 0.601, ['ACK'], 136, 521)
    .tcp('c', 2, ['PSH', 'ACK'], 136, 521, { payload: 35 });
  for (const o of offsets) s.tcp('c', 2 + o, ['PSH', 'ACK'], 136, 521, { payload: 35 });
  return s;
}

/**
 * With every rule, a server silent since its SYN-ACK while the client retransmits its first
 * request is explained earlier in root-cause order by syn-ack-retransmit (the accept queue was
 * full: Linux sends nothing after the SYN-ACK of a connection it never accepted).
 */
const acceptQueueFull = [{ rule: 'syn-ack-retransmit', details: { variant: 'ack-ignored', serverSilentAfterSynAck: true } }];

runRuleTests(connectionAborted, {
  valid: [
    { name: 'one retransmission, then acknowledged', packets: retransmitting([0.2]).tcp('s', 1.3, ['ACK'], 501, 136) },
    { name: 'backoff series that ends acknowledged', packets: retransmitting([0.2, 0.6, 1.4, 3.0]).tcp('s', 4.1, ['ACK'], 501, 136) },
    { name: 'constant-interval duplicates are not a backoff', packets: retransmitting([0.2, 0.4, 0.6, 0.8]) },
  ],
  invalid: [
    {
      name: 'Linux tcp_retries2: 0.2, 0.4, 0.8, 1.6, 3.2 s, then silence (capture continues)',
      packets: retransmitting([0.2, 0.6, 1.4, 3.0, 6.2]).udp('c', 60),
      findings: [{ rule: 'connection-aborted', severity: 'error', frames: [4, 5, 6, 7, 8, 9], details: { abortedBy: 'client', retransmissions: 5, intervals: [0.2, 0.4, 0.8, 1.6, 3.2], endedWith: 'silence', captureEndedEarly: false } }],
      withAllRules: acceptQueueFull,
    },
    {
      name: 'after an answered request, the next one retransmitted 0.2, 0.4, 0.8, 1.6, 3.2 s, then silence',
      packets: retransmittingAfterAnswer([0.2, 0.6, 1.4, 3.0, 6.2]).udp('c', 60),
      findings: [{ rule: 'connection-aborted', severity: 'error', frames: [7, 8, 9, 10, 11, 12], details: { abortedBy: 'client', retransmissions: 5, endedWith: 'silence', peerSilent: true } }],
    },
    {
      name: 'gives up with RST',
      packets: retransmitting([0.2, 0.6, 1.4, 3.0]).tcp('c', 7, ['RST', 'ACK'], 136, 501),
      findings: [{ details: { endedWith: 'rst', retransmissions: 4 }, frames: [4, 5, 6, 7, 8, 9] }],
      withAllRules: acceptQueueFull,
    },
    {
      name: 'capture ends while still retransmitting',
      packets: retransmitting([0.2, 0.6, 1.4]),
      findings: [{ severity: 'warning', details: { endedWith: 'capture-end', captureEndedEarly: true } }],
      withAllRules: acceptQueueFull,
    },
  ],
});
