/**
 * What remains of a TCP conversation after it was decided and freed: its stream index, which
 * endpoint was the client, each side's base sequence number and its VLAN ids, so that a late
 * packet (a retransmitted FIN in TIME_WAIT, a spurious retransmission, a RST long after, a
 * retried SYN) gets the stream index Wireshark gives it and port reuse is still told apart.
 *
 * Kept compact, so that a busy capture's tombstones cover seconds rather than a fraction of one:
 * no address words (a 64-bit fingerprint of the identity, as udp-streams.ts keeps; the late
 * packet brings the addresses back) and no object per tombstone, but 21 bytes of typed arrays
 * (29 with VLAN ids) in a ring, in the order the conversations were decided, and about 5 bytes of
 * open-addressed index. When the ring is full the oldest tombstone is forgotten. The ring's
 * chunks are allocated as it fills and never copied, so a capture with few conversations pays
 * for few, and growing never holds two copies.
 */
import { identityHash, isLow, packVlans, wordsAt, type FlowKeyView, type StoredFlowKey } from './key.js';
import { MAX_TOMBSTONES } from './timeouts.js';
import type { UdpStreamMatch } from './udp-streams.js';

/** Entries per chunk of the ring (a power of two). */
const CHUNK_SHIFT = 12;
const CHUNK = 1 << CHUNK_SHIFT;
/** Words per entry: the fingerprint (flowHash, identityHash), stream index, A's and B's base sequence. */
const WORDS = 5;
/** The index is rebuilt twice as large when more than this share of its slots is in use. */
const MAX_LOAD = 0.75;

const FLAG_A_IS_LOW = 1;
const FLAG_CLIENT_IS_A = 2;
const FLAG_EVICTED = 4;
const FLAG_B_SEEN = 8;
const FLAG_A_BASE = 16;
const FLAG_B_BASE = 32;
/** VLAN ids are kept for this entry (in its chunk's `vlans`); without the flag, none on either side. */
const FLAG_VLANS = 64;
/** Brought back or replaced since: no longer indexed, the entry waits in the ring to be overwritten. */
const FLAG_GONE = 128;

/** VLAN ids of A and B when neither side's packets were tagged. */
const NO_VLANS = packVlans(-1, -1);

/** What a tombstone keeps of a decided conversation (A sent the packet that created it), besides each side's base sequence. */
export interface BuriedConversation extends StoredFlowKey {
  readonly stream: number;
  readonly clientIsA: boolean;
  readonly evicted: boolean;
}

/** A tombstone found for a packet (fields copied out): what a remembered UDP exchange gives, and the base sequences. */
export interface TombstoneMatch extends UdpStreamMatch {
  /** Base sequence numbers of A and B (-1 when that side sent nothing). */
  aBaseSeq: number;
  bBaseSeq: number;
}

/** A chunk of the ring. */
interface Chunk {
  readonly words: Uint32Array;
  readonly flags: Uint8Array;
  /** A's and B's packed VLAN ids per entry, made for the chunk's first entry that has any. */
  vlans: Uint32Array | null;
}

/** Tombstones of decided TCP conversations, by identity; bounded (see the module comment). */
export class TcpTombstones {
  /** Tombstones kept at most (`capacity` rounded up to whole chunks). */
  readonly capacity: number;
  /** Tombstones that can still be found. */
  size = 0;
  /** Tombstones forgotten because the ring was full. */
  forgotten = 0;
  private readonly chunks: Chunk[] = [];
  /** Ring position of the oldest entry, and entries in use (gone ones included). */
  private first = 0;
  private used = 0;
  /** Open addressing with linear probing over the fingerprints: ring position + 1, 0 when empty. */
  private slots = new Int32Array(0);
  /** The address words of the conversation being buried (A in 0..3, B in 4..7). */
  private readonly addr = new Uint32Array(8);

  constructor(capacity: number = MAX_TOMBSTONES) {
    this.capacity = Math.max(1, Math.ceil(capacity / CHUNK)) * CHUNK;
  }

