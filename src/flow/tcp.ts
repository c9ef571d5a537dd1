/**
 * A TCP conversation: per-endpoint state, a Zeek-style history string, and the facts the rules
 * need (SYN retries, the answer to the SYN, resets, FINs, data retransmission series), all
 * bounded in size whatever the conversation's length.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Packet } from '../decode/packet.js';
import type { FlowKeyView } from './key.js';
import { BaseFlow, EMPTY_LIST, FLOW_SUBCLASS_BITS, FLOW_SUBCLASS_TIMES, MAX_TRACKED_EVENTS, type EndpointOwner } from './flow.js';
import { StreamReassembler, type ReassemblyPool } from './reassembly.js';
import { seqAdd, seqLt, seqLte } from './seq.js';

export { EMPTY_LIST, MAX_TRACKED_EVENTS, type IcmpLink } from './flow.js';

/** One transmission of a data segment in a retransmission series. */
export interface Transmission {
  frame: number;
  time: number;
}

/** A segment sent again and again: the series the `connection-aborted` rule looks at. */
export interface RetransmissionSeries {
  seq: number;
  length: number;
  /** The original transmission when known, then each retransmission, in order (bounded). */
  sends: Transmission[];
  /** Retransmissions counted (may exceed sends.length - 1 when the list is full). */
  retransmissions: number;
  /** Set when the peer acknowledged the segment. */
  acked: boolean;
}

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
  series: RetransmissionSeries | null = null;
  worstSeries: RetransmissionSeries | null = null;
  zeroWindows = 0;
  zeroWindow: ZeroWindowEpisode | null = null;
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
  set retransmissions(n: number) {
    this.rare.retransmissions = n;
  }
  /** The current unacknowledged retransmission series, or null. */
  get series(): RetransmissionSeries | null {
    return this.events === null ? null : this.events.series;
  }
  set series(s: RetransmissionSeries | null) {
    if (s !== null || this.events !== null) this.rare.series = s;
  }
  /** The longest series seen that was never acknowledged, kept after a newer series starts. */
  get worstSeries(): RetransmissionSeries | null {
    return this.events === null ? null : this.events.worstSeries;
  }
  set worstSeries(s: RetransmissionSeries | null) {
    if (s !== null || this.events !== null) this.rare.worstSeries = s;
  }
  /** Zero-window advertisements sent. */
  get zeroWindows(): number {
    return this.events === null ? 0 : this.events.zeroWindows;
  }
  set zeroWindows(n: number) {
    this.rare.zeroWindows = n;
  }
  /** The latest zero-window episode of this side as a receiver, or null (see ZeroWindowEpisode). */
  get zeroWindow(): ZeroWindowEpisode | null {
    return this.events === null ? null : this.events.zeroWindow;
  }
  set zeroWindow(z: ZeroWindowEpisode | null) {
    if (z !== null || this.events !== null) this.rare.zeroWindow = z;
  }
}

/** A receiver advertising a zero window, the peer's probes, and whether the window opened again. */
export interface ZeroWindowEpisode {
  /** Zero-window episodes of this side so far (this object describes the latest). */
  episodes: number;
  firstFrame: number;
  firstTime: number;
  /** The latest zero-window advertisement. */
  lastFrame: number;
  lastTime: number;
  /** True while the window is still zero (no non-zero window advertised since). */
  closed: boolean;
  reopenFrame: number;
  reopenTime: number;
  /** Segments the peer sent while the window was zero (window probes), counted and bounded. */
  probes: number;
  probeFrames: number[];
  probeTimes: number[];
}

/** The server answered a SYN with a plain ACK for another sequence (challenge ACK, stale state). */
export interface SynAnsweredByAck {
  synFrame: number;
  synTime: number;
  ackFrame: number;
  ackTime: number;
  /** Acknowledgment number of that ACK, and what the SYN expected (ISN + 1). */
  ack: number;
  expected: number;
}

/**
 * A RST that answered a SYN but does not acknowledge it: RFC 9293 §3.10.7.3 says a client in
 * SYN-SENT drops it (Linux, Windows, BSD do), so it refuses nothing; the client keeps retrying.
 */
