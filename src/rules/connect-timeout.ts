import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { endedBefore, judgeSynSeries, near, timerGaps } from './syn-retry.js';
import { MAX_TRACKED_EVENTS, RstAnswer } from '../flow/tcp.js';
import { seqAdd } from '../flow/seq.js';
import { TCP_ACK } from '../decode/packet.js';

/**
 * RSTs from the server that answered SYNs without acknowledging them, which the client must
 * ignore (RFC 9293 §3.10.7.3): all counted, the first kept (bounded).
 */
interface IgnoredResets {
  count: number;
  resets: Array<{
    rstFrame: number;
    rstTime: number;
    /** The RST's acknowledgment number, -1 when its ACK bit was off; and what the SYN expected (ISN + 1). */
    ack: number;
    expected: number;
  }>;
}

/** How SYN retransmission intervals grow. */
export type Backoff = 'exponential' | 'linear-then-exponential' | 'constant' | 'irregular' | 'single';

/**
 * Classify SYN retry intervals (seconds). Classic Linux doubles from 1 s (1, 2, 4, 8…); older
 * Windows doubles from 3 s (3, 6); Linux 6.x with net.ipv4.tcp_syn_linear_timeouts retries at
 * 1 s a few times, then doubles (1, 1, 1, 1, 1, 2, 4).
 */
export function classifyBackoff(intervals: number[]): Backoff {
  if (intervals.length === 0) return 'single';
  if (intervals.length === 1) return 'irregular';
  const doubles = (i: number): boolean => near(intervals[i]!, 2 * intervals[i - 1]!);
  const equal = (i: number): boolean => near(intervals[i]!, intervals[i - 1]!);
  if (intervals.every((_, i) => i === 0 || doubles(i))) return 'exponential';
  if (intervals.every((_, i) => i === 0 || equal(i))) return 'constant';
  // A run of equal intervals, then doubling to the end.
  let k = 1;
  while (k < intervals.length && equal(k)) k++;
  if (k >= 2 && k < intervals.length && intervals.slice(k).every((_, j) => doubles(k + j))) return 'linear-then-exponential';
  return 'irregular';
}

