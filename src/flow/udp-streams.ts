/**
 * What the flow table remembers of decided UDP exchanges, so that a datagram on the same
 * addresses and ports gets the udp.stream Wireshark gives it however long the exchange was idle:
 * Wireshark never forgets a UDP conversation (its conversation table lives as long as the
 * capture file), while wirewhy decides and frees an exchange after UDP_IDLE_TIMEOUT.
 *
 * Each exchange costs one 21-byte slot of typed arrays instead of an object: a 64-bit fingerprint
 * of its identity, its stream index, its VLAN ids and four bits. Memory stays bounded by two
 * generations of at most UDP_STREAM_GENERATION_SLOTS slots each: when the current one is full it
 * becomes the previous one and the oldest is dropped, so the most recently decided
 * 98,304 to 196,608 exchanges are always remembered (about 5.5 MB at most).
 */
import { identityHash, isLow, packVlans, wordsAt, type FlowKeyView } from './key.js';

/** Slots of one generation at most (a power of two); it is full at 3/4 of them. */
export const UDP_STREAM_GENERATION_SLOTS = 1 << 17;
/** Slots a generation starts with; it doubles up to UDP_STREAM_GENERATION_SLOTS. */
const INITIAL_SLOTS = 1 << 10;

const FLAG_A_IS_LOW = 1;
const FLAG_CLIENT_IS_A = 2;
const FLAG_EVICTED = 4;
const FLAG_B_SEEN = 8;

/** What is kept of an exchange, with A the sender of the datagram that created it. */
export interface RememberedUdpExchange {
  readonly ipVersion: number;
  readonly vlanOuter: number;
  readonly vlanInner: number;
  readonly bVlanOuter: number;
  readonly bVlanInner: number;
  readonly bSeen: boolean;
  /** The chunk of the flow table's AddressSlab holding the address words (A, then B), at `wordsAt(slot)`. */
  readonly words: Uint32Array;
  readonly slot: number;
  readonly aPort: number;
  readonly bPort: number;
  readonly stream: number;
  readonly clientIsA: boolean;
  readonly evicted: boolean;
}

/** A remembered exchange found for a datagram (fields copied out: the tables may move). */
export interface UdpStreamMatch {
  stream: number;
  /** The datagram was sent by endpoint A. */
  fromA: boolean;
  clientIsA: boolean;
  evicted: boolean;
  bSeen: boolean;
  vlanOuter: number;
  vlanInner: number;
  bVlanOuter: number;
  bVlanInner: number;
}

/** One generation: open addressing with linear probing, never deleted from. */
class Generation {
  size = 0;
  readonly fpLo: Uint32Array;
  readonly fpHi: Uint32Array;
  /** Stream index + 1; 0 marks an empty slot. */
  readonly streamPlusOne: Uint32Array;
  readonly vlansA: Uint32Array;
  readonly vlansB: Uint32Array;
  readonly flags: Uint8Array;

  constructor(readonly slots: number) {
    this.fpLo = new Uint32Array(slots);
    this.fpHi = new Uint32Array(slots);
    this.streamPlusOne = new Uint32Array(slots);
    this.vlansA = new Uint32Array(slots);
    this.vlansB = new Uint32Array(slots);
    this.flags = new Uint8Array(slots);
  }

  get full(): boolean {
    return this.size * 4 >= this.slots * 3;
  }

  /** The slot holding the fingerprint, or the empty slot where it would go. */
  slotOf(lo: number, hi: number): number {
    const mask = this.slots - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.streamPlusOne[i] !== 0 && (this.fpLo[i] !== lo || this.fpHi[i] !== hi)) i = (i + 1) & mask;
    return i;
  }

  put(lo: number, hi: number, streamPlusOne: number, vlansA: number, vlansB: number, flags: number): void {
    const i = this.slotOf(lo, hi);
    if (this.streamPlusOne[i] === 0) this.size++;
    this.fpLo[i] = lo;
    this.fpHi[i] = hi;
    this.streamPlusOne[i] = streamPlusOne;
    this.vlansA[i] = vlansA;
    this.vlansB[i] = vlansB;
    this.flags[i] = flags;
  }

  /** A copy with twice the slots. */
  grown(): Generation {
    const g = new Generation(this.slots * 2);
    for (let i = 0; i < this.slots; i++) {
      if (this.streamPlusOne[i] !== 0) g.put(this.fpLo[i]!, this.fpHi[i]!, this.streamPlusOne[i]!, this.vlansA[i]!, this.vlansB[i]!, this.flags[i]!);
    }
    return g;
  }
}

