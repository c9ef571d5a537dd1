import { codesFor } from './codes.js';
import { hostPort, splitTime, type Rule } from './engine.js';
import type { TcpConversation, TcpEndpoint } from '../flow/tcp.js';

/** What was going on when the RST came, when the capture tells. */
export type ResetSituation = 'after-fin' | 'data-after-close' | 'in-response-to-data' | 'abortive-close' | 'unknown';

function situation(c: TcpConversation, by: TcpEndpoint, peer: TcpEndpoint, rstTime: number): ResetSituation {
  if (by.finFrame >= 0 && by.finTime <= rstTime) {
    // The resetter had closed; the peer kept sending, so the resetter's stack refused the data.
    return peer.lastDataTime > by.finTime ? 'data-after-close' : 'after-fin';
  }
  if (peer.finFrame >= 0 && peer.finTime <= rstTime) return 'after-fin';
  // Data from the peer shortly before the RST: it arrived at a socket that was gone or closed
  // with unread data.
  if (peer.lastDataFrame >= 0 && rstTime - peer.lastDataTime < 1 && peer.lastDataTime >= c.startTime) return 'in-response-to-data';
  return 'abortive-close';
}

const SITUATION_TEXT: Record<ResetSituation, string> = {
  'after-fin': 'after the connection was being closed (RST after FIN)',
  'data-after-close': 'because data arrived after it had closed the connection',
  'in-response-to-data': 'right after data from its peer (the socket was closed with unread data, or is gone)',
  'abortive-close': 'without a FIN (abortive close: the application or a middlebox reset it)',
  unknown: '',
};

/** `connection-reset`: a RST after the handshake completed. */
export const connectionReset: Rule = {
  meta: {
    id: 'connection-reset',
    description: 'An established connection ended by RST instead of an orderly close.',
    severity: 'error',
    onTheWire: 'After SYN, SYN-ACK, ACK (and usually some data), one side sends RST. The other side\'s next read or write fails.',
    codes: codesFor('connection-reset'),
    causes: [
      'The application closed the socket with unread data in its receive buffer, or with SO_LINGER 0 (abortive close).',
      'The peer process crashed or was killed; its kernel resets the connection.',
      'The peer closed the connection and data still arrived (client wrote after the server closed).',
      'A firewall, load balancer or IPS injected a RST (idle timeout, policy).',
    ],
    checks: [
      'See details.resetBy and details.situation: which side sent the RST and what came just before it.',
      'Check the resetting side\'s application logs at that time (crash, timeout, request too large, protocol error).',
      'If neither endpoint admits sending it, compare TTL / IP ID of the RST with the peer\'s packets to spot an injected reset.',
      'For idle connections: compare idle time with firewall/NAT/load-balancer timeouts.',
    ],
    differsFrom: 'A reset after the handshake is 10054/ECONNRESET; a RST answering the SYN is a refusal (10061/ECONNREFUSED); retransmissions into silence end in 10053 (Windows) / ETIMEDOUT (Linux).',
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        if (!c.established || c.firstRstAfterHandshake < 0) return;
        const rstFrame = c.firstRstAfterHandshake;
        const byClient = c.client.rstFrames.includes(rstFrame);
        const by = byClient ? c.client : c.server;
        const peer = byClient ? c.server : c.client;
        const idx = by.rstFrames.indexOf(rstFrame);
        const rstTime = idx >= 0 ? by.rstTimes[idx]! : by.rstTime;
        const sit = situation(c, by, peer, rstTime);
        const resetBy = byClient ? 'client' : 'server';
        const frames = [c.client.synFrames[0] ?? c.firstFrame, c.establishedFrame, ...by.rstFrames.filter((f) => f >= c.establishedFrame)];
        if (by.finFrame >= 0) frames.push(by.finFrame);
        if (peer.finFrame >= 0) frames.push(peer.finFrame);
        if (peer.lastDataFrame >= 0 && peer.lastDataFrame < rstFrame) frames.push(peer.lastDataFrame);
        ctx.report({
          frames: frames.filter((f) => f >= 0),
          summary: `${hostPort(c.client)} ↔ ${hostPort(c.server)}: the ${resetBy} reset the established connection ${SITUATION_TEXT[sit]}; ${c.client.bytes} bytes sent by the client, ${c.server.bytes} by the server.`,
          details: {
            resetBy,
            situation: sit,
            rstFrame,
            bytesSent: { client: c.client.bytes, server: c.server.bytes },
            finBeforeReset: { client: c.client.finFrame >= 0 && c.client.finFrame < rstFrame, server: c.server.finFrame >= 0 && c.server.finFrame < rstFrame },
            history: c.history,
            // A RST that answered the SYN and was ignored (the handshake went on): often injected.
            ...(c.refusals.length > 0 ? { rstBeforeHandshake: c.refusals[0]!.rstFrame } : {}),
          },
          end: splitTime(rstTime),
        });
      },
    };
  },
};
