/**
 * Per-direction TCP stream reassembly with bounded memory.
 *
 * Segments are placed by sequence number (modulo 2^32, through seq.ts): in-order bytes are
 * delivered at once, out-of-order segments wait in a small buffer, retransmissions and
 * overlaps are resolved in favour of the first copy seen (a copy that differs is the anomaly
 * `tcp_overlap_mismatch`), and missing ranges become gaps with their size. Of the delivered
 * stream only the first `headBytes` and the last `tailBytes` are kept — never the whole
 * stream — which is what the application recognisers read.
 *
 * Stream offsets count bytes from the first sequence number of the direction's data (the
 * SYN's ISN + 1 when the handshake was seen).
 */
import type { FaultSink } from '../model/faults.js';
import { seqAdd, seqDiff, seqLt } from './seq.js';

/** Limits of one direction's reassembly. */
export interface ReassemblyOptions {
  /** Bytes kept from the start of each direction. */
  headBytes: number;
  /** Bytes kept from the end of each direction (a ring). */
  tailBytes: number;
  /** Out-of-order bytes buffered per direction while waiting for a hole to fill. */
  maxBufferedBytes: number;
  /** Out-of-order segments buffered per direction. */
  maxBufferedSegments: number;
  /** A segment starting further ahead than this is not buffered: the hole before it becomes a gap. */
  windowBytes: number;
  /** Gaps listed per direction (all are counted). */
  maxListedGaps: number;
  /** Bytes all reassemblers of one analysis may hold at once; beyond it new streams keep nothing. */
  maxTotalBytes: number;
}

/**
 * Default limits: a 2 KiB head and a 512-byte tail per direction, 16 KiB (32 segments) of
 * reordering, 8 MiB in all. The total is what conversations alive at the same moment may keep
 * (each direction with payload takes 0.5–2.5 KiB); a finding whose streams found the budget used
 * up has no application context.
 */
export const DEFAULT_REASSEMBLY_OPTIONS: Readonly<ReassemblyOptions> = Object.freeze({
  // A ClientHello (with its SNI), a request line or a banner fits in the first 2 KiB; an alert or
  // an error reply before a reset fits in the last 512 bytes.
  headBytes: 2048,
  tailBytes: 512,
  maxBufferedBytes: 16384,
  maxBufferedSegments: 32,
  windowBytes: 262144,
  maxListedGaps: 16,
  maxTotalBytes: 8 * 1024 * 1024,
});

/** A range of the stream that never arrived (or was skipped), by stream offset. */
export interface StreamGap {
  offset: number;
  size: number;
}

/** Called for each named anomaly the reassembly finds (frame is 1-based). */
export type ReassemblyAnomalySink = (name: string, frame: number) => void;

// Most streams never wait for a hole or lose bytes: they share these empty lists (never written).
const NO_PENDING: PendingSegment[] = [];
const NO_GAPS: StreamGap[] = [];
const EMPTY = new Uint8Array(0);

/** First size of a head buffer; it grows to headBytes when the stream gets longer. */
const SMALL_HEAD_BYTES = 512;
const SLAB_BYTES = 1 << 20;

/**
 * Shared state of every reassembler in one analysis: the limits, the memory budget, where
 * anomalies go, and the buffers. Heads and tails are fixed-size blocks carved from large slabs
 * and reused when a conversation is freed: allocating a typed array per stream costs more than
 * the copying itself (allocation, zeroing and garbage collection of external memory).
 */
export class ReassemblyPool {
  readonly options: Readonly<ReassemblyOptions>;
  /** Bytes currently held by all reassemblers of this pool. */
  usedBytes = 0;
  /** Directions that could not keep bytes because the budget was used up. */
  starved = 0;
  private readonly freeBlocks = new Map<number, Uint8Array[]>();
  private slab: ArrayBuffer | null = null;
  private slabUsed = 0;
  /** Reassemblers holding a deferred tail write (see StreamReassembler.append). */
  private readonly deferred: StreamReassembler[] = [];

