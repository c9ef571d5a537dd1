/**
 * The capture-quality pass, between the decoders and the flow table: what the capture itself
 * could and could not see, so that verdicts do not blame the network for the capture's doing.
 *
 * - Duplicated frames: a SPAN port, or a capture on two interfaces of one host (a bridge and its
 *   port, a VLAN interface and its parent, `-i any`), records each packet twice, microseconds to
 *   a few milliseconds apart. Read as two packets, the copy is a "retransmission", a SYN-ACK
 *   "sent again", a SYN "retried after 2 ms". A frame that repeats a packet accounted just
 *   before is set aside here (counted as the anomaly `duplicate_frame`; frame numbers stay the
 *   capture's own). Wireshark marks such copies as retransmissions; we do not.
 * - Which way packets travelled: per host pair, whether the capture holds packets in each
 *   direction, and whether it holds any pair seen both ways. A capture made on one side of an
 *   asymmetric path, or a tap that records one direction, never shows the answers: there,
 *   silence proves nothing and only retries prove that a request went unanswered. Rules ask
 *   through `RuleContext.returnPath` (see ReturnPath).
 *
 * Both run per packet, on bounded typed arrays allocated once (about 0.4 MB per analysis), with
 * no allocation per packet. Hash collisions can only make a copy look new (it is then analysed,
 * as before this pass existed) or a direction look seen (the verdict is then the one a two-way
 * capture gets): never the other way round, short of a 64-bit fingerprint collision.
 */
import { formatAddress, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Packet } from '../decode/packet.js';
import { seqAdd, seqLte } from './seq.js';
import { DUPLICATE_WINDOW, DUPLICATE_WINDOW_UNIDENTIFIED } from './timeouts.js';
import { wordsAt, type StoredFlowKey } from './key.js';

/**
 * What the capture shows of the way back from a flow's server to its client:
 * - `seen`: a packet from the server's address to the client's was captured (in this flow or
 *   another one);
 * - `unseen`: none was, although the capture does see packets reaching the client from other
 *   hosts: the silence is the server's (or its path's);
 * - `not-captured`: none was, and the capture holds no packet to the client from anyone, or no
 *   pair of hosts in both directions at all (a one-way capture): an answer may have been sent and
 *   not captured.
 */
export type ReturnPath = 'seen' | 'unseen' | 'not-captured';

/** Recent packets remembered for duplicate detection: a direct-mapped table (a power of two). */
const FINGERPRINT_SLOTS = 2048;
/**
 * Directed conversations (addresses and ports): the last packet each sent, to tell a copy from a
 * fast retransmission (a power of two).
 */
const DIRECTION_SLOTS = 4096;
/** Bits of the directed host-pair set (a power of two; 128 KiB). */
const PAIR_BITS = 1 << 20;
/** Bits of each host set, senders and receivers (a power of two; 32 KiB each). */
const HOST_BITS = 1 << 18;
/** Payload bytes of a UDP datagram or other non-TCP packet that enter its fingerprint. */
const FINGERPRINT_PAYLOAD_BYTES = 32;
/** Sender addresses kept as text for the one-way warning. */
const NAMED_SOURCES = 3;

/** FNV-1a's 32-bit prime, used on words for the second, unrelated fingerprint hash. */
const FNV_PRIME = 0x01000193;

