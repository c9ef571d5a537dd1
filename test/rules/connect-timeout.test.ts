import { describe, expect, it } from 'vitest';
import { classifyBackoff, connectTimeout } from '../../src/rules/connect-timeout.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, mergeScenarios, Scenario } from '../helpers/scenario.js';
import { SYN_OPTIONS } from '../helpers/syn-options.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:8080';

/** The client stacks a first SYN can look like: TTL and option order. */
const STACKS = {
  unknown: { ttl: 64, options: undefined },
  windows: { ttl: 128, options: SYN_OPTIONS.windows },
  linux: { ttl: 64, options: SYN_OPTIONS.linux },
  apple: { ttl: 64, options: SYN_OPTIONS.apple },
};

/** SYNs at the given offsets, then an unrelated packet much later so the capture outlives the give-up. */
function syns(times: number[], captureUntil?: number, stack: keyof typeof STACKS = 'unknown'): Scenario {
  const { ttl, options } = STACKS[stack];
  const s = new Scenario(C, S, { clientTtl: ttl });
  for (const t of times) s.tcp('c', t, ['SYN'], 1000, 0, options ? { options } : {});
  if (captureUntil !== undefined) s.records.push(...new Scenario('10.0.0.7:5000', '10.0.0.8:5353').udp('c', captureUntil).records);
  return s;
}

/** The same, with each SYN answered by a RST,ACK whose ACK is `ack` (not ISN + 1 = 1001). */
function synsResetWith(ack: number, times: number[], captureUntil: number): Scenario {
  const s = new Scenario(C, S, { clientTtl: 64 });
  for (const t of times) s.tcp('c', t, ['SYN'], 1000, 0, { options: SYN_OPTIONS.linux }).tcp('s', t + 0.0003, ['RST', 'ACK'], 0, ack);
  s.records.push(...new Scenario('10.0.0.7:5000', '10.0.0.8:5353').udp('c', captureUntil).records);
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
      packets: syns([0, 1, 3, 7, 15, 31, 63], 200, 'linux'),
      findings: [{ rule: 'connect-timeout', severity: 'error', frames: [1, 2, 3, 4, 5, 6, 7], details: { synCount: 7, intervals: [1, 2, 4, 8, 16, 32], backoff: 'exponential', retryProfile: 'linux', captureEndedEarly: false, stackLimitReached: true } }],
    },
    {
      name: 'Windows: SYN at 0, 3, 9 s, the capture goes on past 21 s: timed out',
      packets: syns([0, 3, 9], 40, 'windows'),
      findings: [{ severity: 'error', details: { synCount: 3, intervals: [3, 6], backoff: 'exponential', retryProfile: 'windows', synTtl: 128, captureEndedEarly: false, stackLimitReached: true, gaveUpAfter: 21 } }],
    },
    {
      name: 'Windows: SYN at 0, 3, 9 s and the capture ends at 10 s: it would give up at 21 s',
      packets: syns([0, 3, 9], 10, 'windows'),
      findings: [{ severity: 'warning', details: { captureEndedEarly: true, nextRetryExpectedAfter: 12, nextStep: 'give-up' } }],
    },
    {
      name: 'Windows: two SYNs 3 s apart, the capture ends 4 s later: still retrying (next at +6 s)',
      packets: syns([0, 3], 7, 'windows'),
      findings: [{ severity: 'warning', details: { synCount: 2, retryProfile: 'windows', captureEndedEarly: true, nextRetryExpectedAfter: 6, nextStep: 'retry' } }],
    },
    {
      name: 'Windows: two SYNs 3 s apart and no third in the minute that follows: it stopped before its limit',
      packets: syns([0, 3], 63, 'windows'),
      findings: [{ severity: 'error', details: { synCount: 2, captureEndedEarly: false, stackLimitReached: false } }],
    },
    {
      name: 'Linux 6.x linear timeouts: 1, 1, 1, 1, 1, 2, 4 s',
      packets: syns([0, 1, 2, 3, 4, 5, 7, 11], 60, 'linux'),
      findings: [{ severity: 'error', details: { synCount: 8, backoff: 'linear-then-exponential', retryProfile: 'linux-linear', stackLimitReached: false } }],
    },
    {
      name: 'macOS: 11 SYNs up to 67 s, the capture ends at 72 s: before the 75 s give-up',
      packets: syns([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], 72, 'apple'),
      findings: [{ severity: 'warning', details: { retryProfile: 'bsd', nextRetryExpectedAfter: 8, nextStep: 'give-up' } }],
    },
    {
      name: 'macOS: the same with the capture going on to 90 s: timed out',
      packets: syns([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], 90, 'apple'),
      findings: [{ severity: 'error', details: { retryProfile: 'bsd', stackLimitReached: true, gaveUpAfter: 75 } }],
    },
    {
      name: 'capture ends before the client would give up',
      packets: syns([0, 1, 3]),
      findings: [{ severity: 'warning', details: { captureEndedEarly: true, backoff: 'exponential', nextRetryExpectedAfter: 4 } }],
    },
    {
      name: 'one SYN, never retried although its retry was due long before the capture ended: info, no code',
      packets: syns([0], 30, 'windows'),
      findings: [{ severity: 'info', codes: [], details: { synCount: 1, captureEndedEarly: false } }],
    },
    {
      name: 'one SYN at the very end of the capture: info',
      packets: syns([0]),
      findings: [{ severity: 'info', codes: [], details: { synCount: 1, captureEndedEarly: true } }],
    },
    {
      name: 'SYNs answered by RSTs whose ACK does not acknowledge them: ignored by the client, which times out',
      packets: synsResetWith(1001 + 65536, [0, 0.01, 1.01, 2.01], 20),
      findings: [{ severity: 'error', frames: [1, 2, 3, 4, 5, 6, 7, 8], details: { synCount: 4, ignoredResets: 4, ignoredResetAck: 66537, expectedAck: 1001, retryProfile: 'linux-linear' } }],
    },
  ],
});