  constructor(
    options: Partial<ReassemblyOptions> = {},
    readonly onAnomaly: ReassemblyAnomalySink = () => {},
    /** Where a fault of ours in one stream's reassembly goes; that conversation then keeps no bytes. */
    readonly onFault: FaultSink = () => {},
  ) {
    const o = { ...DEFAULT_REASSEMBLY_OPTIONS, ...options };
    for (const k of Object.keys(o) as Array<keyof ReassemblyOptions>) {
      if (!Number.isFinite(o[k]) || o[k] < 0) throw new RangeError(`reassembly option ${k} must be a non-negative number`);
      o[k] = Math.floor(o[k]);
    }
    this.options = Object.freeze(o);
  }

  /** Reserve `n` bytes; false when the budget would be exceeded. */
  reserve(n: number): boolean {
    if (this.usedBytes + n > this.options.maxTotalBytes) return false;
    this.usedBytes += n;
    return true;
  }

  /** Give back `n` reserved bytes. */
  release(n: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - n);
  }

  /** A zeroed block of `size` bytes within the budget, or null when the budget is used up. */
  acquire(size: number): Uint8Array | null {
    if (!this.reserve(size)) return null;
    const reused = this.freeBlocks.get(size)?.pop();
    if (reused) return reused.fill(0);
    if (this.slab === null || this.slabUsed + size > this.slab.byteLength) {
      // Slabs of 1 MiB as the budget is used, so memory follows what is kept, not the budget.
      if (size > SLAB_BYTES) return new Uint8Array(size);
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const block = new Uint8Array(this.slab, this.slabUsed, size);
    this.slabUsed += size;
    return block;
  }

  /** Remember that `stream` holds a deferred tail write, to be copied by {@link flushDeferred}. */
  noteDeferred(stream: StreamReassembler): void {
    this.deferred.push(stream);
  }

  /**
   * Copy every deferred tail write into its ring. Call before the buffers that segments were
   * read from are reused (the capture reader does so after each run of frames).
   */
  flushDeferred(): void {
    const list = this.deferred;
    for (let i = 0; i < list.length; i++) list[i]!.writeDeferred();
    list.length = 0;
  }

  /** Take a block back for reuse. */
  giveBack(block: Uint8Array): void {
    this.release(block.length);
    let list = this.freeBlocks.get(block.length);
    if (!list) this.freeBlocks.set(block.length, (list = []));
    list.push(block);
  }
}

/** An out-of-order segment waiting for the bytes before it (a private copy). */
interface PendingSegment {
  seq: number;
  data: Uint8Array;
  frame: number;
  /** Bytes after `data` that the snaplen cut off: a gap once delivery reaches them. */
  cut: number;
}

/** What one direction's reassembly kept, for the application recognisers. */
export interface StreamSnapshot {
  /** Stream length delivered (bytes plus gaps), from offset 0. */
  length: number;
  /** Bytes at offsets [0, head.length); gap bytes inside read as 0 (see `gaps`). */
  head: Uint8Array;
  /** Bytes at offsets [tailOffset, length); overlaps `head` when the stream is short. */
  tail: Uint8Array;
  tailOffset: number;
  /** The first gaps (bounded), and every gap counted. */
  gaps: StreamGap[];
  gapCount: number;
  gapBytes: number;
  /** Stream offset where the last gap ends (-1 when there was none). */
  lastGapEnd: number;
  /** Bytes received again (retransmissions and overlaps). */
  duplicateBytes: number;
  /** Overlapping copies whose bytes differed from the first copy (first copy kept). */
  overlapMismatches: number;
  /** True when the memory budget stopped this direction from keeping bytes. */
  starved: boolean;
}

/**
 * What a stream that only ever gets bytes in order, each once, in short writes never needs; most
 * streams are such, and tens of thousands are held at once on a busy link.
 */
