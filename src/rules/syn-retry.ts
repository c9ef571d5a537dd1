/**
 * SYN retry profiles: when each stack retransmits an unanswered SYN and when it gives up, so a
 * series of SYNs can be judged "timed out" only where the client's stack really had given up,
 * and "still retrying" where the capture ended first. The stack is guessed from the first SYN's
 * TTL and option order and from the spacing of the retries themselves.
 */

/** A stack family with its own SYN retry schedule. */
export type RetryProfileName = 'windows' | 'linux' | 'linux-linear' | 'bsd';

/** One stack's SYN retransmission schedule with its default settings. */
export interface RetryProfile {
  name: RetryProfileName;
  /** How the summary names the stack. */
  os: string;
  /**
   * The wait after the (i+1)-th SYN, before the next retransmission or before giving up, in
   * units of the first retransmission timeout.
   */
  wait(i: number): number;
  /** SYNs sent (the first and its retransmissions) before giving up, with default settings. */
  defaultSyns: number;
  /** Seconds after the first SYN at which the attempt fails whatever the schedule (Infinity: none). */
  deadline: number;
  /** The first retransmission timeout when the series does not show it (seconds). */
  firstTimeout: number;
  /** The setting that limits the attempt ("tcp_syn_retries"). */
  setting: string;
  /** Its default and what that gives ("6: 11 SYNs, giving up 131 s after the first"). */
  defaultLimit: string;
  /**
   * The value of `setting` with which the stack gives up right where a series stopped: its last
   * SYN `elapsedLast` s after the first and the next expiry `elapsedNext` s after it; null when
   * the setting does not follow from the timing.
   */
  settingFor(synCount: number, elapsedLast: number, elapsedNext: number): number | null;
}

/** Linux caps every retransmission timeout at TCP_RTO_MAX (120 s). */
const LINUX_RTO_MAX = 120;

/**
 * Linux gives up at the first timer expiry at least (2^(tcp_syn_retries+1) - 1) s after the first
 * SYN (retransmits_timed_out(), as if the backoff were purely exponential from 1 s): the
 * tcp_syn_retries whose bound lies between the last SYN and the expiry after it.
 */
function linuxSynRetries(_synCount: number, elapsedLast: number, elapsedNext: number): number | null {
  for (let n = 0; n <= 12; n++) {
    const bound = 2 ** (n + 1) - 1;
    if (bound > elapsedLast && bound <= elapsedNext * 1.1 + 0.05) return n;
  }
  return null;
}

/** Doubling from the first timeout. */
const doubling = (i: number): number => 2 ** Math.min(i, 30);

/** The first timeout and 4 more at the same value, then doubling (tcp_syn_backoff in BSD, tcp_syn_linear_timeouts=4 in Linux). */
const linearThenDoubling = (i: number): number => (i < 5 ? 1 : 2 ** Math.min(i - 4, 30));

/**
 * Windows: TcpInitialRTT 3 s, doubled after each attempt; TcpMaxConnectRetransmissions 2 (SYNs
 * at 0, 3, 9 s), and "after the final attempt, TCP/IP waits for an interval equal to double the
 * last delay, and then it abandons the connection request": WSAETIMEDOUT at 21 s.
 * Ref: Windows Server 2003 TCP/IP registry reference, TcpMaxConnectRetransmissions and TcpInitialRTT.
 */
export const WINDOWS: RetryProfile = {
  name: 'windows',
  os: 'Windows',
  wait: doubling,
  defaultSyns: 3,
  deadline: Infinity,
  firstTimeout: 3,
  setting: 'TcpMaxConnectRetransmissions',
  defaultLimit: '2: 3 SYNs, giving up 21 s after the first',
  // Each retransmission is one attempt; it gives up at the next doubled gap.
  settingFor: (synCount) => synCount - 1,
};

/**
 * Linux before tcp_syn_linear_timeouts, and Android: the first timeout is 1 s (TCP_TIMEOUT_INIT),
 * doubled each time; tcp_syn_retries=6 gives SYNs at 0, 1, 3, 7, 15, 31, 63 s and ETIMEDOUT at
 * the next expiry, 127 s.
 */