export interface IgnoredReset {
  synFrame: number;
  rstFrame: number;
  rstTime: number;
  /** The RST's acknowledgment number, -1 when its ACK bit was off; and what the SYN expected (ISN + 1). */
  ack: number;
  expected: number;
}

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
/** History letters already written: one bit per letter and side (see `mark`), from this bit up. */
const HISTORY_SEEN_SHIFT = 8;

/** A refused attempt: the client's last SYN and the server's RST. */
export interface Refusal {
  synFrame: number;
  synTime: number;
  rstFrame: number;
  rstTime: number;
}

/**
 * What few conversations have (a refusal, an ignored RST, a stray ACK to a SYN, a reset after the
 * handshake), kept apart so that the others carry one null field instead of five.
 */
class TcpConversationResets {
  refusals: Refusal[] = EMPTY_LIST;
  synAnsweredByAck: SynAnsweredByAck[] = EMPTY_LIST;
  ignoredResets: IgnoredReset[] = EMPTY_LIST;
  ignoredResetCount = 0;
  firstReset: FirstResetFacts | null = null;
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
  /** A RST came from the server while only SYNs had been seen from the client (refusal), per attempt. */
  get refusals(): Refusal[] {
    return this.resets === null ? EMPTY_LIST : this.resets.refusals;
  }
  set refusals(list: Refusal[]) {
    this.rareResets.refusals = list;
  }
  /** The client sent a SYN and then received a RST while the handshake was incomplete. */
  get closed(): boolean {
    return (this.bits & CLOSED) !== 0;
  }
  set closed(yes: boolean) {
    this.setBit(CLOSED, yes);
  }
  /** Frame of the first RST after the handshake completed, -1 if none. */
  get firstRstAfterHandshake(): number {
    return this.firstReset === null ? -1 : this.firstReset.frame;
  }
  history = '';
  /** Where reassembled streams get their limits and memory; null: no reassembly. */
  reassembly: ReassemblyPool | null = null;
  /** Refusals, ignored resets, SYNs answered by a stray ACK, the first reset: made at the first. */
  private resets: TcpConversationResets | null = null;
  private get rareResets(): TcpConversationResets {
    return (this.resets ??= new TcpConversationResets());
  }
  /** SYNs answered by a plain ACK for another sequence (bounded). */
  get synAnsweredByAck(): SynAnsweredByAck[] {
    return this.resets === null ? EMPTY_LIST : this.resets.synAnsweredByAck;
  }
  set synAnsweredByAck(list: SynAnsweredByAck[]) {
    this.rareResets.synAnsweredByAck = list;
  }
  /** RSTs from the server that answered SYNs without acknowledging them (bounded); `ignoredResetCount` counts all. */
  get ignoredResets(): IgnoredReset[] {
    return this.resets === null ? EMPTY_LIST : this.resets.ignoredResets;
  }
  set ignoredResets(list: IgnoredReset[]) {
    this.rareResets.ignoredResets = list;
  }
  get ignoredResetCount(): number {
    return this.resets === null ? 0 : this.resets.ignoredResetCount;
  }
  set ignoredResetCount(n: number) {
    this.rareResets.ignoredResetCount = n;
  }
  /** The first RST after the handshake, when there was one. */
  get firstReset(): FirstResetFacts | null {
    return this.resets === null ? null : this.resets.firstReset;
  }
  set firstReset(facts: FirstResetFacts | null) {
    if (facts !== null || this.resets !== null) this.rareResets.firstReset = facts;
  }

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

  private mark(letter: string, bit: number, fromClient: boolean): void {
    const b = (fromClient ? bit : bit << 8) << HISTORY_SEEN_SHIFT;
    if (this.bits & b) return;
    this.bits |= b;
    this.history = extendHistory(this.history, fromClient ? letter.toUpperCase() : letter);
  }

  /** Account one TCP segment. `fromA` says which endpoint sent it. */
  update(p: Packet, fromA: boolean): void {
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
      this.mark('s', 1, fromClient);
    } else if (syn && ack) {
      snd.noteSynAck(p.frame, t);
      if (snd.isn < 0) this.firstSyn(snd, p);
      if (!fromClient) this.synAckSeen = true;
      this.mark('h', 2, fromClient);
    }

