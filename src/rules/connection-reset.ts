import { codesFor } from './codes.js';
import { hostPort, splitTime, type Rule } from './engine.js';
import type { ErrorCode, Severity } from './types.js';
import { RstAnswer, type TcpConversation, type TcpEndpoint } from '../flow/tcp.js';
import { seqAdd, seqLt, seqLte } from '../flow/seq.js';
import type { Packet } from '../decode/packet.js';
import { TCP_ACK } from '../decode/packet.js';

/** How the first RST after the handshake looked (for telling a lost connection from an application reset). */
export interface FirstResetFacts {
  frame: number;
  flags: number;
  seq: number;
  /** The last acknowledgment number the peer sent before the RST (-1 when none). */
  peerAck: number;
  /** Seconds since the resetting side's previous packet (Infinity when it sent none). */
  resetterIdle: number;
  /** The peer sent payload after the resetter's previous packet, and the RST followed it. */
  answersPeerData: boolean;
  /** The highest acknowledgment number the resetter sent, the RST's own included (-1 when none). */
  resetterAck: number;
  /** The sequence number after everything the peer had sent, FIN included (-1 when it sent nothing). */
  peerNextSeq: number;
}

/** The facts of RST `p` from the client (or not), read from the conversation before it accounts the RST's ACK. */
export function resetFacts(c: TcpConversation, p: Packet, fromClient: boolean): FirstResetFacts {
  const snd = fromClient ? c.client : c.server;
  const rcv = fromClient ? c.server : c.client;
  const ack = (p.tcpFlags & TCP_ACK) !== 0;
  return {
    frame: p.frame,
    flags: p.tcpFlags,
    seq: p.tcpSeq,
    peerAck: rcv.ackValid ? rcv.highestAck : -1,
    resetterIdle: p.time - snd.lastTime,
    answersPeerData: rcv.lastDataFrame >= 0 && rcv.lastDataTime >= snd.lastTime,
    // What the resetter had received when it reset: its ACKs so far, or the RST's own.
    resetterAck: ack && (!snd.ackValid || seqLt(snd.highestAck, p.tcpAck)) ? p.tcpAck : snd.ackValid ? snd.highestAck : -1,
    peerNextSeq: rcv.seqValid ? rcv.nextSeq : -1,
  };
}

/** What connection-reset keeps about a conversation: its first RST after the handshake, and the first RST that answered a SYN. */
interface ResetState {
  firstReset: FirstResetFacts | null;
  /** Frame of the first RST that answered the client's SYNs, refusing or ignored; Infinity when none. */
  rstBeforeHandshake: number;
}

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

/**
 * Who had closed (sent FIN) when the RST came, seen from the side that receives the RST:
 * - 'none': neither side had;
 * - 'both': both had;
 * - 'receiver': the receiver had, and the resetter had acknowledged that FIN (before or in the RST);
 * - 'receiver-unacknowledged': the receiver had, but the resetter had not acknowledged it;
 * - 'resetter': only the resetter had, and the receiver had acknowledged that FIN;
 * - 'resetter-unacknowledged': only the resetter had, and the receiver had not acknowledged it.
 */
export type CloseBeforeReset = 'none' | 'both' | 'receiver' | 'receiver-unacknowledged' | 'resetter' | 'resetter-unacknowledged';

/** `ack` (-1: none) acknowledges the FIN of an endpoint that sent one. */
function acknowledgesFin(ack: number, fin: TcpEndpoint): boolean {
  return ack >= 0 && seqLte(seqAdd(fin.finSeq, 1), ack);
}

/** How far the close had gone when the first RST after the handshake came. */
export function closeBeforeReset(by: TcpEndpoint, peer: TcpEndpoint, reset: FirstResetFacts): CloseBeforeReset {
  const byFin = by.finFrame >= 0 && by.finFrame < reset.frame;
  const peerFin = peer.finFrame >= 0 && peer.finFrame < reset.frame;
  if (byFin && peerFin) return 'both';
  if (peerFin) return acknowledgesFin(reset.resetterAck, peer) ? 'receiver' : 'receiver-unacknowledged';
  if (byFin) return acknowledgesFin(reset.peerAck, by) ? 'resetter' : 'resetter-unacknowledged';
  return 'none';
}

