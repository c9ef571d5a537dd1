/**
 * Retransmission series, as the rules that judge data sent into silence keep them (each rule
 * keeps its own copy in its per-conversation state): for each side, the series under way and the
 * longest earlier one never acknowledged.
 */
import type { Packet } from '../decode/packet.js';
import { MAX_TRACKED_EVENTS, type TcpConversation } from '../flow/tcp.js';
import type { RuleContext, RuleHandlers } from './engine.js';

/** One transmission of a data segment in a retransmission series. */
export interface Transmission {
  frame: number;
  time: number;
}

/** A segment sent again and again. */
export interface RetransmissionSeries {
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
export interface SenderSeries {
  current: RetransmissionSeries | null;
  worst: RetransmissionSeries | null;
}

/** Both sides' series of one conversation. */
export interface ConversationSeries {
  client: SenderSeries;
  server: SenderSeries;
}

/** No series yet on either side. */
export function newConversationSeries(): ConversationSeries {
  return { client: { current: null, worst: null }, server: { current: null, worst: null } };
}

/** The side's series. */
export function sideOf(state: ConversationSeries, isClient: boolean): SenderSeries {
  return isClient ? state.client : state.server;
}

/** Count a retransmission (an `onRetransmission` event) in its sender's series. */
export function noteRetransmission(state: ConversationSeries, p: Packet, fromClient: boolean, newSeries: boolean, originalFrame: number, originalTime: number): void {
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
}

/** The peer acknowledged the sender's series under way (an `onRetransmissionAcked` event). */
export function noteAcknowledged(state: ConversationSeries, senderIsClient: boolean): void {
  sideOf(state, senderIsClient).current = null;
}

/** The unacknowledged series with the most retransmissions, if any. */
export function stuckSeries(side: SenderSeries): RetransmissionSeries | null {
  const cur = side.current;
  const worst = side.worst;
  if (cur && worst) return cur.retransmissions >= worst.retransmissions ? cur : worst;
  return cur ?? worst;
}

/**
 * The series a rule's listeners kept on a conversation that got past its handshake (or was
 * seen mid-stream), at its end; undefined when there is none to judge.
 */
export function seriesAtEnd(ctx: RuleContext, c: TcpConversation): ConversationSeries | undefined {
  if (!c.established && !c.midstream) return undefined;
  return ctx.stateOf<ConversationSeries>(c);
}

/**
 * The listeners that keep a rule's own copy of both sides' series on each conversation (read it
 * back with `ctx.stateOf<ConversationSeries>(c)` at the conversation's end).
 */
export function seriesListeners(ctx: RuleContext): Pick<RuleHandlers, 'onRetransmission' | 'onRetransmissionAcked'> {
  return {
    onRetransmission(c, p, fromClient, newSeries, originalFrame, originalTime) {
      const state = ctx.stateOf<ConversationSeries>(c) ?? ctx.setState(c, newConversationSeries());
      noteRetransmission(state, p, fromClient, newSeries, originalFrame, originalTime);
    },
    onRetransmissionAcked(c, _p, senderIsClient) {
      const state = ctx.stateOf<ConversationSeries>(c);
      if (state !== undefined) noteAcknowledged(state, senderIsClient);
    },
  };
}
