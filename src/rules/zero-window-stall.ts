import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';

import { MAX_TRACKED_EVENTS } from '../flow/tcp.js';

/** At least this many probes into a zero window before we call it a stall. */
export const MIN_STALL_PROBES = 2;

/** A receiver advertising a zero window, the peer's probes, and whether the window opened again. */
interface ZeroWindowEpisode {
  /** Zero-window episodes of this side so far (this object describes the latest). */
  episodes: number;
  firstFrame: number;
  firstTime: number;
  /** The latest zero-window advertisement. */
  lastFrame: number;
  lastTime: number;
  /** True while the window is still zero (no non-zero window advertised since). */
  closed: boolean;
  /** Segments the peer sent while the window was zero (window probes), counted and bounded. */
  probes: number;
  probeFrames: number[];
  probeTimes: number[];
}

/** The latest episode of each side as a receiver. */
interface StallState {
  client: ZeroWindowEpisode | null;
  server: ZeroWindowEpisode | null;
}

/** `zero-window-stall`: a receiver advertises a zero window and the sender probes until one side gives up. */
export const zeroWindowStall: Rule = {
  meta: {
    id: 'zero-window-stall',
    description: 'A receiver advertised a zero window and never opened it again; the sender probed until one side gave up.',
    severity: 'error',
    onTheWire: 'One side\'s ACKs carry window 0: its receive buffer is full because its application stopped reading. The sender sends window probes (Linux: empty segments one below the next sequence; Windows: one byte) with growing intervals, each answered by another window-0 ACK, until the sender\'s stack gives up, an application times out and closes or resets, or the capture ends.',
    codes: codesFor('connect-timeout'),
    causes: [
      'The receiving application stopped reading the socket (blocked, deadlocked, busy, or waiting for something else) while the peer kept sending.',
      'The receiving host is overloaded (CPU, memory pressure) so the application falls behind.',
      'Both applications write and neither reads (a protocol deadlock with full buffers in both directions).',
    ],
    checks: [
      'Look at the application on the side that advertised the zero window (details.receiver): thread dumps, event loop lag, what it was waiting for at that time.',
      'Check receive buffer settings only after the application: a bigger buffer delays a stall, it does not cure a reader that stopped.',
      'On the sending side, an application timeout or Linux\'s tcp_retries2 limit on probes decides when it gives up.',
    ],
    differsFrom: 'In an abort (10053/ETIMEDOUT) the peer stops acknowledging at all; in a zero-window stall it keeps acknowledging, with window 0. The sender\'s application sees 10060/ETIMEDOUT (Linux gives up probing after tcp_retries2 probes; Windows keeps probing, so an application timeout fires first), or a reset when the other side closes with unread data.',
    gist: 'receiver window stuck at zero',
  },
  create(ctx) {
    return {
      onZeroWindow(c, p, fromClient) {
        const state = ctx.stateOf<StallState>(c) ?? ctx.setState<StallState>(c, { client: null, server: null });
        let zw = fromClient ? state.client : state.server;
        if (zw === null || !zw.closed) {
          zw = { episodes: zw === null ? 1 : zw.episodes + 1, firstFrame: p.frame, firstTime: p.time, lastFrame: p.frame, lastTime: p.time, closed: true, probes: 0, probeFrames: [], probeTimes: [] };
          if (fromClient) state.client = zw;
          else state.server = zw;
        }
        zw.lastFrame = p.frame;
        zw.lastTime = p.time;
      },
      onWindowOpen(c, _p, fromClient) {
        const state = ctx.stateOf<StallState>(c);
        const zw = state === undefined ? null : fromClient ? state.client : state.server;
        if (zw !== null) zw.closed = false;
      },
      onZeroWindowProbe(c, p, fromClient) {
        const state = ctx.stateOf<StallState>(c);
        const zw = state === undefined ? null : fromClient ? state.server : state.client;
        if (zw === null || !zw.closed) return;
        zw.probes++;
        if (zw.probeFrames.length < MAX_TRACKED_EVENTS) {
          zw.probeFrames.push(p.frame);
          zw.probeTimes.push(p.time);
        }
      },
      onTcpConversationEnd(c) {
        const state = ctx.stateOf<StallState>(c);
        if (state === undefined) return;
        for (const [zw, sender, receiverName, senderName] of [
          [state.server, c.client, 'server', 'client'],
          [state.client, c.server, 'client', 'server'],
        ] as const) {
          if (zw === null || !zw.closed || zw.probes < MIN_STALL_PROBES) continue;
          const stallSeconds = Math.max(zw.lastTime, zw.probeTimes[zw.probeTimes.length - 1] ?? zw.lastTime) - zw.firstTime;
          const resetBy = c.client.rstFrame >= 0 && c.client.rstTime >= zw.firstTime ? 'client' : c.server.rstFrame >= 0 && c.server.rstTime >= zw.firstTime ? 'server' : null;
          const finBy = c.client.finFrame >= 0 && c.client.finTime >= zw.firstTime ? 'client' : c.server.finFrame >= 0 && c.server.finTime >= zw.firstTime ? 'server' : null;
          const intervals = zw.probeTimes.slice(1).map((t, i) => round3(t - zw.probeTimes[i]!));
          // The capture ended before the next probe was due: nobody had given up yet.
          const lastProbe = zw.probeTimes[zw.probeTimes.length - 1] ?? zw.lastTime;
          const lastInterval = intervals[intervals.length - 1] ?? 1;
          const captureEndedEarly = ctx.atEndOfCapture() && ctx.now() - lastProbe < 2 * lastInterval;
          const endedWith = resetBy ? `reset by the ${resetBy}` : finBy ? `closed by the ${finBy}` : captureEndedEarly ? 'capture end' : 'silence';
          let summary = `${hostPort(c.client)} ↔ ${hostPort(c.server)}: the ${receiverName} advertised a zero window for ${humanDuration(stallSeconds)} and never opened it; the ${senderName} sent ${zw.probes} window probes`;
          summary += resetBy ? `, then the ${resetBy} reset the connection.` : finBy ? `, then the ${finBy} closed it.` : endedWith === 'capture end' ? ' until the capture ended.' : ', then both went silent.';
          const codes = resetBy ? codesFor('connection-reset') : codesFor('connect-timeout');
          ctx.report({
            // The sender is the one blocked behind the zero window.
            seenBy: senderName,
            severity: endedWith === 'capture end' ? 'warning' : 'error',
            codes,
            frames: [zw.firstFrame, ...zw.probeFrames.slice(0, 16), zw.lastFrame, ...(resetBy ? [(resetBy === 'client' ? c.client : c.server).rstFrame] : [])],
            summary,
            details: {
              receiver: receiverName,
              sender: senderName,
              probes: zw.probes,
              probeIntervals: intervals.slice(0, 16),
              stallSeconds: round3(stallSeconds),
              zeroWindowEpisodes: zw.episodes,
              bytesBeforeStall: sender.bytes,
              endedWith,
              socketError: resetBy
                ? 'connection reset on the next read or write'
                : 'the sender times out (ETIMEDOUT once Linux runs out of probes) or its application\'s timeout fires; a blocked write never completes',
            },
            start: splitTime(zw.firstTime),
            end: splitTime(Math.max(zw.lastTime, c.lastTime)),
          });
          return;
        }
      },
    };
  },
};
