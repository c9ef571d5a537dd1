/**
 * Live input: when each waiting flow is decided (rules/live.ts through the flow table's
 * deadlines), driven by hand: packets are fed through a stream and capture time is advanced the
 * way the live clock does, so each test can say "not yet" just before a deadline and "now" just
 * after it. A capture that is not live (isLive false) is decided as a file is.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import type { Finding, PendingConversation } from '../../src/index.js';
import { PcapWriter } from '../../dev/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { SYN_OPTIONS } from '../helpers/syn-options.js';
import { LIVE_GIVE_UP_MARGIN, LIVE_GIVE_UP_SLACK, LIVE_ICMP_LINGER, LIVE_REFUSED_LINGER, LIVE_RETRY_MARGIN, LIVE_RETRY_SLACK } from '../../src/flow/timeouts.js';

const T0 = 1_700_000_000;

/** An analysis fed by hand: `feed` writes records, `at` advances capture time as the live clock does. */
function liveAnalysis(live: boolean) {
  const input = new PassThrough();
  const writer = new PcapWriter();
  input.write(writer.header());
  const findings: Finding[] = [];
  const pending: PendingConversation[] = [];
  let advance: ((t: number) => void) | null = null;
  let chunks = 0;
  const done = analyzeCapture(input, {
    live: { isLive: () => live, onPending: (p) => pending.push(p) },
    onClock: (adv) => {
      advance = adv;
      chunks++;
    },
    onFinding: (f) => findings.push(f),
  });
  return {
    findings,
    pending,
    done,
    /** Write records and wait until the analysis has read them. */
    async feed(s: Scenario): Promise<void> {
      const before = chunks;
      for (const r of s.records.splice(0)) input.write(writer.encodeRecord(r));
      while (chunks === before) await new Promise((r) => setTimeout(r, 5));
    },
    /** Advance capture time (before the first packet is read there is no clock yet: nothing to decide). */
    at(t: number): void {
      advance?.(T0 + t);
    },
    end(): Promise<unknown> {
      input.end();
      return done;
    },
  };
}

describe('live deadlines', () => {
  it('a refusal is decided LIVE_REFUSED_LINGER after its last packet, not TCP_REFUSED_LINGER', async () => {
    const a = liveAnalysis(true);
    await a.feed(new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101));
    a.at(0.001 + LIVE_REFUSED_LINGER - 0.05);
    expect(a.findings).toHaveLength(0);
    a.at(0.001 + LIVE_REFUSED_LINGER + 0.05);
    expect(a.findings.map((f) => f.rule)).toEqual(['connection-refused']);
    await a.end();
  });

  it('a Windows client retrying the refused SYN within the linger stays one refusal', async () => {
    const a = liveAnalysis(true);
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80', { clientTtl: 128 });
    await a.feed(s.tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101));
    a.at(0.5);
    await a.feed(s.tcp('c', 0.5, ['SYN'], 100).tcp('s', 0.501, ['RST', 'ACK'], 0, 101));
    a.at(0.501 + LIVE_REFUSED_LINGER + 0.05);
    expect(a.findings).toHaveLength(1);
    expect(a.findings[0]!.details.attempts).toBe(2);
    await a.end();
  });

  it('a UDP port unreachable is decided LIVE_ICMP_LINGER after the ICMP error', async () => {
    const a = liveAnalysis(true);
    await a.feed(new Scenario('10.0.0.1:5000', '10.0.0.2:9').udp('c', 0).icmpError(0.001, '10.0.0.2', 3, 3, 'c', 'udp'));
    a.at(0.001 + LIVE_ICMP_LINGER - 0.05);
    expect(a.findings).toHaveLength(0);
    a.at(0.001 + LIVE_ICMP_LINGER + 0.05);
    expect(a.findings.map((f) => f.rule)).toEqual(['udp-port-unreachable']);
    await a.end();
  });

  it('unanswered Linux SYNs: a pending line at the first retry, an error once the stack has given up', async () => {
    const a = liveAnalysis(true);
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80', { clientTtl: 64 });
    // Linux with tcp_syn_retries 6 and no linear timeouts: SYNs at 0, 1, 3, 7, 15, 31, 63 s, ETIMEDOUT at 127 s.
    const times = [0, 1, 3, 7, 15, 31, 63];
    for (const [i, t] of times.entries()) {
      a.at(t);
      await a.feed(s.tcp('c', t, ['SYN'], 100, 0, { options: SYN_OPTIONS.linux }));
      if (i === 0) expect(a.pending).toHaveLength(0);
      if (i === 1) expect(a.pending.map((p) => p.summary)).toEqual([expect.stringMatching(/^2 SYNs over 1\.0 s unanswered; Linux gives up 127 to 131 s after the first SYN \(in 126 to 130 s\) with default settings\.$/)]);
      // Between retries, nothing is decided: the next SYN is still due.
      if (i > 0) {
        const gap = times[i]! - times[i - 1]!;
        expect(times[i - 1]! + gap * LIVE_RETRY_SLACK + LIVE_RETRY_MARGIN).toBeGreaterThan(t);
      }
      expect(a.findings).toHaveLength(0);
    }
    expect(a.pending).toHaveLength(1);
    const giveUp = 63 + 64;
    a.at(63 + 64 * (1 + LIVE_GIVE_UP_SLACK) + LIVE_GIVE_UP_MARGIN - 0.1);
    expect(a.findings).toHaveLength(0);
    a.at(63 + 64 * (1 + LIVE_GIVE_UP_SLACK) + LIVE_GIVE_UP_MARGIN + 0.1);
    expect(a.findings.map((f) => [f.rule, f.severity])).toEqual([['connect-timeout', 'error']]);
    expect(a.findings[0]!.details.gaveUpAfter).toBe(giveUp);
    await a.end();
  });

  it('a series that stops before its stack would give up is decided a little after the missed retry', async () => {
    const a = liveAnalysis(true);
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80', { clientTtl: 64 });
    for (const t of [0, 1, 3]) {
      a.at(t);
      await a.feed(s.tcp('c', t, ['SYN'], 100, 0, { options: SYN_OPTIONS.linux }));
    }
    a.at(3 + 4 * LIVE_RETRY_SLACK + LIVE_RETRY_MARGIN - 0.1);
    expect(a.findings).toHaveLength(0);
    a.at(3 + 4 * LIVE_RETRY_SLACK + LIVE_RETRY_MARGIN + 0.1);
    expect(a.findings).toHaveLength(1);
    expect(a.findings[0]!.summary).toMatch(/gave up early/);
    await a.end();
  });

  it('input that is not live is decided as a file is: nothing before the end', async () => {
    const a = liveAnalysis(false);
    await a.feed(new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101));
    a.at(5);
    expect(a.findings).toHaveLength(0);
    await a.end();
    expect(a.findings.map((f) => f.rule)).toEqual(['connection-refused']);
    expect(a.pending).toHaveLength(0);
  });
});
