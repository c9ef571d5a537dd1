import { connectionReset } from '../../src/rules/connection-reset.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:8080';

/** SYN, SYN-ACK, ACK: client ISN 100, server ISN 500. */
function established(): Scenario {
  return new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501);
}

runRuleTests(connectionReset, {
  valid: [
    { name: 'orderly FIN close', packets: established().tcp('c', 1, ['FIN', 'ACK'], 101, 501).tcp('s', 1.001, ['FIN', 'ACK'], 501, 102).tcp('c', 1.002, ['ACK'], 102, 502) },
    { name: 'refusal is not a reset', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101) },
    { name: 'RST after SYN-ACK without the final ACK (half-open probe)', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['RST'], 101) },
  ],
  invalid: [
    {
      name: 'server closes with unread data: RST right after the client\'s request',
      packets: established().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 32 }).tcp('s', 0.0102, ['RST', 'ACK'], 501, 133),
      findings: [{ rule: 'connection-reset', stream: 0, frames: [1, 3, 4, 5], details: { resetBy: 'server', situation: 'in-response-to-data', bytesSent: { client: 32, server: 0 } } }],
    },
    {
      name: 'server closed, client wrote afterwards: data after close',
      packets: established()
        .tcp('s', 1, ['FIN', 'ACK'], 501, 101)
        .tcp('c', 1.001, ['ACK'], 101, 502)
        .tcp('c', 2, ['PSH', 'ACK'], 101, 502, { payload: 10 })
        .tcp('s', 2.0001, ['RST'], 502),
      findings: [{ details: { resetBy: 'server', situation: 'data-after-close' } }],
    },
    {
      name: 'client aborts without FIN',
      packets: established().tcp('s', 0.5, ['PSH', 'ACK'], 501, 101, { payload: 100 }).tcp('c', 0.6, ['ACK'], 101, 601).tcp('c', 5, ['RST', 'ACK'], 101, 601),
      findings: [{ details: { resetBy: 'client', situation: 'abortive-close', bytesSent: { client: 0, server: 100 } } }],
    },
    {
      name: 'an ignored RST before the handshake is noted (injection)',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.1, ['RST', 'ACK'], 0, 101).tcp('s', 0.2, ['SYN', 'ACK'], 500, 101).tcp('c', 0.3, ['ACK'], 101, 501).tcp('s', 1, ['RST'], 501),
      findings: [{ details: { resetBy: 'server', rstBeforeHandshake: 2 } }],
    },
  ],
});