/** Murmur3's 32-bit block mix: one word into the running hash. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** One word into the first fingerprint hash: a multiply and a shift (the finaliser spreads it). */
function step(h: number, k: number): number {
  h = Math.imul(h ^ k, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Murmur3's finaliser: every input bit moves every output bit (the low bits index the tables). */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Hash of one address (words `base`..`base + 3`, IPv4 in the last word), with its IP version. */
function hostHash(version: number, words: Uint32Array, base: number): number {
  if (version === 4) return avalanche(mix(4, words[base + 3]!));
  return avalanche(mix(mix(mix(mix(version, words[base]!), words[base + 1]!), words[base + 2]!), words[base + 3]!));
}

/**
 * Hash of the packet's direction: source and destination addresses and ports (swapped when
 * `reverse`: the key of the answers' direction). Packets without ports use 0.
 */
function directionKey(p: Packet, reverse: boolean): number {
  const w = p.addr;
  const s = reverse ? 4 : 0;
  const d = 4 - s;
  const ports = p.srcPort >= 0 ? (reverse ? (p.dstPort << 16) | p.srcPort : (p.srcPort << 16) | p.dstPort) : 0;
  let h = step(step(0x6a09e667 ^ p.ipVersion, w[s + 3]!), w[d + 3]!);
  if (p.ipVersion === 6) h = step(step(step(step(step(step(h, w[s]!), w[s + 1]!), w[s + 2]!), w[d]!), w[d + 1]!), w[d + 2]!);
  return avalanche(step(h, ports));
}

/** Hash of the directed pair src → dst, from both host hashes. */
function pairHash(src: number, dst: number): number {
  return avalanche(mix(mix(0x5bd1e995, src), dst));
}

function testBit(bits: Uint32Array, i: number): boolean {
  return (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
}

/** Set bit `i`; true when it was clear. */
function setBit(bits: Uint32Array, i: number): boolean {
  const w = i >>> 5;
  const m = 1 << (i & 31);
  const old = bits[w]!;
  if ((old & m) !== 0) return false;
  bits[w] = old | m;
  return true;
}

/**
 * Without an IP ID, only packets that a sender never repeats within milliseconds unprompted can be
 * told for copies: a SYN or SYN-ACK, a segment with data, a UDP datagram. Pure ACKs, FINs and
 * RSTs are answers, and a burst of segments draws a burst of identical ones (one RST per segment
 * from a stack that does not know the connection; duplicate ACKs; macOS repeating its FIN in a
 * simultaneous close), microseconds apart with nothing in between.
 */
function repeatsOnlyAsCopy(p: Packet): boolean {
  if (p.l4 === 17) return true;
  if (p.l4 !== 6 || (p.tcpFlags & TCP_RST) !== 0) return false;
  return (p.tcpFlags & TCP_SYN) !== 0 || p.wirePayloadLength > 0;
}

/** Duplicate frames and directions seen, for one analysis. */
export class CaptureQuality {
  /** Frames set aside as copies of a packet accounted just before. */
  duplicates = 0;
  /** The first of them (0 when none). */
  firstDuplicateFrame = 0;
  /** IP packets noted (duplicates excluded). */
  ipPackets = 0;
  /** True once some address was seen both sending and receiving. */
  bothWays = false;
  /** Distinct sender and receiver addresses (approximate beyond a few hundred thousand). */
  senders = 0;
  receivers = 0;
  /** The first NAMED_SOURCES sender addresses, as text. */
  readonly namedSenders: string[] = [];

  /**
   * Recent packets, one 32-byte record per slot so that a lookup touches one cache line: both
   * fingerprint hashes, the time, and the frame (0 for an empty slot; frames count from 1).
   */
  private readonly recent = new Float64Array(FINGERPRINT_SLOTS * 4);
  /**
   * Per directed conversation (addresses and ports), one record per slot: its hash (to spot a slot
   * taken by another), its last frame, and that frame's TCP acknowledgment number (-1: none, or a
   * RST).
   */
  private readonly directions = new Float64Array(DIRECTION_SLOTS * 4);
  private readonly pairs = new Uint32Array(PAIR_BITS >>> 5);
  private readonly sent = new Uint32Array(HOST_BITS >>> 5);
  private readonly received = new Uint32Array(HOST_BITS >>> 5);
  // The fingerprint being built (two independent 32-bit hashes), as fields: no allocation per packet.
  private hA = 0;
  private hB = 0;

  /**
   * Account one decoded IP packet at flow time `time`: true when it repeats a packet accounted at
   * most DUPLICATE_WINDOW before (then the caller drops it from the analysis); otherwise its
   * direction is noted. Call only for packets with an IP layer (`ipVersion` 4 or 6).
   */
  observe(p: Packet, time: number): boolean {
    const direction = directionKey(p, false);
    const identified = this.fingerprint(p, direction);
    const a = this.hA;
    const b = this.hB;
    const recent = this.recent;
    const slot = (a & (FINGERPRINT_SLOTS - 1)) << 2;
    const firstFrame = recent[slot + 3]!;
    if (firstFrame !== 0 && recent[slot] === a && recent[slot + 1] === b && this.isCopy(p, identified, Math.abs(time - recent[slot + 2]!), firstFrame)) {
      if (this.duplicates++ === 0) this.firstDuplicateFrame = p.frame;
      return true;
    }
    recent[slot] = a;
    recent[slot + 1] = b;
    recent[slot + 2] = time;
    recent[slot + 3] = p.frame;
    const dirs = this.directions;
    const d = (direction & (DIRECTION_SLOTS - 1)) << 2;
    // A direction met before (and still in its slot) has its pair, sender and receiver noted.
    const known = dirs[d] === direction && dirs[d + 1] !== 0;
    dirs[d] = direction;
    dirs[d + 1] = p.frame;
    // A RST acknowledges nothing: one whose ACK the client must ignore (RFC 9293 §3.10.7.3) makes
    // Linux send its SYN again at once, and that SYN is no copy.
    dirs[d + 2] = p.l4 === 6 && (p.tcpFlags & (TCP_ACK | TCP_RST)) === TCP_ACK ? p.tcpAck : -1;
    this.ipPackets++;
    if (!known) this.note(p);
    return false;
  }

  /**
   * A packet with the fingerprint of the one accounted `dt` seconds before, in frame `firstFrame`:
   * is it that packet captured again, rather than sent again?
   */
  private isCopy(p: Packet, identified: boolean, dt: number, firstFrame: number): boolean {
    if (identified ? dt > DUPLICATE_WINDOW : dt > DUPLICATE_WINDOW_UNIDENTIFIED || !repeatsOnlyAsCopy(p)) return false;
    // Did the other side send anything in between? A fast retransmission answers its duplicate
    // ACKs, and a few stacks (Windows XP's SYNs) keep the IP ID when they send again. A copy may
    // come after the answer (frames of two capture points interleaved), but then that answer had
    // acknowledged the very segment: nothing a sender retransmits within milliseconds.
    const reverse = directionKey(p, true);
    const dirs = this.directions;
    const r = (reverse & (DIRECTION_SLOTS - 1)) << 2;
    if (dirs[r + 1]! < firstFrame) return true;
    if (dirs[r] !== reverse || p.l4 !== 6) return false;
    const ack = dirs[r + 2]!;
    const flags = p.tcpFlags;
    const end = seqAdd(p.tcpSeq, p.wirePayloadLength + ((flags & TCP_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FIN) !== 0 ? 1 : 0));
    return ack >= 0 && seqLte(end, ack);
  }

  /** Whether the capture shows the way back from `flow`'s server to its client (see ReturnPath). */
  returnPath(flow: StoredFlowKey & { clientIsA: boolean }): ReturnPath {
    // The flow's words sit in the table's address slab at its slot.
    const at = wordsAt(flow.slot);
    const c = flow.clientIsA ? 0 : 4;
    const client = hostHash(flow.ipVersion, flow.words, at + c);
    const server = hostHash(flow.ipVersion, flow.words, at + 4 - c);
    if (testBit(this.pairs, pairHash(server, client) & (PAIR_BITS - 1))) return 'seen';
    if (!testBit(this.received, client & (HOST_BITS - 1))) return 'not-captured';
    return 'unseen';
  }

  /** True when the capture holds IP packets and no address was seen both sending and receiving. */
  get oneWay(): boolean {
    return this.ipPackets > 0 && !this.bothWays;
  }

  /** Record a direction not met recently: its host pair, its sender, its receiver. */
  private note(p: Packet): void {
    const src = hostHash(p.ipVersion, p.addr, 0);
    const dst = hostHash(p.ipVersion, p.addr, 4);
    setBit(this.pairs, pairHash(src, dst) & (PAIR_BITS - 1));
    if (setBit(this.sent, src & (HOST_BITS - 1))) {
      this.senders++;
      if (this.namedSenders.length < NAMED_SOURCES) this.namedSenders.push(formatAddress(p.ipVersion, p.addr, 0));
      if (testBit(this.received, src & (HOST_BITS - 1))) this.bothWays = true;
    }
    if (setBit(this.received, dst & (HOST_BITS - 1))) {
      this.receivers++;
      if (testBit(this.sent, dst & (HOST_BITS - 1))) this.bothWays = true;
    }
  }

  /**
   * The packet's fingerprint into hA/hB: what a copy shares with the original and a
   * retransmission does not. The TTL, DSCP and checksums are left out (a copy taken on both sides
   * of a router differs in them); VLAN ids are kept (the flow table keeps them apart too).
   * Returns true when the fingerprint holds an identifying IPv4 ID.
   */
  private fingerprint(p: Packet, direction: number): boolean {
    const buf = p.buf;
    const ip = p.ipOffset;
    // Two hashes over the same words (after the direction's addresses and ports): a multiply and
    // shift into a, FNV-1a's prime on words into b.
    let a = step(0x2545f491, direction);
    let b = Math.imul(0x811c9dc5 ^ direction, FNV_PRIME);
    let k = ((p.vlanOuter & 0xfff) << 20) | ((p.vlanInner & 0xfff) << 8) | (p.protocol & 0xff);
    a = step(a, k);
    b = Math.imul(b ^ k, FNV_PRIME);
    let identified = false;
    if (p.ipVersion === 4) {
      // Ref: RFC 791 §3.1: 2 total length, 4 identification, 6 flags and fragment offset.
      k = (buf[ip + 4]! << 24) | (buf[ip + 5]! << 16) | (buf[ip + 6]! << 8) | buf[ip + 7]!;
      identified = k >>> 16 !== 0;
      a = step(a, k);
      b = Math.imul(b ^ k, FNV_PRIME);
      k = (buf[ip + 2]! << 8) | buf[ip + 3]!;
    } else {
      // Ref: RFC 8200 §3: 1 flow label (20 bits), 4 payload length.
      k = ((buf[ip + 1]! & 0x0f) << 16) | (buf[ip + 2]! << 8) | buf[ip + 3]!;
      a = step(a, k);
      b = Math.imul(b ^ k, FNV_PRIME);
      k = (buf[ip + 4]! << 8) | buf[ip + 5]!;
    }
    a = step(a, k);
    b = Math.imul(b ^ k, FNV_PRIME);
    let from: number;
    let to: number;
    if (p.l4 === 6) {
      // Sequence and acknowledgment numbers, flags, window, length, then the options: a
      // retransmission repeats the bytes but carries a new TSval or other SACK blocks.
      a = step(step(step(a, p.tcpSeq), p.tcpAck), (p.tcpFlags << 16) | p.tcpWindow);
      b = Math.imul(Math.imul(Math.imul(b ^ p.tcpSeq, FNV_PRIME) ^ p.tcpAck, FNV_PRIME) ^ p.tcpWindow, FNV_PRIME);
      k = p.wirePayloadLength;
      from = p.tcpOptionsOffset;
      to = from + p.tcpOptionsLength;
    } else {
      if (p.l4 === 17) {
        // Length and checksum, then the first payload bytes (the checksum may be 0, or left to
        // the network card on the sending host).
        const o = p.payloadOffset;
        k = ((p.wirePayloadLength & 0xffff) << 16) | (buf[o - 2]! << 8) | buf[o - 1]!;
      } else if (p.l4 === 1 || p.l4 === 58) {
        // Type, code, and the rest of the header (an echo's identifier and sequence number).
        const o = p.payloadOffset;
        a = step(a, (p.icmpType << 8) | p.icmpCode);
        k = (buf[o - 4]! << 24) | (buf[o - 3]! << 16) | (buf[o - 2]! << 8) | buf[o - 1]!;
        b = Math.imul(b ^ k, FNV_PRIME);
        a = step(a, k);
        k = p.wirePayloadLength;
      } else k = p.wirePayloadLength;
      from = p.payloadOffset;
      to = from + (p.payloadLength < FINGERPRINT_PAYLOAD_BYTES ? p.payloadLength : FINGERPRINT_PAYLOAD_BYTES);
    }
    a = step(a, k);
    b = Math.imul(b ^ k, FNV_PRIME);
    // The options or payload bytes, a word at a time (decoded lengths: within the captured bytes).
    if (to > buf.length) to = buf.length;
    let i = from;
    for (; i + 4 <= to; i += 4) {
      k = (buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!;
      a = step(a, k);
      b = Math.imul(b ^ k, FNV_PRIME);
    }
    if (i < to) {
      k = 0;
      for (; i < to; i++) k = (k << 8) | buf[i]!;
      a = step(a, k);
      b = Math.imul(b ^ k, FNV_PRIME);
    }
    this.hA = avalanche(a);
    this.hB = avalanche(b);
    return identified;
  }
}
