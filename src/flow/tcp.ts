/**
 * A TCP conversation: per-endpoint state, a Zeek-style history string, and segment analysis in
 * Wireshark's words (retransmission, keep-alive, zero window and its probes, a RST answering a
 * SYN, acceptable or not), all bounded in size whatever the conversation's length. What a rule
 * makes of it is the rule's own: the analysis raises rare events (`TcpEvents`) to whoever
 * listens, never one per data segment.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Packet } from '../decode/packet.js';
import type { FlowKeyView } from './key.js';
import { BaseFlow, EMPTY_LIST, FLOW_SUBCLASS_BITS, FLOW_SUBCLASS_TIMES, MAX_TRACKED_EVENTS, type EndpointOwner } from './flow.js';
import { StreamReassembler, type ReassemblyPool } from './reassembly.js';
import { seqAdd, seqLt, seqLte } from './seq.js';

export { EMPTY_LIST, MAX_TRACKED_EVENTS, type IcmpLink } from './flow.js';

/**
 * How a RST relates to the handshake (see `TcpEvents.onRst`):
 * - `Other`: it does not answer a client's SYN;
 * - `Refused`: from the server, while the client had sent only SYNs, and it acknowledges the SYN:
 *   a refusal (Zeek's REJ);
 * - `Ignored`: from the server, while the client had sent only SYNs, but it does not acknowledge
 *   the SYN: RFC 9293 §3.10.7.3 says a client in SYN-SENT drops it (Linux, Windows, BSD do), so
 *   it refuses nothing and the client keeps retrying.
 */
export const RstAnswer = { Other: 0, Refused: 1, Ignored: 2 } as const;
/** One of RstAnswer's values. */
export type RstAnswer = (typeof RstAnswer)[keyof typeof RstAnswer];

/**
 * The rare moments of a TCP conversation, raised while a segment is accounted (Zeek's analyzer
 * events, Wireshark's expert notes). Each is called with the conversation, the segment and who
 * sent it; the conversation's state is as it was before the segment unless said otherwise. None
 * is raised for an ordinary data segment or ACK.
 */
export interface TcpEvents {
  /** A SYN without ACK (after the endpoint recorded it). */
  onSyn?(c: TcpConversation, p: Packet, fromClient: boolean): void;
  /** A SYN-ACK (after the endpoint recorded it). */
  onSynAck?(c: TcpConversation, p: Packet, fromClient: boolean): void;
  /** A RST (after the endpoint counted it; sequence and ACK state not yet updated). */
  onRst?(c: TcpConversation, p: Packet, fromClient: boolean, answer: RstAnswer): void;
  /**
   * The server answered the client's SYNs with a plain ACK that does not acknowledge the SYN
   * (RFC 5961 §4 challenge ACK, or an old connection's state): an unacceptable ACK in SYN-SENT.
   */
  onSynAnsweredByAck?(c: TcpConversation, p: Packet): void;
  /**
   * A data segment sent again (Wireshark's tcp.analysis.retransmission, keep-alives left out).
   * `newSeries` is true when it is not the latest retransmitted, still unacknowledged segment
   * again; then `originalFrame`/`originalTime` give its first transmission when still
   * remembered (-1 and 0 otherwise).
   */
  onRetransmission?(c: TcpConversation, p: Packet, fromClient: boolean, newSeries: boolean, originalFrame: number, originalTime: number): void;
  /** The peer acknowledged the latest retransmitted segment of the side `senderIsClient` names. */
  onRetransmissionAcked?(c: TcpConversation, p: Packet, senderIsClient: boolean): void;
  /** The sender advertised a zero receive window (Wireshark's tcp.analysis.zero_window). */
  onZeroWindow?(c: TcpConversation, p: Packet, fromClient: boolean): void;
  /** The sender, whose window was zero, advertised a non-zero one again. */
  onWindowOpen?(c: TcpConversation, p: Packet, fromClient: boolean): void;
  /** A segment (not RST, not SYN) sent into the peer's zero window: a window probe. */
  onZeroWindowProbe?(c: TcpConversation, p: Packet, fromClient: boolean): void;
  /** The client completed the handshake: its ACK of the SYN-ACK (after `established` was set). */
  onEstablished?(c: TcpConversation, p: Packet): void;
  /**
   * The sender's first segment with payload or a FIN (neither SYN nor RST): it uses the
   * connection, which a port probe or a spoofed SYN never does. Once per side, after the
   * endpoint recorded the FIN and after `onEstablished` when the segment completed the handshake.
   */
  onFirstDataOrFin?(c: TcpConversation, p: Packet, fromClient: boolean): void;
}

/**
 * Zeek's conn.log `conn_state` of a TCP conversation: S0 attempt with no reply, S1 established
 * and not closed, SF closed in order, REJ rejected, S2/S3 only the originator/responder closed,
 * RSTO/RSTR the originator/responder reset, RSTOS0 the originator sent SYN then RST with no
 * SYN-ACK seen, RSTRH the responder sent SYN-ACK then RST with no SYN seen, SH/SHR the
 * originator/responder closed a half-open attempt, OTH anything else (midstream traffic).
 */
export type ConnState = 'S0' | 'S1' | 'SF' | 'REJ' | 'S2' | 'S3' | 'RSTO' | 'RSTR' | 'RSTOS0' | 'RSTRH' | 'SH' | 'SHR' | 'OTH';