class StreamExtras {
  /**
   * A write that fills the whole ring, not yet copied: `deferData[deferFrom, +ring.length)` goes
   * to the ring from `deferPos`. A bulk stream sends segment after segment that each replaces
   * the whole tail; copying only the last one before its buffer is reused (or none, when the
   * conversation closes cleanly first) saves a copy per segment.
   */
  deferData: Uint8Array | null = null;
  deferFrom = 0;
  deferPos = 0;
  /** Listed in the pool's deferred writes. */
  deferListed = false;
  /** Segments waiting for a hole to fill (NO_PENDING, shared, until the first). */
  pending: PendingSegment[] = NO_PENDING;
  pendingBytes = 0;
  gaps: StreamGap[] = NO_GAPS;
  gapCount = 0;
  gapBytes = 0;
  duplicateBytes = 0;
  overlapMismatches = 0;
  lastGapEnd = -1;
}

/** One direction of a TCP conversation, reassembled into its first and last bytes. */
export class StreamReassembler {
  /** Sequence number of the next byte expected in order. */
  private nextSeq: number;
  /** Stream offset of `nextSeq`: bytes delivered so far, gaps included. */
  private delivered = 0;
  private head: Uint8Array | null = null;
  private headLength = 0;
  private ring: Uint8Array | null = null;
  private starved = false;
  /**
   * Set by {@link release}: the kept bytes went back to the pool (and may already serve another
   * stream), so later segments (a spurious retransmission after both FINs, data after the close)
   * are not compared or kept.
   */
  private released = false;
  /** Deferred writes, waiting segments, gaps and duplicates: made at the first of them. */
  private extras: StreamExtras | null = null;

  private get more(): StreamExtras {
    return (this.extras ??= new StreamExtras());
  }
  private get deferData(): Uint8Array | null {
    return this.extras === null ? null : this.extras.deferData;
  }
  private set deferData(d: Uint8Array | null) {
    if (d !== null || this.extras !== null) this.more.deferData = d;
  }
  private get deferFrom(): number {
    return this.extras === null ? 0 : this.extras.deferFrom;
  }
  private set deferFrom(n: number) {
    this.more.deferFrom = n;
  }
  private get deferPos(): number {
    return this.extras === null ? 0 : this.extras.deferPos;
  }
  private set deferPos(n: number) {
    this.more.deferPos = n;
  }
  private get deferListed(): boolean {
    return this.extras !== null && this.extras.deferListed;
  }
  private set deferListed(yes: boolean) {
    if (yes || this.extras !== null) this.more.deferListed = yes;
  }
  private get pending(): PendingSegment[] {
    return this.extras === null ? NO_PENDING : this.extras.pending;
  }
  private set pending(list: PendingSegment[]) {
    if (list !== NO_PENDING || this.extras !== null) this.more.pending = list;
  }
  private get pendingBytes(): number {
    return this.extras === null ? 0 : this.extras.pendingBytes;
  }
  private set pendingBytes(n: number) {
    if (n !== 0 || this.extras !== null) this.more.pendingBytes = n;
  }
  /** Gaps listed (NO_GAPS, shared, until the first). */
  get gaps(): StreamGap[] {
    return this.extras === null ? NO_GAPS : this.extras.gaps;
  }
  set gaps(list: StreamGap[]) {
    this.more.gaps = list;
  }
  get gapCount(): number {
    return this.extras === null ? 0 : this.extras.gapCount;
  }
  set gapCount(n: number) {
    this.more.gapCount = n;
  }
  get gapBytes(): number {
    return this.extras === null ? 0 : this.extras.gapBytes;
  }
  set gapBytes(n: number) {
    this.more.gapBytes = n;
  }
  get duplicateBytes(): number {
    return this.extras === null ? 0 : this.extras.duplicateBytes;
  }
  set duplicateBytes(n: number) {
    this.more.duplicateBytes = n;
  }
  get overlapMismatches(): number {
    return this.extras === null ? 0 : this.extras.overlapMismatches;
  }
  set overlapMismatches(n: number) {
    this.more.overlapMismatches = n;
  }
  private get lastGapEnd(): number {
    return this.extras === null ? -1 : this.extras.lastGapEnd;
  }
  private set lastGapEnd(n: number) {
    this.more.lastGapEnd = n;
  }