  /**
   * Leave a tombstone for a decided conversation whose flowHash is `hash`, with the base sequence
   * numbers of A and B (-1 when that side sent nothing).
   */
  bury(c: BuriedConversation, aBaseSeq: number, bBaseSeq: number, hash: number): void {
    const addr = this.addr;
    const w = wordsAt(c.slot);
    for (let i = 0; i < 8; i++) addr[i] = c.words[w + i]!;
    const vlansA = packVlans(c.vlanOuter, c.vlanInner);
    const vlansB = packVlans(c.bVlanOuter, c.bVlanInner);
    const flags =
      (isLow(addr, 0, c.aPort, c.bPort) ? FLAG_A_IS_LOW : 0) |
      (c.clientIsA ? FLAG_CLIENT_IS_A : 0) |
      (c.evicted ? FLAG_EVICTED : 0) |
      (c.bSeen ? FLAG_B_SEEN : 0) |
      (aBaseSeq >= 0 ? FLAG_A_BASE : 0) |
      (bBaseSeq >= 0 ? FLAG_B_BASE : 0) |
      (vlansA !== NO_VLANS || vlansB !== NO_VLANS ? FLAG_VLANS : 0);
    const lo = hash >>> 0;
    this.put(lo, identityHash(c.ipVersion, addr, c.aPort, c.bPort, vlansA), c.stream, aBaseSeq >>> 0, bBaseSeq >>> 0, vlansA, vlansB, flags);
    // B's packets carry other VLAN ids (a reply routed between VLANs): findable by those too.
    if (vlansB !== vlansA) this.put(lo, identityHash(c.ipVersion, addr, c.aPort, c.bPort, vlansB), c.stream, aBaseSeq >>> 0, bBaseSeq >>> 0, vlansA, vlansB, flags);
  }

  /**
   * The tombstone of the packet (or quoted packet) `key` with flowHash `hash`, taken out (the
   * conversation comes back to life, or a new one takes its identity), or null.
   */
  exhume(key: FlowKeyView, hash: number): TombstoneMatch | null {
    if (this.size === 0) return null;
    const vlans = packVlans(key.vlanOuter, key.vlanInner);
    const lo = hash >>> 0;
    const slot = this.slotOf(lo, identityHash(key.ipVersion, key.addr, key.srcPort, key.dstPort, vlans));
    if (this.slots[slot] === 0) return null;
    const e = this.slots[slot]! - 1;
    const chunk = this.chunks[e >>> CHUNK_SHIFT]!;
    const i = e & (CHUNK - 1);
    const flags = chunk.flags[i]!;
    const vlansA = (flags & FLAG_VLANS) !== 0 ? chunk.vlans![2 * i]! : NO_VLANS;
    const vlansB = (flags & FLAG_VLANS) !== 0 ? chunk.vlans![2 * i + 1]! : NO_VLANS;
    const fromA = isLow(key.addr, 0, key.srcPort, key.dstPort) === ((flags & FLAG_A_IS_LOW) !== 0);
    // The sender's VLAN ids must be those its side used (else: a fingerprint collision).
    if ((fromA ? vlansA : vlansB) !== vlans) return null;
    const words = chunk.words;
    const m: TombstoneMatch = {
      stream: words[i * WORDS + 2]!,
      fromA,
      clientIsA: (flags & FLAG_CLIENT_IS_A) !== 0,
      evicted: (flags & FLAG_EVICTED) !== 0,
      bSeen: (flags & FLAG_B_SEEN) !== 0,
      vlanOuter: (vlansA >>> 13) - 1,
      vlanInner: (vlansA & 0x1fff) - 1,
      bVlanOuter: (vlansB >>> 13) - 1,
      bVlanInner: (vlansB & 0x1fff) - 1,
      aBaseSeq: (flags & FLAG_A_BASE) !== 0 ? words[i * WORDS + 3]! : -1,
      bBaseSeq: (flags & FLAG_B_BASE) !== 0 ? words[i * WORDS + 4]! : -1,
    };
    this.take(slot);
    // The same tombstone under the other side's VLAN ids.
    if (vlansA !== vlansB) {
      const other = this.slotOf(lo, identityHash(key.ipVersion, key.addr, key.srcPort, key.dstPort, fromA ? vlansB : vlansA));
      if (this.slots[other] !== 0) this.take(other);
    }
    return m;
  }