/** Zeek's endpoint states (TCP_INACTIVE…), as the capture shows them at the end. */
type EndpointState = 'inactive' | 'syn-sent' | 'syn-ack-sent' | 'partial' | 'established' | 'closed' | 'reset';

function endpointState(c: TcpConversation, e: TcpEndpoint): EndpointState {
  if (e.rstCount > 0) return 'reset';
  if (e.finFrame >= 0) return 'closed';
  if (e.packets === 0) return 'inactive';
  if (e.synCount > 0) return c.established ? 'established' : 'syn-sent';
  if (e.synAckCount > 0) return c.established ? 'established' : 'syn-ack-sent';
  return 'partial';
}

/** Zeek's `conn_state()` (base/protocols/conn/main.zeek) over the endpoint states; the client is Zeek's originator. */
export function connStateOf(c: TcpConversation): ConnState {
  const os = endpointState(c, c.client);
  const rs = endpointState(c, c.server);
  const oInactive = os === 'inactive' || os === 'partial';
  const rInactive = rs === 'inactive' || rs === 'partial';
  if (rs === 'reset') {
    if (os === 'syn-sent' || os === 'syn-ack-sent' || (os === 'reset' && c.client.bytes === 0 && c.server.bytes === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === 'reset') {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(c.history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === 'closed' && os === 'closed') return 'SF';
  if (os === 'closed') return rInactive ? 'SH' : 'S2';
  if (rs === 'closed') return oInactive ? 'SHR' : 'S3';
  if (os === 'syn-sent' && rs === 'inactive') return 'S0';
  if (os === 'established' && rs === 'established') return 'S1';
  return 'OTH';
}

/** Nobody listens. */
const NO_EVENTS: TcpEvents = Object.freeze({});

/**
 * What few endpoints do (SYN or SYN-ACK retries, resets, retransmissions, zero windows), kept
 * apart so that the many endpoints that do none of it carry one null field instead of a dozen.
 */
class TcpEndpointEvents {
  /** Every SYN (bounded), once there was more than one; the first alone is in the endpoint. */
  synFrames: number[] = EMPTY_LIST;
  synTimes: number[] = EMPTY_LIST;
  synAckFrames: number[] = EMPTY_LIST;
  synAckTimes: number[] = EMPTY_LIST;
  rstCount = 0;
  rstFrames: number[] = EMPTY_LIST;
  rstTimes: number[] = EMPTY_LIST;
  retransmissions = 0;
  /** The latest retransmitted segment is not yet acknowledged; its sequence number. */
  retransmissionPending = false;
  retransmittedSeq = 0;
  zeroWindows = 0;
  /** The latest window this side advertised was zero. */
  windowClosed = false;
  /**
   * Zeek's history repeats S, H, F and R when the sequence number differs from the last one of
   * that flag: the last seen, once it is not the first (which the endpoint holds: `isn`,
   * `finSeq`); -1 until then. The last RST's is always here (a RST makes these facts anyway).
   */
  lastSynSeq = -1;
  lastFinSeq = -1;
  lastRstSeq = -1;
}

// An endpoint's times in its conversation's `times` (see TcpConversation's constructor).
const SYN_TIME = 0;
const SYN_ACK_TIME = 1;
const FIN_TIME = 2;
const LAST_DATA_TIME = 3;
const LAST_TIME = 4;
const SENT_TIME = 5;
const ENDPOINT_TIMES = 6;

/**
 * What one endpoint did. Tens of thousands are held at once on a busy link, so the common facts
 * are fields and the rare ones are in a sub-object made at the first rare event; the rules read
 * both alike through the accessors below.
 */
export class TcpEndpoint {
  packets = 0;
  /** Payload bytes sent (retransmissions included). */
  bytes = 0;
  /** SYNs (without ACK) sent; the first one's frame and time (see `synFrames` for all). */
  synCount = 0;
  private synFrame = -1;
  /** SYN-ACKs sent; the first one's frame and time (see `synAckFrames`). */
  synAckCount = 0;
  private synAckFrame = -1;
  /** Initial sequence number (from the first SYN or SYN-ACK), -1 if none. */
  isn = -1;
  /** IPv4 TTL / IPv6 hop limit of the first SYN (or SYN-ACK) as captured, -1 if none: a hint of the sender's stack. */
  synTtl = -1;
  /** The first SYN's (or SYN-ACK's) option kinds in order, as `synOptionSignature` packs them; 0 when it had none. */
  synOptions = 0;
  /** Wireshark's base sequence: seq of this side's first segment (SYN or not), -1 if none. */
  baseSeq = -1;
  /** Next sequence number expected after everything this side sent; -1 until it sent a segment. */
  private next = -1;
  /** Highest ACK this side sent; -1 until it sent one. */
  private acked = -1;
  finFrame = -1;
  /** Sequence number of this side's first FIN (valid when finFrame >= 0); SEG.ACK = finSeq + 1 acknowledges it. */
  finSeq = 0;
  /** Last frame that carried payload (its time: `lastDataTime`). */
  lastDataFrame = -1;
  /**
   * Recently sent new segments, for the original send time of a retransmitted segment: a ring of
   * RECENT_SENDS (seq, frame, time) entries, no object per segment; `recentCount` counts every
   * segment put in. The ring's first entry is in fields (`sentSeq`, `sentFrame`, and a time in the conversation's
   * `times`): most endpoints send one segment of data or two. The others are in `recentSends`, a
   * flat array made at the second.
   */
  private sentSeq = 0;
  private sentFrame = -1;
  private recentSends: number[] | null = null;
  private recentCount = 0;
  /**
   * The largest data segment this side sent (bits 0-14) and the largest of those its peer had
   * acknowledged in full (bits 15-29), each capped at 32767: what the path is seen to carry, for
   * a segment size that never gets through (path MTU). One small integer, no object.
   */
  private segmentSizes = 0;
  /** This side's byte stream, first and last bytes kept (null until it sends payload, or when off). */
  stream: StreamReassembler | null = null;
  /** The rare facts, made at the first of them. */
  private events: TcpEndpointEvents | null = null;

  /** The port, and from bit 16 the side (0: A, 1: B), which places this endpoint's times. */
  private readonly portAndSide: number;

  constructor(
    /** The conversation, which holds the address words and the times. */
    private readonly flow: EndpointOwner,
    port: number,
    side: number,
  ) {
    this.portAndSide = port | (side << 16);
  }

  get port(): number {
    return this.portAndSide & 0xffff;
  }

  /** Where this endpoint's times start in the conversation's `times`. */
  private get at(): number {
    return FLOW_SUBCLASS_TIMES + (this.portAndSide >>> 16) * ENDPOINT_TIMES;
  }

  private get synTime(): number {
    return this.flow.times[this.at + SYN_TIME]!;
  }
  private set synTime(t: number) {
    this.flow.times[this.at + SYN_TIME] = t;
  }
  private get synAckTime(): number {
    return this.flow.times[this.at + SYN_ACK_TIME]!;
  }
  private set synAckTime(t: number) {
    this.flow.times[this.at + SYN_ACK_TIME] = t;
  }
  /** Time of this side's first FIN (valid when finFrame >= 0). */
  get finTime(): number {
    return this.flow.times[this.at + FIN_TIME]!;
  }
  set finTime(t: number) {
    this.flow.times[this.at + FIN_TIME] = t;
  }
  /** Time of the last segment that carried payload (valid when lastDataFrame >= 0). */
  get lastDataTime(): number {
    return this.flow.times[this.at + LAST_DATA_TIME]!;
  }
  set lastDataTime(t: number) {
    this.flow.times[this.at + LAST_DATA_TIME] = t;
  }
  /** Time of this side's latest packet before the one being accounted (-Infinity before any). */
  get lastTime(): number {
    return this.flow.times[this.at + LAST_TIME]!;
  }
  set lastTime(t: number) {
    this.flow.times[this.at + LAST_TIME] = t;
  }

  /** Put a new segment in the ring of recent sends. */
  rememberSend(seq: number, frame: number, time: number): void {
    const at = this.recentCount++ % RECENT_SENDS;
    if (at === 0) {
      this.sentSeq = seq;
      this.sentFrame = frame;
      this.flow.times[this.at + SENT_TIME] = time;
      return;
    }
    const ring = this.recentSends;
    if (ring === null) this.recentSends = [seq, frame, time];
    else if (this.recentCount <= RECENT_SENDS) ring.push(seq, frame, time);
    else {
      const i = (at - 1) * 3;
      ring[i] = seq;
      ring[i + 1] = frame;
      ring[i + 2] = time;
    }
  }

  /** The oldest remembered send of `seq` (a place in the ring for `sentFrameAt`), or -1. */
  findSend(seq: number): number {
    const n = Math.min(this.recentCount, RECENT_SENDS);
    const first = this.recentCount > RECENT_SENDS ? this.recentCount % RECENT_SENDS : 0;
    for (let k = 0; k < n; k++) {
      const at = (first + k) % RECENT_SENDS;
      if ((at === 0 ? this.sentSeq : this.recentSends![(at - 1) * 3]) === seq) return at;
    }
    return -1;
  }

  /** Frame and time of the send at place `at` of the ring (from `findSend`). */
  sentFrameAt(at: number): number {
    return at === 0 ? this.sentFrame : this.recentSends![(at - 1) * 3 + 1]!;
  }
  sentTimeAt(at: number): number {
    return at === 0 ? this.flow.times[this.at + SENT_TIME]! : this.recentSends![(at - 1) * 3 + 2]!;
  }

  /** Largest data segment sent (payload bytes, at most 32767; a TSO/GSO super-segment counts whole). */
  get largestSegment(): number {
    return this.segmentSizes & 0x7fff;
  }
  /** Largest data segment sent that the peer had acknowledged: an ACK that covered everything this side had sent then. */
  get largestAcknowledgedSegment(): number {
    return this.segmentSizes >>> 15;
  }
  /** Account a new (not retransmitted) data segment of `length` bytes. */
  noteSegment(length: number): void {
    const n = Math.min(length, 0x7fff);
    if (n > (this.segmentSizes & 0x7fff)) this.segmentSizes = (this.segmentSizes & ~0x7fff) | n;
  }
  /** The peer acknowledged everything this side had sent: every segment so far got through. */
  noteAllAcknowledged(): void {
    this.segmentSizes = (this.segmentSizes & 0x7fff) | ((this.segmentSizes & 0x7fff) << 15);
  }

  /** Textual address, made when read (findings and listings read it; packets never do). */
  get address(): string {
    return this.flow.addressOf(this);
  }

  /** The rare facts, made now if needed. */
  private get rare(): TcpEndpointEvents {
    return (this.events ??= new TcpEndpointEvents());
  }

  /** Next sequence number expected after everything this side sent; valid when `seqValid`. */
  get nextSeq(): number {
    return this.next < 0 ? 0 : this.next;
  }
  set nextSeq(seq: number) {
    this.next = seq;
  }
  get seqValid(): boolean {
    return this.next >= 0;
  }
  /** Highest ACK this side sent; valid when `ackValid`. */
  get highestAck(): number {
    return this.acked < 0 ? 0 : this.acked;
  }
  set highestAck(ack: number) {
    this.acked = ack;
  }
  get ackValid(): boolean {
    return this.acked >= 0;
  }

  /** Frames of the SYNs sent (bounded), and their times. */
  get synFrames(): readonly number[] {
    return this.synCount === 0 ? EMPTY_LIST : this.events !== null && this.events.synFrames.length > 0 ? this.events.synFrames : [this.synFrame];
  }
  get synTimes(): readonly number[] {
    return this.synCount === 0 ? EMPTY_LIST : this.events !== null && this.events.synTimes.length > 0 ? this.events.synTimes : [this.synTime];
  }
  /** Frames of the SYN-ACKs sent (bounded), and their times. */
  get synAckFrames(): readonly number[] {
    return this.synAckCount === 0 ? EMPTY_LIST : this.events !== null && this.events.synAckFrames.length > 0 ? this.events.synAckFrames : [this.synAckFrame];
  }
  get synAckTimes(): readonly number[] {
    return this.synAckCount === 0 ? EMPTY_LIST : this.events !== null && this.events.synAckTimes.length > 0 ? this.events.synAckTimes : [this.synAckTime];
  }
  /** The latest SYN kept: its frame (-1 when none) and time (`orElse` when none). */
  lastSynFrame(): number {
    const list = this.events?.synFrames;
    return list !== undefined && list.length > 0 ? list[list.length - 1]! : this.synCount > 0 ? this.synFrame : -1;
  }
  lastSynTime(orElse: number): number {
    const list = this.events?.synTimes;
    return list !== undefined && list.length > 0 ? list[list.length - 1]! : this.synCount > 0 ? this.synTime : orElse;
  }

  /** Record a SYN (without ACK) sent. */
  noteSyn(frame: number, time: number): void {
    if (this.synCount++ === 0) {
      this.synFrame = frame;
      this.synTime = time;
      return;
    }
    const e = this.rare;
    if (e.synFrames.length === 0) {
      e.synFrames = [this.synFrame, frame];
      e.synTimes = [this.synTime, time];
    } else if (e.synFrames.length < MAX_TRACKED_EVENTS) {
      e.synFrames.push(frame);
      e.synTimes.push(time);
    }
  }

  /** Record a SYN-ACK sent. */
  noteSynAck(frame: number, time: number): void {
    if (this.synAckCount++ === 0) {
      this.synAckFrame = frame;
      this.synAckTime = time;
      return;
    }
    const e = this.rare;
    if (e.synAckFrames.length === 0) {
      e.synAckFrames = [this.synAckFrame, frame];
      e.synAckTimes = [this.synAckTime, time];
    } else if (e.synAckFrames.length < MAX_TRACKED_EVENTS) {
      e.synAckFrames.push(frame);
      e.synAckTimes.push(time);
    }
  }

  /** Record a RST sent. */
  noteRst(frame: number, time: number): void {
    const e = this.rare;
    e.rstCount++;
    if (e.rstFrames.length === 0) {
      e.rstFrames = [frame];
      e.rstTimes = [time];
    } else if (e.rstFrames.length < MAX_TRACKED_EVENTS) {
      e.rstFrames.push(frame);
      e.rstTimes.push(time);
    }
  }

  /** RSTs sent. */
  get rstCount(): number {
    return this.events === null ? 0 : this.events.rstCount;
  }
  /** Frame and time of the first RST sent (-1 and 0 when none). */
  get rstFrame(): number {
    return this.events !== null && this.events.rstCount > 0 ? this.events.rstFrames[0]! : -1;
  }
  get rstTime(): number {
    return this.events !== null && this.events.rstCount > 0 ? this.events.rstTimes[0]! : 0;
  }
  /** Frames of RSTs sent (bounded), and their times. */
  get rstFrames(): readonly number[] {
    return this.events === null ? EMPTY_LIST : this.events.rstFrames;
  }
  get rstTimes(): readonly number[] {
    return this.events === null ? EMPTY_LIST : this.events.rstTimes;
  }

  /** Data segments sent again. */
  get retransmissions(): number {
    return this.events === null ? 0 : this.events.retransmissions;
  }
  /** Sequence number of this side's latest retransmitted segment while unacknowledged, -1 when none. */
  get pendingRetransmission(): number {
    return this.events !== null && this.events.retransmissionPending ? this.events.retransmittedSeq : -1;
  }
  /** @internal Note a retransmission of `seq`; true when it is not the pending one again. */
  noteRetransmission(seq: number): boolean {
    const e = this.rare;
    const fresh = !e.retransmissionPending || e.retransmittedSeq !== seq;
    e.retransmissions++;
    e.retransmissionPending = true;
    e.retransmittedSeq = seq;
    return fresh;
  }
  /** @internal The pending retransmission was acknowledged. */
  retransmissionAcked(): void {
    this.rare.retransmissionPending = false;
  }
  /** Zero-window advertisements sent. */
  get zeroWindows(): number {
    return this.events === null ? 0 : this.events.zeroWindows;
  }
  /** The latest window this side advertised was zero (a sender must probe it). */
  get windowClosed(): boolean {
    return this.events !== null && this.events.windowClosed;
  }
  /** @internal The rare facts, for the history (see TcpEndpointEvents.lastSynSeq). */
  get rareFacts(): TcpEndpointEvents {
    return this.rare;
  }
  /** @internal The rare facts if made, else null. */
  get rareFactsIfAny(): TcpEndpointEvents | null {
    return this.events;
  }
  /** @internal Note the window this side advertised (zero or not). */
  noteWindow(zero: boolean): void {
    const e = this.rare;
    if (zero) e.zeroWindows++;
    e.windowClosed = zero;
  }
}

/** Option kinds kept in a SYN's signature: 7 codes of 4 bits stay a small integer. */
const SYN_SIGNATURE_OPTIONS = 7;

/**
 * The option kinds of a SYN in their order on the wire, NOPs left out, packed 4 bits each with
 * the first option in the highest bits: code = kind + 1 (EOL 1, MSS 3, window scale 4, SACK
 * permitted 5, timestamps 9), 15 for kinds above 13; the list ends at EOL or after 7 options.
 * Stacks order their SYN options differently (Linux: MSS, SACK permitted, timestamps, window
 * scale; Windows: MSS, window scale, SACK permitted; Apple: MSS, window scale, timestamps, SACK
 * permitted, EOL), which hints at the stack and so at its SYN retry schedule.
 */
export function synOptionSignature(buf: Uint8Array, offset: number, length: number): number {
  let signature = 0;
  let kept = 0;
  const end = Math.min(offset + length, buf.length);
  let o = offset;
  while (o < end && kept < SYN_SIGNATURE_OPTIONS) {
    const kind = buf[o]!;
    if (kind === 1) {
      o++;
      continue;
    }
    signature = signature * 16 + (kind > 13 ? 15 : kind + 1);
    kept++;
    if (kind === 0 || o + 1 >= end) break;
    const len = buf[o + 1]!;
    if (len < 2) break;
    o += len;
  }
  return signature;
}

/**
 * Each history seen, with what it becomes with one more letter. Conversations share a few dozen
 * histories ("ShADadFf"), so each conversation points to a shared string instead of holding a
 * string of its own and making a new one at each letter. Bounded: past MAX_SHARED_HISTORIES,
 * histories are made per conversation as before.
 */
const HISTORY_NEXT = new Map<string, Map<string, string>>();
const MAX_SHARED_HISTORIES = 4096;
let sharedHistories = 0;

/** `history` followed by `letter`, shared with every conversation that has the same history. */
function extendHistory(history: string, letter: string): string {
  let next = HISTORY_NEXT.get(history);
  const known = next?.get(letter);
  if (known !== undefined) return known;
  const longer = history + letter;
  if (sharedHistories >= MAX_SHARED_HISTORIES) return longer;
  if (next === undefined) HISTORY_NEXT.set(history, (next = new Map()));
  next.set(letter, longer);
  sharedHistories++;
  return longer;
}

/** New segments remembered per endpoint for retransmission series (see `TcpEndpoint.recentSends`). */
const RECENT_SENDS = 8;

const SYN_ACK_SEEN = FLOW_SUBCLASS_BITS;
const ESTABLISHED = FLOW_SUBCLASS_BITS << 1;
const MIDSTREAM = FLOW_SUBCLASS_BITS << 2;
const CLOSED = FLOW_SUBCLASS_BITS << 3;
/** Above the history bits (8 letters, both sides, from HISTORY_SEEN_SHIFT). */
const REJECTED = 1 << 24;
/** The client (server) sent payload or a FIN: `onFirstDataOrFin` was raised for it. */
const CLIENT_USED = 1 << 25;
const SERVER_USED = 1 << 26;
/** History letters already written: one bit per letter and side (see `mark`), from this bit up. */
const HISTORY_SEEN_SHIFT = 8;
// Zeek's history masks (HIST_SYN_PKT…), one bit per side each.
const H_SYN = 1;
const H_FIN = 2;
const H_RST = 4;
const H_FIN_RST = 8;
const H_DATA = 16;
const H_ACK = 32;
const H_MULTI_FLAG = 64;

/** Zeek's ScaledHistoryEntry: t, w (and c, g) are written at the 1st, 10th, 100th… time. */
function scaledHistoryCount(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}

/** A TCP conversation, as Wireshark's `tcp.stream` numbers them. */
export class TcpConversation extends BaseFlow<TcpEndpoint> {
  /** Always 'tcp' (on the prototype: one field less per conversation). */
  declare readonly kind: 'tcp';

  /** The server answered the first SYN with SYN-ACK. */
  get synAckSeen(): boolean {
    return (this.bits & SYN_ACK_SEEN) !== 0;
  }
  set synAckSeen(yes: boolean) {
    this.setBit(SYN_ACK_SEEN, yes);
  }
  /** Handshake completed: SYN, SYN-ACK, then an ACK from the SYN sender. */
  get established(): boolean {
    return (this.bits & ESTABLISHED) !== 0;
  }
  set established(yes: boolean) {
    this.setBit(ESTABLISHED, yes);
  }
  establishedFrame = -1;
  /** The capture began after the handshake (first packet was not a SYN/SYN-ACK). */
  get midstream(): boolean {
    return (this.bits & MIDSTREAM) !== 0;
  }
  set midstream(yes: boolean) {
    this.setBit(MIDSTREAM, yes);
  }
  /** A RST from the server acknowledged the client's SYN before any SYN-ACK: the attempt was refused (Zeek's REJ). */
  get rejected(): boolean {
    return (this.bits & REJECTED) !== 0;
  }
  /** The client sent a SYN and then received a RST while the handshake was incomplete. */
  get closed(): boolean {
    return (this.bits & CLOSED) !== 0;
  }
  set closed(yes: boolean) {
    this.setBit(CLOSED, yes);
  }
  /** Zeek's conn.log `history` of the conversation so far (see `historyOfFlags`); shared between conversations, never copied. */
  history = '';
  /** Where reassembled streams get their limits and memory; null: no reassembly. */
  reassembly: ReassemblyPool | null = null;
  /** Zeek's conn_state for the conversation as seen so far (see ConnState). */
  get connState(): ConnState {
    return connStateOf(this);
  }
  /**
   * The acknowledgment number of the plain ACK that answered the client's SYNs without
   * acknowledging them (see `TcpEvents.onSynAnsweredByAck`), -1 when none. At most one: that ACK
   * ends the run of SYNs.
   */
  private synAnswerAck = -1;

  /**
   * `key` is the creating packet's identity (its sender becomes endpoint A); `flags` are its TCP
   * flags (-1 when unknown, e.g. created from an ICMP quote).
   */
  constructor(stream: number, key: FlowKeyView, flags: number, frame: number, tsSec: number, tsNsec: number, time: number, words: Uint32Array, slot: number) {
    // The originator is who sent the SYN; a SYN-ACK's receiver; else the sender of the first
    // packet, unless its port looks like the server's (capture began mid-connection).
    let aIsClient = true;
    if (flags >= 0 && (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) aIsClient = false;
    else if ((flags < 0 || !(flags & TCP_SYN)) && key.srcPort < 1024 && key.dstPort >= 1024) aIsClient = false;
    // Start and last time, then each endpoint's (see TcpEndpoint's times): -Infinity is its last
    // time before any packet, and being no small integer it makes the array one of doubles.
    super(stream, key, words, slot, TcpEndpoint, aIsClient, frame, tsSec, tsNsec, [time, time, 0, 0, 0, 0, -Infinity, 0, 0, 0, 0, 0, -Infinity, 0]);
    this.midstream = flags >= 0 && !(flags & TCP_SYN);
  }

  /**
   * A conversation brought back from its tombstone: the same client as before, and each side's
   * base sequence (so port reuse is still told from a retransmitted SYN).
   */
  restoreOrientation(clientIsA: boolean, aBaseSeq: number, bBaseSeq: number): void {
    this.orient(clientIsA);
    const a = clientIsA ? this.client : this.server;
    const b = clientIsA ? this.server : this.client;
    a.baseSeq = aBaseSeq;
    b.baseSeq = bBaseSeq;
    this.midstream = true;
  }

  /** Append `letter` (the responder's; upper case when `fromClient`) to the history. */
  private addHistory(letter: string, fromClient: boolean): void {
    this.history = extendHistory(this.history, fromClient ? letter.toUpperCase() : letter);
  }

  /** Zeek's CheckHistory: the first time this side shows `bit`, write `letter`; true when it had shown it before. */
  private seenBefore(letter: string, bit: number, fromClient: boolean): boolean {
    const b = (fromClient ? bit : bit << 8) << HISTORY_SEEN_SHIFT;
    if (this.bits & b) return true;
    this.bits |= b;
    this.addHistory(letter, fromClient);
    return false;
  }

  /**
   * The letters of one segment, by Zeek's rules (conn.log `history`): a SYN, FIN or RST alone
   * gives s/h, f or r, written again when its sequence number differs from the last of that
   * flag; two of them give q (i for FIN+RST), once; a segment with none gives d for payload,
   * else a for an ACK, once. Upper case for the originator.
   */
  private historyOfFlags(snd: TcpEndpoint, flags: number, seq: number, len: number, fromClient: boolean): void {
    const syn = (flags & TCP_SYN) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const set = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (set > 1) {
      if (fin && rst) this.seenBefore('i', H_FIN_RST, fromClient);
      else this.seenBefore('q', H_MULTI_FLAG, fromClient);
    } else if (syn) {
      const letter = (flags & TCP_ACK) !== 0 ? 'h' : 's';
      const e = snd.rareFactsIfAny;
      const last = e !== null && e.lastSynSeq >= 0 ? e.lastSynSeq : snd.isn;
      if (this.seenBefore(letter, H_SYN, fromClient) && seq !== last) this.addHistory(letter, fromClient);
      if (seq !== last) snd.rareFacts.lastSynSeq = seq;
    } else if (fin) {
      const end = seqAdd(seq, len);
      const e = snd.rareFactsIfAny;
      const last = e !== null && e.lastFinSeq >= 0 ? e.lastFinSeq : snd.finSeq;
      if (this.seenBefore('f', H_FIN, fromClient) && end !== last) this.addHistory('f', fromClient);
      if (end !== last) snd.rareFacts.lastFinSeq = end;
    } else if (rst) {
      const e = snd.rareFacts;
      if (this.seenBefore('r', H_RST, fromClient) && seq !== e.lastRstSeq) this.addHistory('r', fromClient);
      e.lastRstSeq = seq;
    } else if (len > 0) {
      this.seenBefore('d', H_DATA, fromClient);
    } else if ((flags & TCP_ACK) !== 0) {
      this.seenBefore('a', H_ACK, fromClient);
    }
  }

  /** Account one TCP segment. `fromA` says which endpoint sent it; `events` hears the rare moments. */
  update(p: Packet, fromA: boolean, events: TcpEvents = NO_EVENTS): void {
    const fromClient = fromA === this.clientIsA;
    const snd = fromClient ? this.client : this.server;
    const rcv = fromClient ? this.server : this.client;
    if (!fromA) this.bSeen = true;
    const flags = p.tcpFlags;
    const seq = p.tcpSeq;
    // Sequence space follows the length on the wire, not what the snaplen kept.
    const len = p.wirePayloadLength;
    const t = p.time;
    this.packets++;
    this.lastFrame = p.frame;
    this.lastTime = t;
    this.endSec = p.tsSec;
    this.endNsec = p.tsNsec;
    snd.packets++;
    if (snd.baseSeq < 0) snd.baseSeq = seq;

    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const fin = (flags & TCP_FIN) !== 0;

    if (syn && !ack) {
      snd.noteSyn(p.frame, t);
      if (snd.isn < 0) this.firstSyn(snd, p);
      events.onSyn?.(this, p, fromClient);
    } else if (syn && ack) {
      snd.noteSynAck(p.frame, t);
      if (snd.isn < 0) this.firstSyn(snd, p);
      if (!fromClient) this.synAckSeen = true;
      events.onSynAck?.(this, p, fromClient);
    }

    // RFC 9293 §3.10.7.3: in SYN-SENT a RST counts only when its ACK acknowledges the SYN
    // (ISN < SEG.ACK =< SND.NXT); any other RST is dropped and the client retries its SYN.
    const ignoredReset = rst && !fromClient && this.synRun === 'syns' && this.client.isn >= 0 && !(ack && seqLt(this.client.isn, p.tcpAck) && seqLte(p.tcpAck, this.client.nextSeq));
    // The RST a client sends in answer to an unacceptable ACK in SYN-SENT (RFC 9293 §3.10.7.3:
    // <SEQ=SEG.ACK><CTL=RST>, e.g. to a stale ACK) leaves it in SYN-SENT: it retries its SYN,
    // the attempt goes on, and the conversation is not closed.
    const staleAnswerReset = rst && fromClient && !this.synAckSeen && this.synAnswerAck >= 0 && seq === this.synAnswerAck;
    if (rst) {
      snd.noteRst(p.frame, t);
      // Refusal: the server resets while the client has sent only SYNs since the start or since
      // the previous refusal (Windows retries a refused SYN from the same port).
      const answer = ignoredReset ? RstAnswer.Ignored : !fromClient && this.synRun === 'syns' ? RstAnswer.Refused : RstAnswer.Other;
      if (answer === RstAnswer.Refused) this.setBit(REJECTED, true);
      events.onRst?.(this, p, fromClient, answer);
      if (!ignoredReset && !staleAnswerReset) this.closed = true;
    }
    // A SYN answered by a plain ACK that does not acknowledge it: the server holds another
    // connection on this 4-tuple (RFC 5961 §4 challenge ACK, or RFC 793 §3.4: the server lost or kept an old connection).
    if (!fromClient && ack && !syn && !rst && this.synRun === 'syns' && this.client.isn >= 0 && p.tcpAck !== seqAdd(this.client.isn, 1)) {
      this.synAnswerAck = p.tcpAck;
      events.onSynAnsweredByAck?.(this, p);
    }
    // The run of client-only SYNs that makes a refusal (see `synRun`).
    if (syn && !ack && !rst && fromClient) {
      this.synRun = this.synRun === 'broken' ? 'broken' : 'syns';
    } else if (ignoredReset) {
      // Dropped by the client: its SYN run goes on.
    } else if (rst && !fromClient && this.synRun === 'syns') {
      this.synRun = 'after-refusal';
    } else {
      this.synRun = 'broken';
    }

    if (fin) {
      if (snd.finFrame < 0) {
        snd.finFrame = p.frame;
        snd.finTime = t;
        // The FIN takes the number after the segment's payload (and its SYN, if any).
        snd.finSeq = seqAdd(seq, len + (syn ? 1 : 0));
      }
      if (this.client.finFrame >= 0 && this.server.finFrame >= 0) this.closed = true;
    }
    this.historyOfFlags(snd, flags, seq, len, fromClient);

    // Handshake completion: the SYN sender ACKs (no SYN, no RST) after the peer's SYN-ACK.
    if (ack && !syn && !rst && fromClient && this.synAckSeen && this.client.synCount > 0 && !this.established) {
      this.established = true;
      this.establishedFrame = p.frame;
      events.onEstablished?.(this, p);
    }
    if ((len > 0 || fin) && !syn && !rst) {
      const used = fromClient ? CLIENT_USED : SERVER_USED;
      if ((this.bits & used) === 0) {
        this.bits |= used;
        events.onFirstDataOrFin?.(this, p, fromClient);
      }
    }

    // Sequence space: SYN and FIN each take one number.
    const segEnd = seqAdd(seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
    let resent = syn && (ack ? snd.synAckCount : snd.synCount) > 1;
    let resentData = false;
    if (len > 0) {
      snd.bytes += len;
      snd.lastDataFrame = p.frame;
      snd.lastDataTime = t;
      if (this.reassembly !== null && !rst) this.feedStream(snd, p, syn ? seqAdd(seq, 1) : seq, len);
      // A 1-byte segment one below the next sequence, with no series under way, is a keep-alive
      // probe after idle, not a retransmission.
      const isRetransmission = snd.seqValid && seqLte(segEnd, snd.nextSeq) && !(len === 1 && seqAdd(seq, 1) === snd.nextSeq && !rst && snd.pendingRetransmission < 0);
      if (isRetransmission && !rst) {
        resent = true;
        resentData = true;
        const newSeries = snd.noteRetransmission(seq);
        if (events.onRetransmission !== undefined) {
          const original = newSeries ? snd.findSend(seq) : -1;
          events.onRetransmission(this, p, fromClient, newSeries, original >= 0 ? snd.sentFrameAt(original) : -1, original >= 0 ? snd.sentTimeAt(original) : 0);
        }
      } else if (!rst) {
        snd.rememberSend(seq, p.frame, t);
        snd.noteSegment(len);
      }
    }
    if (!rst && (!snd.seqValid || seqLt(snd.nextSeq, segEnd))) snd.nextSeq = segEnd;

    if (ack && !rst) {
      const a = p.tcpAck;
      if (!snd.ackValid || seqLt(snd.highestAck, a)) snd.highestAck = a;
      if (rcv.seqValid && a === rcv.nextSeq && rcv.largestSegment > rcv.largestAcknowledgedSegment) rcv.noteAllAcknowledged();
      // The peer's retransmitted segment is acknowledged when this ACK covers it.
      const pending = rcv.pendingRetransmission;
      if (pending >= 0 && seqLt(pending, a)) {
        rcv.retransmissionAcked();
        events.onRetransmissionAcked?.(this, p, !fromClient);
      }
    }
    if (p.tcpWindow === 0 && !rst && !syn) {
      snd.noteWindow(true);
      if (scaledHistoryCount(snd.zeroWindows)) this.addHistory('w', fromClient);
      events.onZeroWindow?.(this, p, fromClient);
    } else if (snd.windowClosed && !rst && !syn) {
      snd.noteWindow(false);
      events.onWindowOpen?.(this, p, fromClient);
    }
    if (resentData && scaledHistoryCount(snd.retransmissions)) this.addHistory('t', fromClient);
    // Anything but a RST sent into a zero window is a probe (Linux: 0 bytes at snd_una - 1;
    // Windows: 1 byte of new data).
    if (rcv.windowClosed && !rst && !syn) events.onZeroWindowProbe?.(this, p, fromClient);
    snd.lastTime = t;
    // The ladder's facts about this packet (see PacketLog); no allocation per packet.
    this.log.recordSegment(p.frame, t, fromA, flags, len, resent, p.tcpWindow === 0 && !rst && !syn);
  }

  /** Keep what the first SYN (or SYN-ACK) of `snd` says about its sender's stack. */
  private firstSyn(snd: TcpEndpoint, p: Packet): void {
    snd.isn = p.tcpSeq;
    snd.synTtl = p.ttl;
    snd.synOptions = p.tcpOptionsLength > 0 ? synOptionSignature(p.buf, p.tcpOptionsOffset, p.tcpOptionsLength) : 0;
  }

  /**
   * Whether a RST or ACK from the server answers the client's SYNs (the client is still in
   * SYN-SENT): 'start': nothing yet; 'syns': only client SYNs since the start or the last
   * refusal; 'after-refusal': the last packet was a refusing RST; 'broken': anything else happened.
   */
  private synRun: 'start' | 'syns' | 'after-refusal' | 'broken' = 'start';


  /** Copy the kept part of a segment's payload into the sender's stream (lazily created). */
  private feedStream(snd: TcpEndpoint, p: Packet, dataSeq: number, wireLength: number): void {
    let stream = snd.stream;
    if (stream === null) {
      // The stream starts after the SYN when the handshake was seen, else at the first data.
      stream = snd.stream = new StreamReassembler(snd.isn >= 0 ? seqAdd(snd.isn, 1) : dataSeq, this.reassembly!);
    }
    try {
      stream.add(dataSeq, p.buf, p.payloadOffset, p.payloadLength, wireLength, p.frame);
    } catch (e) {
      // A fault of ours in reassembly costs this conversation its application context, never
      // the analysis: its kept bytes are dropped and it keeps no more.
      const pool = this.reassembly!;
      this.releaseStreams();
      this.client.stream = null;
      this.server.stream = null;
      this.reassembly = null;
      pool.onFault('reassembly', p.frame, this, e);
    }
  }

  /** Free both directions' kept bytes (the flow table calls this once the conversation is decided). */
  releaseStreams(): void {
    this.client.stream?.release();
    this.server.stream?.release();
  }

  /**
   * Closed in order (FIN both ways) with nothing a rule looks at (no RST, no retransmission, no
   * zero window): its kept bytes can go back to the pool at once, since application context only
   * explains failures.
   */
  closedCleanly(): boolean {
    const c = this.client;
    const s = this.server;
    return c.finFrame >= 0 && s.finFrame >= 0 && c.rstCount === 0 && s.rstCount === 0 && c.retransmissions === 0 && s.retransmissions === 0 && c.zeroWindows === 0 && s.zeroWindows === 0;
  }

}
Object.defineProperty(TcpConversation.prototype, 'kind', { value: 'tcp' });
