import { codesFor } from '../../src/rules/codes.js';
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
      findings: [{ rule: 'connection-reset', stream: 0, frames: [1, 2, 3, 4, 5], details: { resetBy: 'server', situation: 'in-response-to-data', bytesSent: { client: 32, server: 0 } } }],
    },
    {
      name: 'server closed, client wrote afterwards: its request was discarded (the keep-alive race)',
      packets: established()
        .tcp('s', 1, ['FIN', 'ACK'], 501, 101)
        .tcp('c', 1.001, ['ACK'], 101, 502)
        .tcp('c', 2, ['PSH', 'ACK'], 101, 502, { payload: 10 })
        .tcp('s', 2.0001, ['RST'], 502),
      findings: [{ severity: 'error', codes: codesFor('reset-after-fin'), details: { resetBy: 'server', situation: 'data-after-close', closeBeforeReset: 'resetter' } }],
    },
    {
      name: 'server closed and reset later, the client sent nothing more: only a later write fails',
      packets: established()
        .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 })
        .tcp('s', 0.02, ['PSH', 'ACK'], 501, 111, { payload: 20 })
        .tcp('s', 0.021, ['FIN', 'ACK'], 521, 111)
        .tcp('c', 0.03, ['ACK'], 111, 522)
        .tcp('s', 0.12, ['RST', 'ACK'], 522, 111),
      findings: [{ severity: 'warning', codes: codesFor('reset-after-fin'), details: { resetBy: 'server', closeBeforeReset: 'resetter' } }],
    },
    {
      name: 'server sent FIN and reset before the client acknowledged it: the client may still have been reading',
      packets: established().tcp('s', 1, ['FIN', 'ACK'], 501, 101).tcp('s', 1.001, ['RST', 'ACK'], 502, 101),
      findings: [{ severity: 'error', codes: codesFor('connection-reset'), details: { closeBeforeReset: 'resetter-unacknowledged' } }],
    },
    {
      name: 'client closed, server acknowledged the FIN, then reset (Windows answering a FIN): info, nobody got an error',
      packets: established()
        .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 })
        .tcp('c', 1, ['FIN', 'ACK'], 111, 501)
        .tcp('s', 1.001, ['ACK'], 501, 112)
        .tcp('s', 1.002, ['RST', 'ACK'], 501, 112),
      findings: [{ severity: 'info', codes: [], frames: [1, 2, 3, 4, 5, 6, 7], details: { resetBy: 'server', closeBeforeReset: 'receiver', finBeforeReset: { client: true, server: false } } }],
    },
    {
      name: 'the RST itself acknowledges the client\'s FIN (Linux close with SO_LINGER 0): info',
      packets: established().tcp('c', 1, ['FIN', 'ACK'], 101, 501).tcp('s', 1.002, ['RST', 'ACK'], 501, 102),
      findings: [{ severity: 'info', details: { closeBeforeReset: 'receiver' } }],
    },
    {
      name: 'server closed, client acknowledged and reset with a bare RST: info',
      packets: established().tcp('s', 1, ['FIN', 'ACK'], 501, 101).tcp('c', 1.001, ['ACK'], 101, 502).tcp('c', 1.2, ['RST'], 101),
      findings: [{ severity: 'info', details: { resetBy: 'client', closeBeforeReset: 'receiver' } }],
    },
    {
      name: 'the acknowledgment of a FIN across sequence wraparound counts',
      packets: new Scenario(C, S)
        .tcp('c', 0, ['SYN'], 0xfffffff0)
        .tcp('s', 0.001, ['SYN', 'ACK'], 500, 0xfffffff1)
        .tcp('c', 0.002, ['ACK'], 0xfffffff1, 501)
        .tcp('c', 0.01, ['PSH', 'ACK'], 0xfffffff1, 501, { payload: 14 })
        .tcp('c', 1, ['FIN', 'ACK'], 0xffffffff, 501)
        .tcp('s', 1.001, ['RST', 'ACK'], 501, 0),
      findings: [{ severity: 'info', details: { closeBeforeReset: 'receiver' } }],
    },
    {
      name: 'client sent FIN, the server reset without acknowledging it: the client\'s last data may be lost',
      packets: established()
        .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 })
        .tcp('c', 0.011, ['FIN', 'ACK'], 111, 501)
        .tcp('s', 0.02, ['RST', 'ACK'], 501, 101),
      findings: [{ severity: 'error', codes: codesFor('connection-reset'), details: { closeBeforeReset: 'receiver-unacknowledged' } }],
    },
    {
      name: 'a RST after both FINs: info',
      packets: established()
        .tcp('c', 1, ['FIN', 'ACK'], 101, 501)
        .tcp('s', 1.001, ['FIN', 'ACK'], 501, 102)
        .tcp('c', 1.002, ['RST'], 102),
      findings: [{ severity: 'info', codes: [], details: { resetBy: 'client', closeBeforeReset: 'both' } }],
    },
    {
      name: 'client aborts without FIN',
      packets: established().tcp('s', 0.5, ['PSH', 'ACK'], 501, 101, { payload: 100 }).tcp('c', 0.6, ['ACK'], 101, 601).tcp('c', 5, ['RST', 'ACK'], 101, 601),
      findings: [{ severity: 'error', codes: codesFor('connection-reset'), details: { resetBy: 'client', situation: 'abortive-close', closeBeforeReset: 'none', bytesSent: { client: 0, server: 100 } } }],
    },
    {
      name: 'an ignored RST before the handshake is noted (injection)',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.1, ['RST', 'ACK'], 0, 101).tcp('s', 0.2, ['SYN', 'ACK'], 500, 101).tcp('c', 0.3, ['ACK'], 101, 501).tcp('s', 1, ['RST'], 501),
      findings: [{ details: { resetBy: 'server', rstBeforeHandshake: 2 } }],
    },
    {
      // zeek_rst-inject-rae.pcap: the injected RST acknowledges the ISN itself, so the client drops it.
      name: 'an injected RST whose ACK does not acknowledge the SYN is noted too',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.1, ['RST', 'ACK'], 0, 100).tcp('s', 0.2, ['SYN', 'ACK'], 500, 101).tcp('c', 0.3, ['ACK'], 101, 501).tcp('s', 1, ['RST'], 501),
      findings: [{ details: { resetBy: 'server', rstBeforeHandshake: 2 } }],
    },
  ],
});