    // RFC 9293 §3.10.7.3: in SYN-SENT a RST counts only when its ACK acknowledges the SYN
    // (ISN < SEG.ACK =< SND.NXT); any other RST is dropped and the client retries its SYN.
    const ignoredReset = rst && !fromClient && this.synRun === 'syns' && this.client.isn >= 0 && !(ack && seqLt(this.client.isn, p.tcpAck) && seqLte(p.tcpAck, this.client.nextSeq));
    // The RST a client sends in answer to an unacceptable ACK in SYN-SENT (RFC 9293 §3.10.7.3:
    // <SEQ=SEG.ACK><CTL=RST>, e.g. to a stale ACK) leaves it in SYN-SENT: it retries its SYN,
    // the attempt goes on, and the conversation is not closed.
    const staleAnswerReset = rst && fromClient && !this.synAckSeen && this.synAnsweredByAck.length > 0 && seq === this.synAnsweredByAck[this.synAnsweredByAck.length - 1]!.ack;
    if (rst) {
      snd.noteRst(p.frame, t);
      this.mark('r', 4, fromClient);
      // Refusal: the server resets while the client has sent only SYNs since the start or since
      // the previous refusal (Windows retries a refused SYN from the same port).
      if (ignoredReset) {
        this.ignoredResetCount++;
        const ignored = { synFrame: this.client.lastSynFrame(), rstFrame: p.frame, rstTime: t, ack: ack ? p.tcpAck : -1, expected: seqAdd(this.client.isn, 1) };
        if (this.ignoredResets.length === 0) this.ignoredResets = [ignored];
        else if (this.ignoredResets.length < MAX_TRACKED_EVENTS) this.ignoredResets.push(ignored);
      } else if (!fromClient && this.synRun === 'syns') {
        const refusal = {
          synFrame: this.client.lastSynFrame(),
          synTime: this.client.lastSynTime(t),
          rstFrame: p.frame,
          rstTime: t,
        };
        if (this.refusals.length === 0) this.refusals = [refusal];
        else this.refusals.push(refusal);
      }
      if (this.established && this.firstReset === null) {
        this.firstReset = {
          frame: p.frame,
          flags,
          seq,
          peerAck: rcv.ackValid ? rcv.highestAck : -1,
          resetterIdle: t - snd.lastTime,
          answersPeerData: rcv.lastDataFrame >= 0 && rcv.lastDataTime >= snd.lastTime,
          // What the resetter had received when it reset: its ACKs so far, or the RST's own.
          resetterAck: ack && (!snd.ackValid || seqLt(snd.highestAck, p.tcpAck)) ? p.tcpAck : snd.ackValid ? snd.highestAck : -1,
          peerNextSeq: rcv.seqValid ? rcv.nextSeq : -1,
        };
      }
      if (!ignoredReset && !staleAnswerReset) this.closed = true;
    }
    // A SYN answered by a plain ACK that does not acknowledge it: the server holds another
    // connection on this 4-tuple (RFC 5961 §4 challenge ACK, or RFC 793 half-open recovery).
    if (!fromClient && ack && !syn && !rst && this.synRun === 'syns' && this.client.isn >= 0 && p.tcpAck !== seqAdd(this.client.isn, 1) && this.synAnsweredByAck.length < MAX_TRACKED_EVENTS) {
      const answer = {
        synFrame: this.client.lastSynFrame(),
        synTime: this.client.lastSynTime(t),
        ackFrame: p.frame,
        ackTime: t,
        ack: p.tcpAck,
        expected: seqAdd(this.client.isn, 1),
      };
      if (this.synAnsweredByAck.length === 0) this.synAnsweredByAck = [answer];
      else this.synAnsweredByAck.push(answer);
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
      this.mark('f', 8, fromClient);
      if (this.client.finFrame >= 0 && this.server.finFrame >= 0) this.closed = true;
    }

    // Handshake completion: the SYN sender ACKs (no SYN, no RST) after the peer's SYN-ACK.
    if (ack && !syn && !rst && fromClient && this.synAckSeen && this.client.synCount > 0 && !this.established) {
      this.established = true;
      this.establishedFrame = p.frame;
    }

