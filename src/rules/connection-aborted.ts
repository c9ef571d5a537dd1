import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';

import { seriesAtEnd, seriesListeners, stuckSeries } from './retransmission-series.js';

/** At least this many retransmissions of one segment before we call it an abort. */
export const MIN_ABORT_RETRANSMISSIONS = 3;

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
      ...seriesListeners(ctx),
      onTcpConversationEnd(c) {
        const state = seriesAtEnd(ctx, c);
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
