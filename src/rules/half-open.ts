import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { TCP_ACK } from '../decode/packet.js';
import { closeBeforeReset, resetAfterOrderlyClose, resetFacts, type FirstResetFacts } from './connection-reset.js';

/** The resetter was silent at least this long before the data its RST answers (seconds). */
export const MIN_IDLE_SECONDS = 1;

/** `half-open`: data sent to a peer that had lost the connection, answered by a RST from its stack. */
export const halfOpen: Rule = {
  meta: {
    id: 'half-open',
    description: 'Data sent on a connection the peer no longer had (it restarted, failed over or lost its state) was answered by a RST from its TCP stack.',
    severity: 'error',
    onTheWire: 'An established connection goes quiet; later one side sends data and the other answers at once with a bare RST (no ACK flag) whose sequence number is the acknowledgment number of that data segment — RFC 793\'s reply to a segment for a connection that does not exist. An application that closes with unread data instead sends RST,ACK from a socket that still exists.',
    codes: codesFor('connection-reset'),
    causes: [
      'The peer host or its service restarted (crash, deploy, reboot) while this side kept the connection open, for example in a connection pool.',
      'A failover moved the peer\'s address to another machine that has no state for the connection.',
      'A NAT, load balancer or firewall between the two lost or expired the connection\'s state and a device behind it answers for a connection it does not know.',
    ],
    checks: [
      'Check the peer\'s uptime, service restarts and failovers around the time of the RST.',
      'For pooled connections: validate connections before use, set a maximum idle time shorter than the path\'s state timeouts, and enable TCP keep-alives.',
      'Compare the RST\'s TTL with the peer\'s earlier packets: a different TTL suggests a middlebox answered.',
    ],
    differsFrom: 'connection-reset covers resets from a live socket (the application closed with unread data, or aborted); here the RST comes from a stack without the connection, right after the first data following an idle period. The application sees 10054/ECONNRESET on its next read; a write right after the reset fails with EPIPE on Linux and macOS.',
    gist: 'data answered by RST from a peer that lost the connection',
  },
  create(ctx) {
    return {
      // The first RST after the handshake, as it looked when it came.
      onRst(c, p, fromClient) {
        if (c.established && ctx.stateOf<FirstResetFacts>(c) === undefined) ctx.setState(c, resetFacts(c, p, fromClient));
      },
      onTcpConversationEnd(c) {
        const r = ctx.stateOf<FirstResetFacts>(c);
        if (!c.established || r === undefined) return;
        const byClient = c.client.rstFrames.includes(r.frame);
        const by = byClient ? c.client : c.server;
        const peer = byClient ? c.server : c.client;
        // A stack without the connection resets with seq = SEG.ACK of the segment and no ACK flag (RFC 793 §3.4).
        const bareReset = (r.flags & TCP_ACK) === 0 && r.peerAck >= 0 && r.seq === r.peerAck;
        if (!bareReset || !r.answersPeerData || r.resetterIdle < MIN_IDLE_SECONDS) return;
        // Both sides had closed: whatever the resetter forgot, nobody was still using the
        // connection (connection-reset reports it at info). A resetter that had sent its own FIN
        // still had the connection: its RST is a closed socket refusing late data (the
        // keep-alive race), which connection-reset names.
        const closed = closeBeforeReset(by, peer, r);
        if (resetAfterOrderlyClose(closed) || closed === 'resetter' || closed === 'resetter-unacknowledged') return;
        const resetBy = byClient ? 'client' : 'server';
        const sender = byClient ? 'server' : 'client';
        const idx = by.rstFrames.indexOf(r.frame);
        const rstTime = idx >= 0 ? by.rstTimes[idx]! : by.rstTime;
        ctx.report({
          // The side whose data was answered by the RST sees the reset.
          seenBy: sender,
          frames: [c.client.synFrames[0] ?? c.firstFrame, c.establishedFrame, peer.lastDataFrame, r.frame].filter((f) => f >= 0),
          summary: `${hostPort(c.client)} ↔ ${hostPort(c.server)}: after ${humanDuration(r.resetterIdle)} of silence from the ${resetBy}, the ${sender}'s data was answered by a bare RST: the ${resetBy} no longer had the connection (restart, failover or lost state).`,
          details: {
            resetBy,
            dataFrom: sender,
            rstFrame: r.frame,
            idleSeconds: round3(r.resetterIdle),
            rstSeqMatchesAck: true,
            socketError: `connection reset on the ${sender}'s next read; a further write fails with EPIPE (Linux, macOS) or 10054 (Windows)`,
          },
          end: splitTime(rstTime),
        });
      },
    };
  },
};