export const LINUX: RetryProfile = {
  name: 'linux',
  os: 'Linux',
  wait: (i) => Math.min(doubling(i), LINUX_RTO_MAX),
  defaultSyns: 7,
  deadline: Infinity,
  firstTimeout: 1,
  setting: 'tcp_syn_retries',
  defaultLimit: '6: 7 SYNs, giving up 127 s after the first',
  settingFor: linuxSynRetries,
};

/**
 * Linux 6.x with net.ipv4.tcp_syn_linear_timeouts=4: the first timeout and 4 more at 1 s, then
 * doubling (SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s). The give-up point is still
 * (2^(tcp_syn_retries+1) - 1) s, checked at a timer expiry: 131 s with the default 6
 * (fixtures/kernel/syn-timeout.pcap pins this down with tcp_syn_retries=3).
 */
export const LINUX_LINEAR: RetryProfile = {
  ...LINUX,
  name: 'linux-linear',
  wait: (i) => Math.min(linearThenDoubling(i), LINUX_RTO_MAX),
  defaultSyns: 11,
  defaultLimit: '6: 11 SYNs with tcp_syn_linear_timeouts 4, giving up 131 s after the first',
};

/**
 * macOS, iOS and FreeBSD: tcp_syn_backoff = {1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64…} times a 1 s
 * first timeout, and the connection-establishment timer tcp_keepinit ends the attempt 75 s after
 * the first SYN (ETIMEDOUT). Ref: XNU and FreeBSD bsd/netinet/tcp_timer.c.
 */
export const BSD: RetryProfile = {
  name: 'bsd',
  os: 'macOS/iOS',
  wait: linearThenDoubling,
  defaultSyns: 11,
  deadline: 75,
  firstTimeout: 1,
  setting: 'net.inet.tcp.keepinit',
  defaultLimit: '75 s: 11 SYNs',
  settingFor: () => null,
};

/** Every profile, for a client whose first SYN says nothing. */
const ALL: readonly RetryProfile[] = [WINDOWS, LINUX_LINEAR, LINUX, BSD];

/** TCP option kinds as `synOptionSignature` packs them (kind + 1). */
const OPT_EOL = 1;
const OPT_MSS = 3;
const OPT_WS = 4;
const OPT_SACK_PERMITTED = 5;

/** Unpack a SYN option signature (see `synOptionSignature` in flow/tcp.ts) into its codes, first option first. */
export function signatureCodes(signature: number): number[] {
  const codes: number[] = [];
  for (let s = signature; s > 0; s = Math.floor(s / 16)) codes.unshift(s % 16);
  return codes;
}