  /** `initialSeq` is the sequence number of the stream's first byte (ISN + 1, or the first data seen). */
  constructor(
    initialSeq: number,
    private readonly pool: ReassemblyPool,
  ) {
    this.nextSeq = initialSeq >>> 0;
  }

  /** Bytes delivered in order so far (gaps included). */
  get length(): number {
    return this.delivered;
  }

  /** Segments waiting for a hole to fill. */
  get pendingSegments(): number {
    return this.pending.length;
  }

  /**
   * Add one segment's payload: `data[offset, offset + length)` at sequence `seq`. `wireLength`
   * is the payload length on the wire; bytes the snaplen cut off become a gap. The bytes kept
   * are copied, the last of them possibly later: `data` must stay unchanged until the pool's
   * `flushDeferred()` or the next read of this stream.
   */
  add(seq: number, data: Uint8Array, offset: number, length: number, wireLength: number, frame: number): void {
    if (wireLength <= 0 || this.released) return;
    if (length > wireLength) length = wireLength;
    const ahead = seqDiff(this.nextSeq, seq);
    if (ahead <= 0) {
      this.deliverAt(seq, data, offset, length, frame);
      if (wireLength > length && seqLt(this.nextSeq, seqAdd(seq, wireLength))) this.skipTo(seqAdd(seq, wireLength));
      if (this.pending.length > 0) this.drainPending();
      return;
    }
    // Out of order. A segment too far ahead, or one the buffer cannot hold, turns the hole
    // before the earliest waiting data into a gap (gopacket's assembler does the same when its
    // page budget runs out).
    if (ahead > this.pool.options.windowBytes || length > this.pool.options.maxBufferedBytes) {
      this.flushPending();
      if (seqLt(this.nextSeq, seq)) this.skipTo(seq);
      this.add(seq, data, offset, length, wireLength, frame);
      return;
    }
    this.buffer(seq, data, offset, length, frame);
    // Bytes the snaplen cut off leave a hole nothing can fill: an empty marker skips it in order.
    if (wireLength > length) this.insertPending({ seq: seqAdd(seq, length), data: new Uint8Array(0), frame, cut: wireLength - length });
    while (this.pending.length > this.pool.options.maxBufferedSegments || this.pendingBytes > this.pool.options.maxBufferedBytes) {
      const first = this.pending[0]!;
      this.skipTo(first.seq);
      this.drainPending();
    }
  }

  /** Deliver everything still buffered, marking the holes as gaps (conversation end). */
  flushPending(): void {
    while (this.pending.length > 0) {
      const first = this.pending[0]!;
      if (seqLt(this.nextSeq, first.seq)) this.skipTo(first.seq);
      this.drainPending();
    }
  }

  /** The kept bytes; call at conversation end (buffered segments are flushed first). */
  snapshot(): StreamSnapshot {
    this.settle();
    const tailOffset = this.tailOffset;
    return {
      length: this.delivered,
      head: this.keptHead(),
      tail: this.keptTail(),
      tailOffset,
      gaps: this.gapCount > 0 ? this.gaps.slice() : [],
      gapCount: this.gapCount,
      gapBytes: this.gapBytes,
      lastGapEnd: this.gapCount > 0 ? this.lastGapEnd : -1,
      duplicateBytes: this.duplicateBytes,
      overlapMismatches: this.overlapMismatches,
      starved: this.starved,
    };
  }

  /**
   * Deliver what waits for a hole (the holes become gaps) and copy the deferred tail write: the
   * kept bytes are then final. Call at conversation end, before reading them.
   */
  settle(): void {
    this.flushPending();
    this.writeDeferred();
  }

  /** The kept bytes from stream offset 0 (gap bytes read as 0): a view, not a copy. */
  keptHead(): Uint8Array {
    return this.head ? this.head.subarray(0, this.headLength) : EMPTY;
  }

  /** Stream offset of the tail's first byte (see `keptTail`). */
  get tailOffset(): number {
    return Math.max(0, this.delivered - this.pool.options.tailBytes);
  }

  /** Stream offset where the last gap ends, -1 when there was none. */
  get lastGapEnded(): number {
    return this.gapCount > 0 ? this.lastGapEnd : -1;
  }