/** `connect-timeout`: SYNs never answered (no SYN-ACK, no RST, no ICMP error). */
export const connectTimeout: Rule = {
  meta: {
    id: 'connect-timeout',
    description: 'SYNs never answered: the client retries with backoff and gives up with a timeout.',
    severity: 'error',
    onTheWire: 'The client sends SYN, then retransmits it with growing gaps (Windows 3, 6 s, giving up at 21 s; Linux 1, 2, 4… s or, on 6.x, 1 s five times then doubling, giving up at 127-131 s; macOS and iOS 1 s five times then doubling, giving up at 75 s); no SYN-ACK, no acceptable RST and no ICMP error comes back. A RST whose ACK does not acknowledge the SYN does not count: the client ignores it and keeps retrying. It is an error only once the client\'s stack has given up (or the capture went on past that point); a capture that ends while the client still retries gives a warning, and a single SYN never retried is info.',
    codes: codesFor('connect-timeout'),
    causes: [
      'A firewall on the path or on the server drops the SYN silently (DROP rule, security group, ACL).',
      'The server is down, or the address is not in use (no host answers ARP/NDP on the last hop).',
      'A routing problem: the SYN or the SYN-ACK is lost on the way (asymmetric routing, missing return route).',
      'The listen queue is full and the server drops SYNs (SYN flood, overloaded service).',
    ],
    checks: [
      'Capture on the server side: if the SYN arrives there, the problem is the server or the return path; if not, it is the path.',
      'Check firewall rules (host firewall, cloud security groups, network ACLs) for the port.',
      'Check that the target address is right and the host is up (ping may be blocked: try from a host on the same subnet).',
      'Check routes in both directions (traceroute / tracert to the target, and from it back).',
    ],
    differsFrom: 'A timeout is silence (or RSTs the client must ignore): SYNs retried with growing gaps. A refusal (10061/ECONNREFUSED) comes back at once as RST. An ICMP unreachable (10065/EHOSTUNREACH) comes back from a router or firewall. 11001/EAI_NONAME means the name never resolved, so no SYN was sent at all.',
    gist: 'SYNs never answered',
    signatures: [
      { signature: 'connect-timeout', meaning: 'SYN retransmitted without an answer until connect() gives up' },
    ],
    failureKind: 'timeout',
  },
  create(ctx) {
    return {
      onRst(c, p, _fromClient, answer) {
        if (answer !== RstAnswer.Ignored) return;
        const s = ctx.stateOf<IgnoredResets>(c) ?? ctx.setState<IgnoredResets>(c, { count: 0, resets: [] });
        if (s.count++ < MAX_TRACKED_EVENTS) s.resets.push({ rstFrame: p.frame, rstTime: p.time, ack: (p.tcpFlags & TCP_ACK) !== 0 ? p.tcpAck : -1, expected: seqAdd(c.client.isn, 1) });
      },
      onTcpConversationEnd(c) {
        const cl = c.client;
        if (cl.synCount === 0 || c.synAckSeen || c.icmp.length > 0) return;
        const ignoredResets = ctx.stateOf<IgnoredResets>(c)?.resets ?? [];
        const ignored = ctx.stateOf<IgnoredResets>(c)?.count ?? 0;
        // Anything from the server but RSTs the client had to ignore is an answer.
        if (c.server.packets > ignored) return;
        // SYNs and then data/ACKs from the client mean the capture missed the other direction.
        if (cl.packets > cl.synCount + cl.rstCount) return;
        const times = cl.synTimes;
        // A client that resets its own SYN within a second gave up before any retry was due
        // (a scanner, or a cancelled attempt): not a timeout.
        if (cl.rstCount > 0 && cl.rstTimes[0]! - times[0]! < 0.9 && cl.synCount === 1) return;
        const rejected = ignoredResets.map((r) => r.rstTime);
        const judgement = judgeSynSeries(times, cl.synCount, cl.synTtl, cl.synOptions, rejected);
        const { profile, nextGap, nextStep } = judgement;
        const intervals = times.slice(1).map((t, i) => round3(t - times[i]!));
        // The backoff of the retransmission timer: a SYN sent at once because of a rejected answer is left out.
        const timerIntervals = timerGaps(times, rejected).filter((g): g is number => g !== null).map(round3);
        const backoff = classifyBackoff(timerIntervals);
        const first = times[0]!;
        const lastSyn = times[times.length - 1]!;
        const sinceLast = Math.max(0, ctx.now() - lastSyn);
        const clientReset = cl.rstCount > 0;
        const stillRetrying = !clientReset && ctx.atEndOfCapture() && endedBefore(sinceLast, nextGap);
        const elapsed = lastSyn - first;
        const ends = `${hostPort(c.client)} → ${hostPort(c.server)}`;
        // A capture that holds no packet to the client from anyone cannot show an answer: one SYN
        // proves nothing there, retries still do (the client's own stack got no SYN-ACK).
        const oneWay = ctx.returnPath(c) === 'not-captured';
        // RFC 9293 §3.10.7.3: in SYN-SENT a RST whose ACK does not acknowledge the SYN is dropped.
        const ignoredText =
          ignored === 1
            ? 'answered only by a RST that does not acknowledge the SYN, which the client must ignore (RFC 9293 §3.10.7.3)'
            : `answered only by ${ignored} RSTs that do not acknowledge the SYN, which the client must ignore (RFC 9293 §3.10.7.3)`;
        const ignoredDetails = ignored > 0 ? { ignoredResets: ignored, ignoredResetFrames: ignoredResets.map((r) => r.rstFrame), ignoredResetAck: ignoredResets[0]!.ack, expectedAck: ignoredResets[0]!.expected } : {};
        const common = {
          synCount: cl.synCount,
          intervals,
          backoff,
          retryProfile: profile ? profile.name : 'unknown',
          ...(cl.synTtl >= 0 ? { synTtl: cl.synTtl } : {}),
          captureEndedEarly: stillRetrying,
          secondsAfterLastSyn: round3(sinceLast),
          ...ignoredDetails,
          ...(oneWay ? { oneWayCapture: true } : {}),
        };
        const frames = [...cl.synFrames, ...cl.rstFrames, ...ignoredResets.map((r) => r.rstFrame)];
        const span = { start: splitTime(first), end: splitTime(lastSyn) };

        if (cl.synCount === 1) {
          // One SYN proves no wait: its answer may have gone another way, or the attempt was cancelled.
          const firstRetry = profile ? profile.firstTimeout : nextGap;
          const when = stillRetrying
            ? `the capture ended ${humanDuration(sinceLast)} later, before its first retry was due`
            : clientReset
              ? 'the client then abandoned it with RST'
              : `its first retry was due ${humanDuration(firstRetry)} later${profile ? ` (${profile.os})` : ''} and none came in the ${humanDuration(sinceLast)} that followed: answered out of view, or cancelled, not a timeout`;
          ctx.report({
            severity: 'info',
            codes: [],
            frames,
            summary: `${ends}: one SYN, ${ignored > 0 ? `${ignoredText}, and` : 'never answered and'} never retried; ${when}${oneWay ? `; the capture holds no packet to ${c.client.address} from anyone (a one-way capture), so an answer may have been sent but not captured` : ''}.`,
            details: { ...common, socketError: 'none seen: a single SYN is a probe, a cancelled attempt, or one answered where the capture could not see' },
            ...span,
          });
          return;
        }

        const spacing = timerIntervals.length > 1 ? `${backoff} backoff: ${intervals.map((x) => `${x}`).join(', ')} s` : `${intervals.length === 1 ? 'one retry' : 'retries'} after ${intervals.map((x) => humanDuration(x)).join(', ')}`;
        let summary = ignored > 0 ? `${ends}: ${cl.synCount} SYNs over ${humanDuration(elapsed)} (${spacing}), ${ignoredText}` : `${ends}: ${cl.synCount} SYNs over ${humanDuration(elapsed)} never answered (${spacing})`;
        let socketError: string;
        let consistentWith: string | null = null;
        if (stillRetrying) {
          summary +=
            profile === null
              ? `; still retrying when the capture ended ${humanDuration(sinceLast)} after the last SYN (its next retry or its give-up due at +${humanDuration(nextGap)}).`
              : nextStep === 'retry'
                ? `; still retrying when the capture ended ${humanDuration(sinceLast)} after the last SYN (next retry due at +${humanDuration(nextGap)}).`
                : `; the capture ended ${humanDuration(sinceLast)} after the last SYN, before ${profile.os} would give up (at +${humanDuration(nextGap)}).`;
          socketError = 'none yet: connect() was still waiting when the capture ended';
        } else if (clientReset) {
          summary += '; the client then abandoned the attempt with RST.';
          socketError = 'the application gave up on connect() (its own timeout, or a cancel)';
        } else if (profile === null) {
          summary += `; no further SYN in the ${humanDuration(sinceLast)} that followed: the connection attempt timed out.`;
          socketError = 'connect() times out';
        } else if (judgement.reachedLimit) {
          summary += `; ${profile.os} gives up ${humanDuration(nextGap)} after such a last SYN, and no answer came in the ${humanDuration(sinceLast)} that followed: the connection attempt timed out.`;
          socketError = 'connect() times out';
        } else {
          const value = profile.settingFor(cl.synCount, elapsed, elapsed + nextGap);
          const setting = value === null ? `a lowered ${profile.setting}` : `${profile.setting} = ${value}`;
          summary += `; no SYN followed in the ${humanDuration(sinceLast)} after the last one although ${profile.os} would have retried at +${humanDuration(nextGap)}: it gave up early, consistent with ${setting} (default ${profile.defaultLimit}) or with the application's own connect timeout.`;
          socketError = "connect() times out (the stack's lowered limit, or the application's own timeout)";
          consistentWith = value === null ? null : `${profile.setting} ${value}`;
        }
        ctx.report({
          // Until the client gives up, the application has not seen an error yet.
          severity: stillRetrying ? 'warning' : 'error',
          frames,
          summary,
          details: {
            ...common,
            ...(stillRetrying ? { nextRetryExpectedAfter: round3(nextGap), ...(profile !== null ? { nextStep } : {}) } : { gaveUpAfter: round3(elapsed + Math.min(nextGap, sinceLast)) }),
            ...(!stillRetrying && !clientReset && profile !== null ? { stackLimitReached: judgement.reachedLimit, defaultLimit: `${profile.setting} ${profile.defaultLimit}` } : {}),
            ...(consistentWith !== null ? { consistentWith } : {}),
            ...(clientReset ? { clientReset: true } : {}),
            socketError,
          },
          ...span,
        });
      },
    };
  },
};
