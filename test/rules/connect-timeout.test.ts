import { describe, expect, it } from 'vitest';
import { classifyBackoff, connectTimeout } from '../../src/rules/connect-timeout.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:8080';

/** SYNs at the given offsets, then an unrelated packet much later so the capture outlives the give-up. */
function syns(times: number[], captureUntil?: number): Scenario {
  const s = new Scenario(C, S);
  for (const t of times) s.tcp('c', t, ['SYN'], 1000);
  if (captureUntil !== undefined) s.records.push(...new Scenario('10.0.0.7:5000', '10.0.0.8:5353').udp('c', captureUntil).records);
  return s;
}

describe('classifyBackoff', () => {
  it.each([
    [[], 'single'],
    [[1, 2, 4, 8, 16], 'exponential'],
    [[3, 6], 'exponential'],
    [[1, 1, 1, 1, 1, 2, 4], 'linear-then-exponential'],
    [[1.03, 1.02, 1.02, 1.02, 1.02, 2.02, 4.22], 'linear-then-exponential'],
    [[1, 1, 1], 'constant'],
    [[0.5, 7, 0.1], 'irregular'],
  ])('%j → %s', (intervals, expected) => {
    expect(classifyBackoff(intervals as number[])).toBe(expected);
  });
});

runRuleTests(connectTimeout, {
  valid: [
    { name: 'answered by SYN-ACK after one retry', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).tcp('c', 1, ['SYN'], 1).tcp('s', 1.001, ['SYN', 'ACK'], 9, 2) },
    { name: 'refused is not a timeout', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2) },
    { name: 'client cancels its own SYN at once (scanner)', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).tcp('c', 0.0001, ['RST'], 2) },
    { name: 'one-way capture: SYN then ACKs from the client', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).tcp('c', 0.01, ['ACK'], 2, 10).tcp('c', 0.02, ['ACK', 'PSH'], 2, 10, { payload: 10 }) },
  ],
  invalid: [
    {
      name: 'classic Linux: 1, 2, 4, 8, 16, 32 s then gives up (capture continues)',
      packets: syns([0, 1, 3, 7, 15, 31, 63], 200),
      findings: [{ rule: 'connect-timeout', severity: 'error', frames: [1, 2, 3, 4, 5, 6, 7], details: { synCount: 7, intervals: [1, 2, 4, 8, 16, 32], backoff: 'exponential', captureEndedEarly: false } }],
    },
    {
      name: 'older Windows: SYN at 0, 3, 9 s',
      packets: syns([0, 3, 9], 40),
      findings: [{ details: { synCount: 3, intervals: [3, 6], backoff: 'exponential', captureEndedEarly: false } }],
    },
    {
      name: 'Linux 6.x linear timeouts: 1, 1, 1, 1, 1, 2, 4 s',
      packets: syns([0, 1, 2, 3, 4, 5, 7, 11], 60),
      findings: [{ details: { synCount: 8, backoff: 'linear-then-exponential' } }],
    },
    {
      name: 'capture ends before the client would give up',
      packets: syns([0, 1, 3]),
      findings: [{ severity: 'warning', details: { captureEndedEarly: true, backoff: 'exponential', nextRetryExpectedAfter: 4 } }],
    },
  ],
});

it('the summary says when the capture ended before the client gave up', async () => {
  const { analyzeRecords } = await import('../helpers/scenario.js');
  const report = await analyzeRecords(syns([0, 1, 3]).records);
  expect(report.findings[0]!.summary).toMatch(/capture ended .* before the client would have given up/);
});