  /** True when the memory budget stopped this direction from keeping bytes. */
  get wasStarved(): boolean {
    return this.starved;
  }

  /**
   * The kept bytes at stream offsets [tailOffset, length) (0 where not kept): a view of the head
   * or of the ring when they lie in one piece there, else a copy. Read after `settle`.
   */
  keptTail(): Uint8Array {
    const from = this.tailOffset;
    const to = this.delivered;
    if (to <= this.headLength) return this.head === null ? EMPTY : this.head.subarray(from, to);
    const ring = this.ring;
    const headLimit = this.pool.options.headBytes;
    if (ring !== null && from >= headLimit && from >= to - ring.length) {
      const pos = (from - headLimit) % ring.length;
      if (pos + (to - from) <= ring.length) return ring.subarray(pos, pos + (to - from));
    }
    return this.copyRange(from, to);
  }

  /** Free the kept bytes and give them back to the pool. */
  release(): void {
    this.released = true;
    this.deferData = null;
    if (this.head) this.pool.giveBack(this.head);
    if (this.ring) this.pool.giveBack(this.ring);
    this.head = null;
    this.ring = null;
    // Nothing is kept any more: no offset may read as kept (isKept, byteAt, copyRange).
    this.headLength = 0;
    this.pending = NO_PENDING;
    this.pendingBytes = 0;
  }

  /** Copy the deferred tail write, if any, into the ring. */
  writeDeferred(): void {
    this.deferListed = false;
    const data = this.deferData;
    if (data === null) return;
    this.deferData = null;
    writeRing(data, this.deferFrom, this.ring!.length, this.ring!, this.deferPos);
  }

  // ---------------------------------------------------------------- internals

  /** A copy of the kept bytes at stream offsets [from, to) (0 where not kept or inside a gap). */
  private copyRange(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    const headLimit = this.pool.options.headBytes;
    // Head part.
    const headEnd = Math.min(to, this.headLength);
    if (this.head !== null && from < headEnd) out.set(this.head.subarray(from, headEnd), 0);
    // Ring part: offsets ≥ headBytes still inside the ring.
    const ring = this.ring;
    if (ring !== null) {
      let off = Math.max(from, headLimit, this.delivered - ring.length);
      while (off < to) {
        const pos = (off - headLimit) % ring.length;
        const n = Math.min(to - off, ring.length - pos);
        out.set(ring.subarray(pos, pos + n), off - from);
        off += n;
      }
    }
    return out;
  }

  /** The byte at stream offset `off` of the kept head, or -1 beyond it: a look without a copy. */
  headByte(off: number): number {
    return off < this.headLength ? this.head![off]! : -1;
  }

  /** The kept byte at stream offset `off` (0 when not kept or inside a gap). */
  private byteAt(off: number): number {
    if (off < this.headLength) return this.head![off]!;
    if (this.deferData !== null) this.writeDeferred();
    const ring = this.ring;
    const headLimit = this.pool.options.headBytes;
    if (!ring || off < headLimit || off < this.delivered - ring.length) return 0;
    return ring[(off - headLimit) % ring.length]!;
  }

  /** Whether the byte at stream offset `off` is still kept (to compare an overlapping copy). */
  private isKept(off: number): boolean {
    if (off < this.headLength) return true;
    const ring = this.ring;
    return ring !== null && off >= this.pool.options.headBytes && off >= this.delivered - ring.length && off < this.delivered;
  }

  /** Deliver a segment that starts at or before `nextSeq`: compare the old part, append the new. */
  private deliverAt(seq: number, data: Uint8Array, offset: number, length: number, frame: number): void {
    const behind = -seqDiff(this.nextSeq, seq); // ≥ 0: bytes of this segment already delivered
    const old = Math.min(behind, length);
    if (old > 0) {
      this.duplicateBytes += old;
      // A 1-byte segment just below nextSeq is a keep-alive or window probe carrying a junk byte.
      if (!(length === 1 && behind === 1)) this.compare(this.delivered - behind, data, offset, old, frame);
    }
    if (length > behind) this.append(data, offset + behind, length - behind);
  }

