import { describe, expect, it } from 'vitest';
import { halfOpen } from '../../src/rules/half-open.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, type Scenario } from '../helpers/scenario.js';
import { established } from './support-new-rules.js';

/** A request and its answer, then 30 s idle, then the client's next request. */
function idleThenRequest(): Scenario {
  return established()
    .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 })
    .tcp('s', 0.02, ['PSH', 'ACK'], 501, 111, { payload: 100 })
    .tcp('c', 0.03, ['ACK'], 111, 601)
    .tcp('c', 30, ['PSH', 'ACK'], 111, 601, { payload: 10 });
}

runRuleTests(halfOpen, {
  valid: [
    { name: 'an application reset (RST,ACK from a live socket)', packets: idleThenRequest().tcp('s', 30.0002, ['RST', 'ACK'], 601, 121) },
    { name: 'a bare RST without data before it', packets: established().tcp('s', 5, ['RST'], 501) },
    {
      name: 'a bare RST after both sides had closed: nobody was using the connection any more',
      packets: established()
        .tcp('s', 1, ['FIN', 'ACK'], 501, 101)
        .tcp('c', 1.001, ['ACK'], 101, 502)
        .tcp('c', 30, ['PSH', 'ACK'], 101, 502, { payload: 10 })
        .tcp('c', 30.0001, ['FIN', 'ACK'], 111, 502)
        .tcp('s', 30.0002, ['RST'], 502),
    },
    {
      name: 'a bare RST from a server that had sent its own FIN: a closed socket refusing late data (the keep-alive race), not lost state',
      packets: established()
        .tcp('s', 1, ['FIN', 'ACK'], 501, 101)
        .tcp('c', 1.001, ['ACK'], 101, 502)
        .tcp('c', 30, ['PSH', 'ACK'], 101, 502, { payload: 10 })
        .tcp('s', 30.0001, ['RST'], 502),
    },
    { name: 'an orderly close', packets: idleThenRequest().tcp('s', 30.01, ['ACK'], 601, 121).tcp('c', 31, ['FIN', 'ACK'], 121, 601).tcp('s', 31.01, ['FIN', 'ACK'], 601, 122) },
  ],
  invalid: [
    {
      name: 'the server restarted: its stack answers the next request with a bare RST (seq = the request\'s ACK)',
      packets: idleThenRequest().tcp('s', 30.0002, ['RST'], 601),
      findings: [{ rule: 'half-open', frames: [1, 3, 7, 8], details: { resetBy: 'server', dataFrom: 'client', rstFrame: 8, idleSeconds: 29.98 } }],
    },
  ],
});

describe('half-open among all rules', () => {
  it('a lost connection is half-open, an application reset stays connection-reset', async () => {
    const lost = await analyzeRecords(idleThenRequest().tcp('s', 30.0002, ['RST'], 601).records);
    expect(lost.findings.map((f) => f.rule)).toEqual(['half-open']);
    const app = await analyzeRecords(idleThenRequest().tcp('s', 30.0002, ['RST', 'ACK'], 601, 121).records);
    expect(app.findings.map((f) => f.rule)).toEqual(['connection-reset']);
  });

  it('a bare RST after both sides had closed is a connection-reset at info', async () => {
    const closed = await analyzeRecords(
      established()
        .tcp('s', 1, ['FIN', 'ACK'], 501, 101)
        .tcp('c', 1.001, ['ACK'], 101, 502)
        .tcp('c', 30, ['PSH', 'ACK'], 101, 502, { payload: 10 })
        .tcp('c', 30.0001, ['FIN', 'ACK'], 111, 502)
        .tcp('s', 30.0002, ['RST'], 502).records,
    );
    expect(closed.findings.map((f) => [f.rule, f.severity, f.details.closeBeforeReset])).toEqual([['connection-reset', 'info', 'both']]);
  });
});