/**
 * A RST after an orderly close: everyone who had sent FIN had it acknowledged, so no data was
 * lost and every application had finished writing (RFC 9293 §3.6: a FIN means "no more
 * data"). Windows answers a peer's FIN with RST (SMB, RDP, WinHTTP), and stacks send late
 * RSTs after closing.
 */
export function resetAfterOrderlyClose(state: CloseBeforeReset): boolean {
  return state === 'both' || state === 'receiver';
}

/** What the receiver's application sees, and so the finding's severity and codes. */
interface Outcome {
  severity: Severity;
  codes: ErrorCode[];
  socketError: string;
}

/** The receiver had sent data the resetter never acknowledged: the RST discarded it. */
function receiverDataLost(reset: FirstResetFacts): boolean {
  return reset.peerNextSeq >= 0 && (reset.resetterAck < 0 || seqLt(reset.resetterAck, reset.peerNextSeq));
}

function outcomeOf(state: CloseBeforeReset, lost: boolean, resetBy: string, receiver: string): Outcome {
  if (resetAfterOrderlyClose(state)) {
    // Linux tcp_reset() in FIN-WAIT-1/2 sets ECONNRESET, but an application that called close()
    // never reads it; one that only shut down writing and still reads does (measured: Node's
    // socket.end(), then read → ECONNRESET). The capture cannot tell the two apart.
    return {
      severity: 'info',
      codes: [],
      socketError: `none: the ${receiver} had closed; only an application that had shut down just its sending side (shutdown(SHUT_WR), Node's socket.end()) and was still reading would get ECONNRESET on that read`,
    };
  }
  if (state === 'resetter') {
    // The receiver had read the resetter's FIN (CLOSE-WAIT). Unacknowledged data from it was
    // discarded; otherwise nothing was lost and only a later write fails.
    return {
      severity: lost ? 'error' : 'warning',
      codes: codesFor('reset-after-fin'),
      socketError: lost
        ? `the ${receiver}'s data sent after the ${resetBy}'s FIN was discarded: its application reads the end of the stream where it awaited a reply, and its next write fails (EPIPE on Linux, ECONNRESET on macOS, 10054 on Windows)`
        : `the ${receiver} had read the end of the stream; its application gets an error only if it writes again (EPIPE on Linux, ECONNRESET on macOS, 10054 on Windows)`,
    };
  }
  return { severity: 'error', codes: codesFor('connection-reset'), socketError: `connection reset on the ${receiver}'s next read or write` };
}