  /** Compare `length` bytes of `data` with the kept stream from `streamOffset`. */
  private compare(streamOffset: number, data: Uint8Array, offset: number, length: number, frame: number): void {
    for (let i = 0; i < length; i++) {
      const off = streamOffset + i;
      if (off < 0 || !this.isKept(off)) continue;
      if (this.inGap(off)) continue;
      if (this.byteAt(off) !== data[offset + i]) {
        this.overlapMismatches++;
        this.pool.onAnomaly('tcp_overlap_mismatch', frame);
        return;
      }
    }
  }

  private inGap(off: number): boolean {
    // Gaps beyond the listed ones: treat everything before the last gap's end as unknown.
    if (this.gapCount > this.gaps.length && off < this.lastGapEnd) return true;
    for (const g of this.gaps) if (off >= g.offset && off < g.offset + g.size) return true;
    return false;
  }

  /** Append in-order bytes to the stream, keeping the head and the tail ring. */
  private append(data: Uint8Array, offset: number, length: number): void {
    const o = this.pool.options;
    let off = this.delivered;
    let src = offset;
    let n = length;
    if (off < o.headBytes && !this.starved) {
      const take = Math.min(n, o.headBytes - off);
      if (this.head === null || this.head.length < off + take) this.growHead(off + take);
      // When the budget ran out while growing, the old (smaller) head is kept: write only what fits.
      const fits = this.head === null ? 0 : Math.min(take, this.head.length - off);
      if (fits > 0) {
        copyBytes(data, src, src + fits, this.head!, off);
        // A small integer (| 0): one number stored as a double would make the field a boxed double in every stream.
        this.headLength = (off + fits) | 0;
      }
      off += take;
      src += take;
      n -= take;
    }
    if (n > 0 && o.tailBytes > 0 && !this.starved) {
      let ring = this.ring;
      if (!ring) {
        ring = this.ring = this.pool.acquire(o.tailBytes);
        if (!ring) this.starve();
      }
      if (ring) {
        // Only the last ring.length bytes of this segment can survive.
        if (n > ring.length) {
          src += n - ring.length;
          off += n - ring.length;
          n = ring.length;
        }
        const pos = (off - o.headBytes) % ring.length;
        if (n === ring.length) {
          // The whole ring is replaced: remember where from, copy later (or never).
          this.deferData = data;
          this.deferFrom = src;
          this.deferPos = pos;
          if (!this.deferListed) {
            this.deferListed = true;
            this.pool.noteDeferred(this);
          }
        } else {
          if (this.deferData !== null) this.writeDeferred();
          writeRing(data, src, n, ring, pos);
        }
      }
    }
    this.delivered += length;
    this.nextSeq = seqAdd(this.nextSeq, length);
  }

  /** Most streams are short (a request, a banner): the head starts small and grows once. */
  private growHead(needed: number): void {
    const limit = this.pool.options.headBytes;
    const size = needed <= SMALL_HEAD_BYTES && limit > SMALL_HEAD_BYTES ? SMALL_HEAD_BYTES : limit;
    const next = this.pool.acquire(size);
    if (next === null) {
      this.starve();
      return;
    }
    if (this.head !== null) {
      next.set(this.head.subarray(0, this.headLength));
      this.pool.giveBack(this.head);
    }
    this.head = next;
  }

  private starve(): void {
    if (!this.starved) this.pool.starved++;
    this.starved = true;
  }