/** The TTL a stack starts with, from one seen after some hops: 64, 128 or 255. */
export function initialTtl(ttl: number): number {
  return ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/**
 * The stacks a client's first SYN may come from (p0f's signatures say the same):
 * - initial TTL 128: Windows;
 * - initial TTL 64, window scale last with SACK permitted before it: Linux and Android
 *   (MSS, SACK permitted, timestamps, NOP, window scale);
 * - initial TTL 64, window scale right after MSS: macOS, iOS, FreeBSD
 *   (MSS, NOP, window scale, NOP, NOP, timestamps, SACK permitted, EOL).
 * Anything else: every profile is possible.
 */
export function profilesForSyn(ttl: number, signature: number): readonly RetryProfile[] {
  if (ttl < 0) return ALL;
  const initial = initialTtl(ttl);
  if (initial === 128) return [WINDOWS];
  if (initial !== 64) return ALL;
  const codes = signatureCodes(signature).filter((c) => c !== OPT_EOL);
  if (codes[0] !== OPT_MSS) return ALL;
  const ws = codes.indexOf(OPT_WS);
  const sack = codes.indexOf(OPT_SACK_PERMITTED);
  if (ws === codes.length - 1 && ws > 1 && (sack < 0 || sack < ws)) return [LINUX_LINEAR, LINUX];
  if (ws === 1) return [BSD];
  return ALL;
}

/** An observed gap matches an expected one within timer slack (25 %, at least 50 ms). */
export function near(observed: number, expected: number): boolean {
  return Math.abs(observed - expected) <= Math.max(0.25 * expected, 0.05);
}

/** First retransmission timeouts no stack here uses by default but that settings allow (seconds). */
const MIN_FIRST_TIMEOUT = 0.2;
const MAX_FIRST_TIMEOUT = 3.5;

/**
 * The first timeout with which `profile` explains the timer-driven gaps (null for a gap sent at
 * once after an answer the client rejected), or null when it does not explain them.
 */
export function fitProfile(profile: RetryProfile, gaps: Array<number | null>): number | null {
  const k = gaps.findIndex((g) => g !== null);
  if (k < 0) return profile.firstTimeout;
  const first = gaps[k]! / profile.wait(k);
  if (first < MIN_FIRST_TIMEOUT || first > MAX_FIRST_TIMEOUT) return null;
  return gaps.every((g, i) => g === null || near(g, first * profile.wait(i))) ? first : null;
}

/** A SYN sent this soon after an answer the client rejected was sent because of it, not by its timer. */
export const QUICK_RETRY = 0.2;

/** What a series of unanswered SYNs says about the client's stack and its next step. */
export interface SynSeriesJudgement {
  /** The one stack family that explains the series, or null when none does or several do. */
  profile: RetryProfile | null;
  /** Seconds after the last SYN at which the client retries again or gives up. */
  nextGap: number;
  /** What happens then: another SYN, or the end of the attempt. */
  nextStep: 'retry' | 'give-up';
  /** The series is as long as the profile's default (the stack's own limit was reached). */
  reachedLimit: boolean;
}

/**
 * Judge a series of SYN times (seconds, in order; `synCount` may exceed the times kept). Gaps
 * whose SYN followed an answer the client rejected within `QUICK_RETRY` (Linux retransmits at
 * once after the first unacceptable RST or ACK) are not timer-driven and fit any profile.
 */
export function judgeSynSeries(times: readonly number[], synCount: number, ttl: number, signature: number, rejectedAnswers: readonly number[]): SynSeriesJudgement {
  const gaps = timerGaps(times, rejectedAnswers);
  const elapsed = times[times.length - 1]! - times[0]!;
  let best: SynSeriesJudgement | null = null;
  const families = new Set<string>();
  for (const profile of profilesForSyn(ttl, signature)) {
    const first = fitProfile(profile, gaps);
    if (first === null) continue;
    families.add(profile.os);
    let nextGap = first * profile.wait(synCount - 1);
    let nextStep: 'retry' | 'give-up' = synCount >= profile.defaultSyns ? 'give-up' : 'retry';
    if (elapsed + nextGap >= profile.deadline) {
      nextGap = Math.max(0, profile.deadline - elapsed);
      nextStep = 'give-up';
    }
    // Where several stacks explain the series, "timed out" must hold for each: keep the latest.
    if (best === null || nextGap > best.nextGap) best = { profile, nextGap, nextStep, reachedLimit: nextStep === 'give-up' };
  }
  // Stacks of different families explain it: the timing holds for all, the stack is not known.
  if (best !== null) return families.size > 1 ? { profile: null, nextGap: best.nextGap, nextStep: 'retry', reachedLimit: false } : best;
  // No known schedule: assume the next gap doubles the last (or is at least the longest seen).
  const timed = gaps.filter((g): g is number => g !== null);
  const lastGap = timed.length > 0 ? timed[timed.length - 1]! : WINDOWS.firstTimeout / 2;
  return { profile: null, nextGap: Math.max(2 * lastGap, ...timed), nextStep: 'retry', reachedLimit: false };
}

/**
 * The gaps between SYNs (seconds), null for a SYN sent within QUICK_RETRY after an answer the
 * client rejected: that one was sent because of the answer, not by the retransmission timer.
 */
export function timerGaps(times: readonly number[], rejectedAnswers: readonly number[]): Array<number | null> {
  return times.slice(1).map((t, i) => (rejectedAnswers.some((a) => a >= times[i]! && a <= t && t - a < QUICK_RETRY) ? null : t - times[i]!));
}

/**
 * The capture ended before the client's next step was due, allowing for timer slack (10 %, and
 * 50 ms): the client may still have been retrying.
 */
export function endedBefore(secondsAfterLast: number, nextGap: number): boolean {
  return secondsAfterLast < nextGap * 1.1 + 0.05;
}