/** The summary's words for how far the close had gone; '' when nobody had closed. */
function closeText(state: CloseBeforeReset, lost: boolean, receiver: string): string {
  switch (state) {
    case 'none':
      return '';
    case 'both':
      return 'after both sides had closed (FIN both ways): no read or write failed';
    case 'receiver':
      return `after the ${receiver} had closed and its FIN had been acknowledged: no read or write failed`;
    case 'receiver-unacknowledged':
      return `after the ${receiver}'s FIN, without acknowledging it`;
    case 'resetter':
      return lost
        ? `after its own FIN, which the ${receiver} had acknowledged, discarding data the ${receiver} sent afterwards`
        : `after its own FIN, which the ${receiver} had acknowledged: the ${receiver}'s application gets an error only if it writes again`;
    case 'resetter-unacknowledged':
      return `right after its own FIN, before the ${receiver} acknowledged it`;
  }
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
    onTheWire: 'After SYN, SYN-ACK, ACK (and usually some data), one side sends RST. The other side\'s next read or write fails, unless it had already closed: a RST after an orderly close (both FINs, or the receiver\'s FIN acknowledged) fails nothing and is reported at info, one after the resetter\'s own FIN at warning (only a later write fails).',
    codes: codesFor('connection-reset'),
    causes: [
      'The application closed the socket with unread data in its receive buffer, or with SO_LINGER 0 (abortive close).',
      'The peer process crashed or was killed; its kernel resets the connection.',
      'The peer closed the connection and data still arrived (client wrote after the server closed).',
      'A firewall, load balancer or IPS injected a RST (idle timeout, policy).',
    ],
    checks: [
      'See details.resetBy, details.situation and details.closeBeforeReset: which side sent the RST, what came just before it, and who had already closed; details.socketError says what the receiving application sees.',
      'Check the resetting side\'s application logs at that time (crash, timeout, request too large, protocol error).',
      'If neither endpoint admits sending it, compare TTL / IP ID of the RST with the peer\'s packets to spot an injected reset.',
      'For idle connections: compare idle time with firewall/NAT/load-balancer timeouts.',
    ],
    differsFrom: 'A reset after the handshake is 10054/ECONNRESET; a RST answering the SYN is a refusal (10061/ECONNREFUSED); retransmissions into silence end in 10053 (Windows) / ETIMEDOUT (Linux).',
    gist: 'RST on an established connection',
    signatures: [
      { signature: 'connection-reset', meaning: 'RST on an established connection' },
      { signature: 'reset-after-fin', meaning: 'RST after the resetting side\'s own FIN: reads return end of stream, the next write fails' },
    ],
    failureKind: 'reset',
  },
  create(ctx) {
    return {
      onRst(c, p, fromClient, answer) {
        if (answer !== RstAnswer.Other) {
          const s = ctx.stateOf<ResetState>(c) ?? ctx.setState<ResetState>(c, { firstReset: null, rstBeforeHandshake: Infinity });
          if (s.rstBeforeHandshake === Infinity) s.rstBeforeHandshake = p.frame;
        } else if (c.established && ctx.stateOf<ResetState>(c)?.firstReset == null) {
          const s = ctx.stateOf<ResetState>(c) ?? ctx.setState<ResetState>(c, { firstReset: null, rstBeforeHandshake: Infinity });
          s.firstReset = resetFacts(c, p, fromClient);
        }
      },
      onTcpConversationEnd(c) {
        const state = ctx.stateOf<ResetState>(c);
        const reset = state?.firstReset ?? null;
        if (!c.established || reset === null) return;
        const rstFrame = reset.frame;
        const byClient = c.client.rstFrames.includes(rstFrame);
        const by = byClient ? c.client : c.server;
        const peer = byClient ? c.server : c.client;
        const idx = by.rstFrames.indexOf(rstFrame);
        const rstTime = idx >= 0 ? by.rstTimes[idx]! : by.rstTime;
        const sit = situation(c, by, peer, rstTime);
        const resetBy = byClient ? 'client' : 'server';
        const receiver = byClient ? 'server' : 'client';
        const close = closeBeforeReset(by, peer, reset);
        const lost = receiverDataLost(reset);
        const outcome = outcomeOf(close, lost, resetBy, receiver);
        const frames = [c.client.synFrames[0] ?? c.firstFrame, c.establishedFrame, ...by.rstFrames.filter((f) => f >= c.establishedFrame)];
        if (by.finFrame >= 0) frames.push(by.finFrame);
        if (peer.finFrame >= 0) frames.push(peer.finFrame);
        if (peer.lastDataFrame >= 0 && peer.lastDataFrame < rstFrame) frames.push(peer.lastDataFrame);
        ctx.report({
          frames: frames.filter((f) => f >= 0),
          severity: outcome.severity,
          codes: outcome.codes,
          // The side that receives the RST is the one whose read or write fails.
          seenBy: receiver,
          summary: `${hostPort(c.client)} ↔ ${hostPort(c.server)}: the ${resetBy} reset the established connection ${closeText(close, lost, receiver) || SITUATION_TEXT[sit]}; ${c.client.bytes} bytes sent by the client, ${c.server.bytes} by the server.`,
          details: {
            resetBy,
            situation: sit,
            closeBeforeReset: close,
            socketError: outcome.socketError,
            rstFrame,
            bytesSent: { client: c.client.bytes, server: c.server.bytes },
            finBeforeReset: { client: c.client.finFrame >= 0 && c.client.finFrame < rstFrame, server: c.server.finFrame >= 0 && c.server.finFrame < rstFrame },
            history: c.history,
            // A RST that answered the SYN and was ignored (the handshake went on): often injected,
            // and then often with an ACK that does not acknowledge the SYN.
            ...(state!.rstBeforeHandshake !== Infinity ? { rstBeforeHandshake: state!.rstBeforeHandshake } : {}),
          },
          end: splitTime(rstTime),
        });
      },
    };
  },
};
