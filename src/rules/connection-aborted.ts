import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';

import { MAX_TRACKED_EVENTS } from '../flow/tcp.js';

/** At least this many retransmissions of one segment before we call it an abort. */
export const MIN_ABORT_RETRANSMISSIONS = 3;

/** One transmission of a data segment in a retransmission series. */
interface Transmission {
  frame: number;
  time: number;
}

/** A segment sent again and again. */
interface RetransmissionSeries {
  seq: number;
  length: number;
  /** The original transmission when known, then each retransmission, in order (bounded). */
  sends: Transmission[];
  /** Retransmissions counted (may exceed sends.length - 1 when the list is full). */
  retransmissions: number;
}

/**
 * One side's retransmissions: the series under way (null once the peer acknowledged it), and
 * the longest earlier series that was never acknowledged, kept after a newer series started.
 */
interface SenderSeries {
  current: RetransmissionSeries | null;
  worst: RetransmissionSeries | null;
}

/** What connection-aborted keeps about a conversation: the series of each side. */
interface AbortState {
  client: SenderSeries;
  server: SenderSeries;
}

/** The unacknowledged series with the most retransmissions, if any. */
function stuckSeries(side: SenderSeries): RetransmissionSeries | null {
  const cur = side.current;
  const worst = side.worst;
  if (cur && worst) return cur.retransmissions >= worst.retransmissions ? cur : worst;
  return cur ?? worst;
}

function sideOf(state: AbortState, isClient: boolean): SenderSeries {
  return isClient ? state.client : state.server;
}

/** `connection-aborted`: established, data retransmitted with growing gaps, never acknowledged. */
export const connectionAborted: Rule = {
  meta: {
    id: 'connection-aborted',
    description: 'Data on an established connection retransmitted with growing intervals and never acknowledged, until the sender gave up.',
    severity: 'error',
    onTheWire: 'After the handshake, one side sends data and the other stops acknowledging it: the sender retransmits the same segment with exponential backoff (e.g. 0.2, 0.4, 0.8, 1.6 s…) and finally gives up, silently or with a RST.',
    codes: codesFor('connection-aborted'),
    causes: [
      'The peer went away without closing (crash, power loss, cable pulled, VM paused) or lost its state (reboot, failover).',
      'A stateful firewall or NAT on the path dropped the connection state (idle timeout) and now drops its packets.',
      'A path MTU problem: large segments are dropped while small ones pass (look at the segment size).',
    ],
    checks: [
      'Check whether the peer host was up and reachable at that time.',
      'Check firewall/NAT idle timeouts on the path against the connection\'s idle periods; enable TCP keep-alives shorter than them.',
      'If only large segments are retransmitted, test the path MTU (ping -M do -s 1472 / ping -f -l 1472).',
    ],
    differsFrom: 'A reset (10054/ECONNRESET) is the peer actively saying no; an abort (Windows 10053, Linux ETIMEDOUT after tcp_retries2) is the local stack giving up after retransmitting into silence. A connect timeout (10060) happens before the handshake completes.',
    gist: 'data never acknowledged until the sender gave up',
    signatures: [
      { signature: 'connection-aborted', meaning: 'data retransmitted without acknowledgement until the sender gives up' },
    ],
  },
  create(ctx) {
    return {
      onRetransmission(c, p, fromClient, newSeries, originalFrame, originalTime) {
        const state = ctx.stateOf<AbortState>(c) ?? ctx.setState<AbortState>(c, { client: { current: null, worst: null }, server: { current: null, worst: null } });
        const side = sideOf(state, fromClient);
        let s = side.current;
        if (newSeries || s === null) {
          // A new series: the one under way was never acknowledged; keep the longest such.
          if (s !== null && (side.worst === null || s.retransmissions >= side.worst.retransmissions)) side.worst = s;
          s = side.current = { seq: p.tcpSeq, length: p.wirePayloadLength, sends: originalFrame >= 0 ? [{ frame: originalFrame, time: originalTime }] : [], retransmissions: 0 };
        }
        s.retransmissions++;
        if (s.sends.length < MAX_TRACKED_EVENTS) s.sends.push({ frame: p.frame, time: p.time });
        else s.sends[s.sends.length - 1] = { frame: p.frame, time: p.time };
      },
      onRetransmissionAcked(c, _p, senderIsClient) {
        const state = ctx.stateOf<AbortState>(c);
        if (state !== undefined) sideOf(state, senderIsClient).current = null;
      },
      onTcpConversationEnd(c) {
        if (!c.established && !c.midstream) return;
        const state = ctx.stateOf<AbortState>(c);
        if (state === undefined) return;
        for (const [sender, receiver, senderName, series] of [
          [c.client, c.server, 'client', state.client],
          [c.server, c.client, 'server', state.server],
        ] as const) {
          const s = stuckSeries(series);
          if (!s || s.retransmissions < MIN_ABORT_RETRANSMISSIONS) continue;
          const times = s.sends.map((x) => x.time);
          const intervals = times.slice(1).map((t, i) => round3(t - times[i]!));
          // Growing gaps: each at least about as long as the one before, and the last clearly longer than the first.
          const growing = intervals.length >= 2 && intervals.every((x, i) => i === 0 || x >= intervals[i - 1]! * 0.9) && intervals[intervals.length - 1]! > intervals[0]! * 1.5;
          if (!growing) continue;
          const lastSend = times[times.length - 1]!;
          const rstAfter = sender.rstFrame >= 0 && sender.rstTime >= lastSend;
          const receiverSilent = receiver.lastDataTime < times[0]! || receiver.lastDataFrame < 0;
          const sinceLast = ctx.now() - lastSend;
          const lastInterval = intervals[intervals.length - 1]!;
          const captureEndedEarly = !rstAfter && ctx.atEndOfCapture() && sinceLast < 2 * lastInterval * 0.9;
          const endedWith = rstAfter ? 'rst' : captureEndedEarly ? 'capture-end' : 'silence';
          const frames = [...s.sends.map((x) => x.frame), ...(rstAfter ? sender.rstFrames.filter((f) => f > s.sends[0]!.frame) : [])];
          let summary = `${hostPort(c.client)} ↔ ${hostPort(c.server)}: the ${senderName} retransmitted ${s.length} bytes ${s.retransmissions} times over ${humanDuration(lastSend - times[0]!)} without an acknowledgement`;
          if (rstAfter) summary += ', then gave up with RST: the connection was aborted.';
          else if (captureEndedEarly) summary += `; the capture ended ${humanDuration(sinceLast)} after the last retransmission, before the sender would have given up.`;
          else summary += ', then went silent: the connection was aborted.';
          ctx.report({
            // The sender's stack gives up retransmitting: its application gets the error.
            seenBy: senderName,
            severity: captureEndedEarly ? 'warning' : 'error',
            frames,
            summary,
            details: {
              abortedBy: senderName,
              retransmissions: s.retransmissions,
              intervals,
              segmentBytes: s.length,
              endedWith,
              captureEndedEarly,
              peerSilent: receiverSilent,
              bytesSent: { client: c.client.bytes, server: c.server.bytes },
            },
            start: splitTime(times[0]!),
            end: splitTime(rstAfter ? sender.rstTime : lastSend),
          });
          return;
        }
      },
    };
  },
};