describe('connect-timeout words', () => {
  it('says when the capture ended before the client would retry again', async () => {
    const report = await analyzeRecords(syns([0, 3], 7, 'windows').records);
    expect(report.findings[0]!.summary).toMatch(/still retrying when the capture ended 4\.0 s after the last SYN \(next retry due at \+6\.0 s\)/);
  });

  it('names the ignored resets and the rule they break', async () => {
    const report = await analyzeRecords(synsResetWith(1000, [0, 1, 2], 20).records);
    expect(report.findings.map((f) => f.rule)).toEqual(['connect-timeout']);
    expect(report.findings[0]!.summary).toMatch(/answered only by 3 RSTs that do not acknowledge the SYN, which the client must ignore \(RFC 9293/);
  });
});

describe('one-way captures (the capture holds no packet to the client)', () => {
  const C1 = '10.0.0.1:40000';
  const S1 = '10.0.0.2:8080';

  it('a single SYN says the answer may be uncaptured', async () => {
    const s = new Scenario(C1, S1).tcp('c', 0, ['SYN'], 100, 0, { ipId: 1 }).udp('c', 200, 8);
    const report = await analyzeRecords(s.records);
    const f = report.findings.find((x) => x.rule === 'connect-timeout');
    expect(f?.severity).toBe('info');
    expect(f?.details).toMatchObject({ synCount: 1, oneWayCapture: true });
    expect(f?.summary).toMatch(/the capture holds no packet to 10\.0\.0\.1 from anyone \(a one-way capture\)/);
    const w = report.capture.warnings.find((x) => x.code === 'one_way_capture');
    expect(w?.message).toMatch(/^one-way capture: every IP packet was sent by 10\.0\.0\.1, and no packet from the host it sent to was seen/);
  });

  it('two copies of one SYN are one SYN, not a retry after 2 ms', async () => {
    // A one-way Windows XP capture: the SYN recorded twice, 2 ms apart, same IP ID.
    const s = new Scenario('192.168.0.193:1596', '192.168.0.182:21', { clientTtl: 128 }).tcp('c', 0, ['SYN'], 7000, 0, { ipId: 0x6deb }).copy(0.002).udp('c', 200, 8);
    const report = await analyzeRecords(s.records);
    const f = report.findings.find((x) => x.rule === 'connect-timeout');
    expect(f).toMatchObject({ severity: 'info', frames: [1], details: { synCount: 1, oneWayCapture: true } });
    expect(report.capture.anomalies.duplicate_frame).toBe(1);
  });

  it('SYN retries with backoff prove the timeout even one-way', async () => {
    const s = new Scenario(C1, S1);
    [0, 1, 3, 7, 15, 31, 63].forEach((t, i) => s.tcp('c', t, ['SYN'], 100, 0, { ipId: i + 1, options: SYN_OPTIONS.linux }));
    s.udp('c', 200, 8);
    const report = await analyzeRecords(s.records);
    const f = report.findings.find((x) => x.rule === 'connect-timeout');
    expect(f?.severity).toBe('error');
    expect(f?.details).toMatchObject({ synCount: 7, oneWayCapture: true });
  });

  it('where the capture sees answers reaching the client, a single SYN is not put down to it', async () => {
    const syn = new Scenario(C1, S1).tcp('c', 0, ['SYN'], 100, 0, { ipId: 1 });
    const dns = new Scenario('10.0.0.1:5000', '10.0.0.53:53').udp('c', 0.5, 8).udp('s', 0.51, 8);
    const report = await analyzeRecords(mergeScenarios(syn, dns, new Scenario(C1, S1).udp('c', 200, 8)));
    const f = report.findings.find((x) => x.rule === 'connect-timeout');
    expect(f?.details.oneWayCapture).toBeUndefined();
    expect(f?.summary).not.toMatch(/one-way/);
    expect(report.capture.warnings.map((w) => w.code)).not.toContain('one_way_capture');
  });
});
