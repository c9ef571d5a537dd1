/**
 * Live input: when a flow that waits on something can be decided, so that its failure is printed
 * about when the application saw it rather than when a file's timers would get to it, and a
 * "pending" notice for a connection attempt still retrying.
 *
 * - A refusal (SYN answered by RST) is decided LIVE_REFUSED_LINGER after its last packet.
 * - A flow whose last packet is an ICMP error that ends the attempt (any UDP error; for a SYN,
 *   the codes that abort connect(), see icmpUnreachableEffect) after LIVE_ICMP_LINGER.
 * - Unanswered SYNs when the client's stack gives up by its retry profile (syn-retry.ts), or,
 *   when its next retry is due and does not come, a little after that (then it gave up early).
 *
 * Everything else waits for its timer list (flow/expiry.ts), as in a file.
 */
import type { Flow, LiveDeadlines } from '../flow/table.js';
import type { TcpConversation } from '../flow/tcp.js';
import { isDestinationUnreachable } from '../flow/udp.js';
import {
  LIVE_GIVE_UP_MARGIN,
  LIVE_GIVE_UP_SLACK,
  LIVE_ICMP_LINGER,
  LIVE_REFUSED_LINGER,
  LIVE_RETRY_MARGIN,
  LIVE_RETRY_SLACK,
} from '../flow/timeouts.js';
import type { Endpoint, PendingConversation } from '../model/finding.js';

export type { PendingConversation } from '../model/finding.js';
import { humanDuration, plural } from '../model/words.js';
import { icmpUnreachableEffect, icmpUnreachableName } from './codes.js';
import { fitProfile, judgeSynSeries, profilesForSyn, timerGaps, type RetryProfile } from './syn-retry.js';

/** Seconds after the first SYN at which `profile`'s stack gives up with default settings. */
export function giveUpAfter(profile: RetryProfile): number {
  let total = 0;
  for (let i = 0; i < profile.defaultSyns; i++) total += profile.firstTimeout * profile.wait(i);
  return Math.min(total, profile.deadline);
}

/** Deadlines for live input (FlowTableOptions.live), announcing attempts that keep retrying. */
export class LiveJudge implements LiveDeadlines {
  private readonly announced = new WeakSet<Flow>();

  constructor(private readonly onPending?: (p: PendingConversation) => void) {}

  deadline(flow: Flow): number {
    const last = flow.icmp.length > 0 ? flow.icmp[flow.icmp.length - 1]! : null;
    const icmpIsLast = last !== null && last.time >= flow.lastTime;
    if (flow.kind === 'udp') return icmpIsLast ? last!.time + LIVE_ICMP_LINGER : Infinity;
    const c = flow;
    if (c.synAckSeen || c.established || c.midstream) return Infinity;
    if (c.closed) return c.rejected ? c.lastTime + LIVE_REFUSED_LINGER : Infinity;
    const cl = c.client;
    if (cl.synCount === 0) return Infinity;
    const aborts = icmpIsLast && last!.quotedFromClient && icmpUnreachableEffect(last!.ipVersion === 6 ? 6 : 4, last!.code, 'tcp').abortsConnectImmediately && isDestinationUnreachable(last!.ipVersion, last!.type);
    if (aborts) return last!.time + LIVE_ICMP_LINGER;
    const times = cl.synTimes;
    const lastSyn = times[times.length - 1]!;
    const j = judgeSynSeries(times, cl.synCount, cl.synTtl, cl.synOptions, []);
    const at = j.nextStep === 'give-up' ? lastSyn + j.nextGap * (1 + LIVE_GIVE_UP_SLACK) + LIVE_GIVE_UP_MARGIN : lastSyn + j.nextGap * LIVE_RETRY_SLACK + LIVE_RETRY_MARGIN;
    if (this.onPending !== undefined && (cl.synCount >= 2 || last !== null) && !this.announced.has(c)) {
      this.announced.add(c);
      this.onPending({ protocol: 'tcp', stream: c.stream, client: endpoint(c.client), server: endpoint(c.server), summary: pendingSummary(c) });
    }
    return at;
  }
}

function endpoint(e: { address: string; port: number }): Endpoint {
  return { address: e.address, port: e.port };
}

/** "2 SYNs over 1.0 s unanswered; Linux gives up 127 to 131 s after the first SYN (in 126 to 130 s) with default settings". */
function pendingSummary(c: TcpConversation): string {
  const cl = c.client;
  const times = cl.synTimes;
  const first = times[0]!;
  const icmp = c.icmp.length > 0 ? c.icmp[c.icmp.length - 1]! : null;
  const what =
    icmp !== null
      ? `SYN answered by ICMP${icmp.ipVersion === 6 ? 'v6' : ''} ${icmpUnreachableName(icmp.ipVersion === 6 ? 6 : 4, icmp.code)} from ${icmp.reporter}; the client keeps retrying`
      : `${plural(cl.synCount, 'SYN')} over ${humanDuration(times[times.length - 1]! - first)} unanswered`;
  // Which stacks explain the series so far (or, with one SYN, its TTL and options): their
  // default give-up points, when they are one family's.
  const gaps = timerGaps(times, []);
  const fitting = profilesForSyn(cl.synTtl, cl.synOptions).filter((p) => fitProfile(p, gaps) !== null);
  if (fitting.length === 0 || new Set(fitting.map((p) => p.os)).size > 1) return `${what}; connect() is still waiting.`;
  const ends = fitting.map(giveUpAfter);
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const range = (x: number, y: number) => (Math.round(x) === Math.round(y) ? `${Math.round(x)} s` : `${Math.round(x)} to ${Math.round(y)} s`);
  const since = c.lastTime - first;
  const left = hi - since > 0 ? ` (in ${range(Math.max(0, lo - since), hi - since)})` : '';
  return `${what}; ${fitting[0]!.os} gives up ${range(lo, hi)} after the first SYN${left} with default settings.`;
}
