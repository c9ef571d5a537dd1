import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';

/** How SYN retransmission intervals grow. */
export type Backoff = 'exponential' | 'linear-then-exponential' | 'constant' | 'irregular' | 'single';

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(0.25 * b, 0.05);
}

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

/** The gap after which the next retry would come (or the client would give up). */
function nextGap(intervals: number[], backoff: Backoff): number {
  const last = intervals[intervals.length - 1] ?? 1;
  switch (backoff) {
    case 'single':
      return 1; // Linux retries after 1 s (older Windows after 3 s)
    case 'constant':
      return last;
    case 'irregular':
      return Math.max(...intervals);
    default:
      return 2 * last;
  }
}

/** `connect-timeout`: SYNs never answered (no SYN-ACK, no RST, no ICMP error). */
export const connectTimeout: Rule = {
  meta: {
    id: 'connect-timeout',
    description: 'SYNs never answered: the client retries with backoff and gives up with a timeout.',
    severity: 'error',
    onTheWire: 'The client sends SYN, then retransmits it with growing gaps (Linux 1, 2, 4, 8 s or, on 6.x, 1 s a few times then doubling; Windows 1 or 3 s then doubling); no SYN-ACK, RST or ICMP error comes back.',
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
    differsFrom: 'A timeout is silence: SYNs retried with growing gaps. A refusal (10061/ECONNREFUSED) comes back at once as RST. An ICMP unreachable (10065/EHOSTUNREACH) comes back from a router or firewall. 11001/EAI_NONAME means the name never resolved, so no SYN was sent at all.',
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        const cl = c.client;
        if (cl.synCount === 0 || c.synAckSeen || c.server.packets > 0 || c.icmp.length > 0) return;
        // SYNs and then data/ACKs from the client mean the capture missed the other direction.
        if (cl.packets > cl.synCount + cl.rstCount) return;
        const times = cl.synTimes;
        // A client that resets its own SYN within a second gave up before any retry was due
        // (a scanner, or a cancelled attempt): not a timeout.
        if (cl.rstCount > 0 && cl.rstTimes[0]! - times[0]! < 0.9 && cl.synCount === 1) return;
        const intervals = times.slice(1).map((t, i) => round3(t - times[i]!));
        const backoff = classifyBackoff(intervals);
        const lastSyn = times[times.length - 1]!;
        const gap = nextGap(intervals, backoff);
        const sinceLast = ctx.now() - lastSyn;
        const clientReset = cl.rstCount > 0;
        const captureEndedEarly = !clientReset && ctx.atEndOfCapture() && sinceLast < gap * 0.9;
        const elapsed = lastSyn - times[0]!;
        let summary =
          cl.synCount === 1
            ? `${hostPort(c.client)} → ${hostPort(c.server)}: SYN never answered and never retried`
            : `${hostPort(c.client)} → ${hostPort(c.server)}: ${cl.synCount} SYNs over ${humanDuration(elapsed)} never answered (${backoff} backoff: ${intervals.map((x) => `${x}`).join(', ')} s)`;
        if (cl.synCount === 1 && !captureEndedEarly && !clientReset) summary += ' (a probe, or a capture that saw only one direction).';
        else if (captureEndedEarly) summary += `; the capture ended ${humanDuration(Math.max(0, sinceLast))} after the last SYN, before the client would have given up.`;
        else if (clientReset) summary += '; the client then abandoned the attempt with RST.';
        else summary += ': the connection attempt timed out.';
        ctx.report({
          // Until the client gives up, the application has not seen an error yet.
          severity: captureEndedEarly ? 'warning' : 'error',
          frames: [...cl.synFrames, ...cl.rstFrames],
          summary,
          details: {
            synCount: cl.synCount,
            intervals,
            backoff,
            captureEndedEarly,
            secondsAfterLastSyn: round3(Math.max(0, sinceLast)),
            ...(captureEndedEarly ? { nextRetryExpectedAfter: round3(gap) } : { gaveUpAfter: round3(elapsed + gap) }),
            ...(clientReset ? { clientReset: true } : {}),
          },
          start: splitTime(times[0]!),
          end: splitTime(lastSyn),
        });
      },
    };
  },
};