    // Sequence space: SYN and FIN each take one number.
    const segEnd = seqAdd(seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
    let resent = syn && (ack ? snd.synAckCount : snd.synCount) > 1;
    if (len > 0) {
      snd.bytes += len;
      snd.lastDataFrame = p.frame;
      snd.lastDataTime = t;
      this.mark('d', 16, fromClient);
      if (this.reassembly !== null && !rst) this.feedStream(snd, p, syn ? seqAdd(seq, 1) : seq, len);
      // A 1-byte segment one below the next sequence, with no series under way, is a keep-alive
      // probe after idle, not a retransmission.
      const isRetransmission = snd.seqValid && seqLte(segEnd, snd.nextSeq) && !(len === 1 && seqAdd(seq, 1) === snd.nextSeq && !rst && snd.series === null);
      if (isRetransmission && !rst) {
        resent = true;
        snd.retransmissions++;
        this.mark('t', 32, fromClient);
        this.trackRetransmission(snd, seq, len, p.frame, t);
      } else if (!rst) {
        snd.rememberSend(seq, p.frame, t);
      }
    }
    if (!rst && (!snd.seqValid || seqLt(snd.nextSeq, segEnd))) snd.nextSeq = segEnd;

    if (ack && !rst) {
      const a = p.tcpAck;
      if (!snd.ackValid || seqLt(snd.highestAck, a)) snd.highestAck = a;
      // The receiver's series ends when this ACK covers its segment.
      const s = rcv.series;
      if (s && seqLt(s.seq, a)) {
        s.acked = true;
        rcv.series = null;
      }
      if (!syn && len === 0 && !fin) this.mark('a', 64, fromClient);
    }
    if (p.tcpWindow === 0 && !rst && !syn) {
      snd.zeroWindows++;
      this.mark('w', 128, fromClient);
      this.zeroWindowAdvertised(snd, p.frame, t);
    } else if (snd.zeroWindow !== null && snd.zeroWindow.closed && !rst && !syn) {
      snd.zeroWindow.closed = false;
      snd.zeroWindow.reopenFrame = p.frame;
      snd.zeroWindow.reopenTime = t;
    }
    // Anything but a RST sent into a zero window is a probe (Linux: 0 bytes at snd_una - 1;
    // Windows: 1 byte of new data).
    const zw = rcv.zeroWindow;
    if (zw !== null && zw.closed && !rst && !syn) {
      zw.probes++;
      if (zw.probeFrames.length < MAX_TRACKED_EVENTS) {
        zw.probeFrames.push(p.frame);
        zw.probeTimes.push(t);
      }
    }
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
   * 'start': nothing yet; 'syns': only client SYNs since the start or the last refusal;
   * 'after-refusal': the last packet was a refusing RST; 'broken': anything else happened.
   */
  private synRun: 'start' | 'syns' | 'after-refusal' | 'broken' = 'start';


  private trackRetransmission(snd: TcpEndpoint, seq: number, len: number, frame: number, time: number): void {
    let s = snd.series;
    if (!s || s.seq !== seq) {
      // A new series: start from the original transmission when we still remember it.
      if (s && !s.acked && (!snd.worstSeries || s.retransmissions >= snd.worstSeries.retransmissions)) snd.worstSeries = s;
      const original = snd.findSend(seq);
      s = { seq, length: len, sends: original >= 0 ? [{ frame: snd.sentFrameAt(original), time: snd.sentTimeAt(original) }] : [], retransmissions: 0, acked: false };
      snd.series = s;
    }
    s.retransmissions++;
    if (s.sends.length < MAX_TRACKED_EVENTS) s.sends.push({ frame, time });
    else s.sends[s.sends.length - 1] = { frame, time };
  }

  /** The unacknowledged series with the most retransmissions sent by `side`, if any. */
  stuckSeries(side: TcpEndpoint): RetransmissionSeries | null {
    const cur = side.series && !side.series.acked ? side.series : null;
    const worst = side.worstSeries && !side.worstSeries.acked ? side.worstSeries : null;
    if (cur && worst) return cur.retransmissions >= worst.retransmissions ? cur : worst;
    return cur ?? worst;
  }

  private zeroWindowAdvertised(snd: TcpEndpoint, frame: number, t: number): void {
    let zw = snd.zeroWindow;
    if (zw === null || !zw.closed) {
      const episodes = zw === null ? 1 : zw.episodes + 1;
      zw = { episodes, firstFrame: frame, firstTime: t, lastFrame: frame, lastTime: t, closed: true, reopenFrame: -1, reopenTime: 0, probes: 0, probeFrames: [], probeTimes: [] };
      snd.zeroWindow = zw;
    }
    zw.lastFrame = frame;
    zw.lastTime = t;
  }

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