/** Stream indices of decided UDP exchanges, by identity; bounded (see the module comment). */
export class UdpStreamIndex {
  private current = new Generation(INITIAL_SLOTS);
  private previous: Generation | null = null;
  /** Exchanges no longer remembered because their generation was dropped. */
  forgotten = 0;
  /** The address words of the exchange being remembered (A in 0..3, B in 4..7). */
  private readonly words = new Uint32Array(8);
  private readonly match: UdpStreamMatch = { stream: 0, fromA: true, clientIsA: true, evicted: false, bSeen: false, vlanOuter: -1, vlanInner: -1, bVlanOuter: -1, bVlanInner: -1 };

  /** Exchanges remembered now. */
  get size(): number {
    return this.current.size + (this.previous?.size ?? 0);
  }

  /** Remember a decided exchange; `hash` is its flowHash. */
  remember(x: RememberedUdpExchange, hash: number): void {
    const words = this.words;
    const w = wordsAt(x.slot);
    for (let i = 0; i < 8; i++) words[i] = x.words[w + i]!;
    const vlansA = packVlans(x.vlanOuter, x.vlanInner);
    const vlansB = packVlans(x.bVlanOuter, x.bVlanInner);
    const flags =
      (isLow(words, 0, x.aPort, x.bPort) ? FLAG_A_IS_LOW : 0) | (x.clientIsA ? FLAG_CLIENT_IS_A : 0) | (x.evicted ? FLAG_EVICTED : 0) | (x.bSeen ? FLAG_B_SEEN : 0);
    this.put(hash >>> 0, identityHash(x.ipVersion, words, x.aPort, x.bPort, vlansA), x.stream + 1, vlansA, vlansB, flags);
    // B's datagrams carry other VLAN ids (a reply routed between VLANs): findable by those too.
    if (x.bSeen && vlansB !== vlansA) this.put(hash >>> 0, identityHash(x.ipVersion, words, x.aPort, x.bPort, vlansB), x.stream + 1, vlansA, vlansB, flags);
  }

  private put(lo: number, hi: number, streamPlusOne: number, vlansA: number, vlansB: number, flags: number): void {
    if (this.current.full) {
      if (this.current.slots < UDP_STREAM_GENERATION_SLOTS) this.current = this.current.grown();
      else {
        this.forgotten += this.previous?.size ?? 0;
        this.previous = this.current;
        this.current = new Generation(INITIAL_SLOTS);
      }
    }
    this.current.put(lo, hi, streamPlusOne, vlansA, vlansB, flags);
  }

  /**
   * The remembered exchange of the datagram (or quoted datagram) `key` with flowHash `hash`, or
   * null. The result is reused by the next call.
   */
  find(key: FlowKeyView, hash: number): UdpStreamMatch | null {
    if (this.size === 0) return null;
    const vlans = packVlans(key.vlanOuter, key.vlanInner);
    const lo = hash >>> 0;
    const hi = identityHash(key.ipVersion, key.addr, key.srcPort, key.dstPort, vlans);
    const srcIsLow = isLow(key.addr, 0, key.srcPort, key.dstPort);
    // The latest generation first: an exchange decided again since is remembered there.
    return this.lookIn(this.current, lo, hi, vlans, srcIsLow) ?? (this.previous === null ? null : this.lookIn(this.previous, lo, hi, vlans, srcIsLow));
  }

  private lookIn(g: Generation, lo: number, hi: number, vlans: number, srcIsLow: boolean): UdpStreamMatch | null {
    const i = g.slotOf(lo, hi);
    if (g.streamPlusOne[i] === 0) return null;
    const flags = g.flags[i]!;
    const fromA = srcIsLow === ((flags & FLAG_A_IS_LOW) !== 0);
    // The sender's VLAN ids must be those its side used (else: a fingerprint collision).
    if ((fromA ? g.vlansA[i] : g.vlansB[i]) !== vlans) return null;
    const m = this.match;
    m.stream = g.streamPlusOne[i]! - 1;
    m.fromA = fromA;
    m.clientIsA = (flags & FLAG_CLIENT_IS_A) !== 0;
    m.evicted = (flags & FLAG_EVICTED) !== 0;
    m.bSeen = (flags & FLAG_B_SEEN) !== 0;
    m.vlanOuter = (g.vlansA[i]! >>> 13) - 1;
    m.vlanInner = (g.vlansA[i]! & 0x1fff) - 1;
    m.bVlanOuter = (g.vlansB[i]! >>> 13) - 1;
    m.bVlanInner = (g.vlansB[i]! & 0x1fff) - 1;
    return m;
  }
}