  /** Declare the bytes up to `seq` missing: a gap at the current offset. */
  private skipTo(seq: number): void {
    const size = seqDiff(this.nextSeq, seq);
    if (size <= 0) return;
    const offset = this.delivered;
    this.gapBytes += size;
    const last = this.gaps[this.gaps.length - 1];
    if (this.lastGapEnd === offset && this.gapCount > 0) {
      if (last && last.offset + last.size === offset) last.size += size;
    } else {
      this.gapCount++;
      if (this.gaps.length < this.pool.options.maxListedGaps) {
        if (this.gaps === NO_GAPS) this.gaps = [];
        this.gaps.push({ offset, size });
      }
    }
    this.lastGapEnd = offset + size;
    // Gap bytes occupy stream offsets and read as zeros: the head was never written there (the
    // next append leaves them zero); the ring may hold older bytes, so clear them.
    const o = this.pool.options;
    if (this.deferData !== null) this.writeDeferred();
    if (this.ring && offset + size > o.headBytes) {
      const ring = this.ring;
      const from = Math.max(offset, o.headBytes, offset + size - ring.length);
      for (let off = from; off < offset + size; off++) ring[(off - o.headBytes) % ring.length] = 0;
    }
    this.delivered += size;
    this.nextSeq = seq >>> 0;
  }

  /** Buffer a private copy of the parts of an out-of-order segment not already buffered. */
  private buffer(seq: number, data: Uint8Array, offset: number, length: number, frame: number): void {
    let start = 0;
    const end = length;
    // First copy wins: trim against segments already waiting.
    for (const p of this.pending) {
      if (p.data.length === 0) continue;
      const pStart = seqDiff(seq, p.seq);
      const pEnd = pStart + p.data.length;
      if (pEnd <= start || pStart >= end) continue;
      const from = Math.max(start, pStart);
      const to = Math.min(end, pEnd);
      for (let i = from; i < to; i++) {
        if (p.data[i - pStart] !== data[offset + i]) {
          this.overlapMismatches++;
          this.pool.onAnomaly('tcp_overlap_mismatch', frame);
          break;
        }
      }
      this.duplicateBytes += to - from;
      if (pStart <= start) {
        start = Math.max(start, pEnd);
      } else {
        // The new segment covers [start, pStart) before the waiting one: keep that part now
        // and continue with what lies after the waiting one.
        this.insertPending({ seq: seqAdd(seq, start), data: copyOf(data, offset + start, offset + pStart), frame, cut: 0 });
        this.pendingBytes += pStart - start;
        start = Math.min(end, pEnd);
      }
      if (start >= end) return;
    }
    if (start < end) {
      this.insertPending({ seq: seqAdd(seq, start), data: copyOf(data, offset + start, offset + end), frame, cut: 0 });
      this.pendingBytes += end - start;
    }
  }

  private insertPending(p: PendingSegment): void {
    if (this.pending === NO_PENDING) this.pending = [];
    const list = this.pending;
    let i = list.length;
    while (i > 0 && seqLt(p.seq, list[i - 1]!.seq)) i--;
    list.splice(i, 0, p);
  }

  /** Deliver waiting segments that now start at or before `nextSeq`. */
  private drainPending(): void {
    const list = this.pending;
    while (list.length > 0 && seqDiff(this.nextSeq, list[0]!.seq) <= 0) {
      const p = list.shift()!;
      if (p.data.length === 0) {
        const to = seqAdd(p.seq, p.cut);
        if (seqLt(this.nextSeq, to)) this.skipTo(to);
        continue;
      }
      this.pendingBytes -= p.data.length;
      this.deliverAt(p.seq, p.data, 0, p.data.length, p.frame);
    }
  }
}

/**
 * Copy `data[from, to)` into `target` at `at` without allocating a view per segment (this runs
 * for every segment with payload). Buffer's copy accepts any Uint8Array on both sides.
 */
const nativeCopy = Buffer.prototype.copy;
function copyBytes(data: Uint8Array, from: number, to: number, target: Uint8Array, at: number): void {
  nativeCopy.call(data, target, at, from, to);
}

/** Copy `data[from, from + n)` (n ≤ ring.length) into `ring` from `pos`, wrapping at its end. */
function writeRing(data: Uint8Array, from: number, n: number, ring: Uint8Array, pos: number): void {
  const first = Math.min(n, ring.length - pos);
  copyBytes(data, from, from + first, ring, pos);
  if (n > first) copyBytes(data, from + first, from + n, ring, 0);
}

/** A private copy of `data[from, to)` (Buffer#slice would return a view of the reused frame buffer). */
function copyOf(data: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(data.subarray(from, to));
}