  private put(lo: number, hi: number, stream: number, aBase: number, bBase: number, vlansA: number, vlansB: number, flags: number): void {
    if (this.used === this.capacity) this.forgetOldest();
    if ((this.size + 1) > this.slots.length * MAX_LOAD) this.reindex();
    // A tombstone of the same identity (a conversation decided again) is replaced.
    let slot = this.slotOf(lo, hi);
    if (this.slots[slot] !== 0) {
      this.take(slot);
      slot = this.slotOf(lo, hi);
    }
    const e = (this.first + this.used) % this.capacity;
    this.used++;
    this.size++;
    const c = e >>> CHUNK_SHIFT;
    if (c === this.chunks.length) this.chunks.push({ words: new Uint32Array(CHUNK * WORDS), flags: new Uint8Array(CHUNK), vlans: null });
    const chunk = this.chunks[c]!;
    const i = e & (CHUNK - 1);
    const words = chunk.words;
    words[i * WORDS] = lo;
    words[i * WORDS + 1] = hi;
    words[i * WORDS + 2] = stream;
    words[i * WORDS + 3] = aBase;
    words[i * WORDS + 4] = bBase;
    chunk.flags[i] = flags;
    if ((flags & FLAG_VLANS) !== 0) {
      const v = (chunk.vlans ??= new Uint32Array(CHUNK * 2));
      v[2 * i] = vlansA;
      v[2 * i + 1] = vlansB;
    }
    this.slots[slot] = e + 1;
  }

  /** Where the probing for entry `e`'s fingerprint starts. */
  private homeOf(e: number): number {
    const words = this.chunks[e >>> CHUNK_SHIFT]!.words;
    const i = (e & (CHUNK - 1)) * WORDS;
    return home(words[i]!, words[i + 1]!, this.slots.length - 1);
  }

  /** The index slot holding the fingerprint, or the empty slot where it would go. */
  private slotOf(lo: number, hi: number): number {
    const mask = this.slots.length - 1;
    for (let s = home(lo, hi, mask); ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return s;
      const words = this.chunks[(v - 1) >>> CHUNK_SHIFT]!.words;
      const i = ((v - 1) & (CHUNK - 1)) * WORDS;
      if (words[i] === lo && words[i + 1] === hi) return s;
    }
  }

  /** Take the entry of index slot `slot` out: it can no longer be found, and waits to be overwritten. */
  private take(slot: number): void {
    const e = this.slots[slot]! - 1;
    const chunk = this.chunks[e >>> CHUNK_SHIFT]!;
    chunk.flags[e & (CHUNK - 1)]! |= FLAG_GONE;
    this.size--;
    this.unindex(slot);
  }

  /** Empty an index slot, moving later entries of its probe run back (deletion for linear probing). */
  private unindex(slot: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let hole = slot;
    slots[hole] = 0;
    for (let s = (hole + 1) & mask; slots[s] !== 0; s = (s + 1) & mask) {
      const h = this.homeOf(slots[s]! - 1);
      // The entry stays where it is when its home lies cyclically in (hole, s].
      if (hole <= s ? h > hole && h <= s : h > hole || h <= s) continue;
      slots[hole] = slots[s]!;
      slots[s] = 0;
      hole = s;
    }
  }

  private forgetOldest(): void {
    const e = this.first;
    const chunk = this.chunks[e >>> CHUNK_SHIFT]!;
    if ((chunk.flags[e & (CHUNK - 1)]! & FLAG_GONE) === 0) {
      this.forgotten++;
      const mask = this.slots.length - 1;
      let s = this.homeOf(e);
      while (this.slots[s] !== e + 1) s = (s + 1) & mask;
      this.size--;
      this.unindex(s);
    }
    this.first = (this.first + 1) % this.capacity;
    this.used--;
  }

  /** Rebuild the index with twice the slots (at least 1024). */
  private reindex(): void {
    this.slots = new Int32Array(Math.max(1024, this.slots.length * 2));
    for (let k = 0; k < this.used; k++) {
      const e = (this.first + k) % this.capacity;
      const chunk = this.chunks[e >>> CHUNK_SHIFT]!;
      const i = e & (CHUNK - 1);
      if ((chunk.flags[i]! & FLAG_GONE) === 0) this.slots[this.slotOf(chunk.words[i * WORDS]!, chunk.words[i * WORDS + 1]!)] = e + 1;
    }
  }
}

/** Where a fingerprint's probing starts in an index of `mask + 1` slots. */
function home(lo: number, hi: number, mask: number): number {
  return (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
}
