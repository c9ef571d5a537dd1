import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReassemblyPool, StreamReassembler, type ReassemblyOptions } from '../../src/flow/reassembly.js';

/** One row of a segment table: sequence number and payload (text or bytes). */
interface Seg {
  seq: number;
  data: string | Uint8Array;
  /** Payload length on the wire when the snaplen cut the segment. */
  wire?: number;
}

function bytes(d: string | Uint8Array): Uint8Array {
  return typeof d === 'string' ? new TextEncoder().encode(d) : d;
}

function text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

/** Feed a segment table to a fresh reassembler starting at `isn + 1`. */
function reassemble(isn: number, segs: Seg[], options: Partial<ReassemblyOptions> = {}) {
  const anomalies: Array<[string, number]> = [];
  const pool = new ReassemblyPool(options, (name, frame) => anomalies.push([name, frame]));
  const r = new StreamReassembler((isn + 1) >>> 0, pool);
  segs.forEach((s, i) => {
    const b = bytes(s.data);
    // Put the payload inside a larger buffer, as a frame would carry it.
    const frame = new Uint8Array(b.length + 20);
    frame.set(b, 10);
    r.add(s.seq >>> 0, frame, 10, b.length, s.wire ?? b.length, i + 1);
  });
  return { snap: r.snapshot(), anomalies, pool, r };
}

describe('stream reassembly: segment tables', () => {
  it('in order', () => {
    const { snap } = reassemble(1000, [
      { seq: 1001, data: 'GET / ' },
      { seq: 1007, data: 'HTTP/1.1\r\n' },
    ]);
    expect(text(snap.head)).toBe('GET / HTTP/1.1\r\n');
    expect(text(snap.tail)).toBe('GET / HTTP/1.1\r\n');
    expect(snap).toMatchObject({ length: 16, gapCount: 0, duplicateBytes: 0, overlapMismatches: 0 });
  });

  it('out of order: reversed segments are put back in sequence order', () => {
    const { snap } = reassemble(0, [
      { seq: 11, data: 'klmno' },
      { seq: 6, data: 'fghij' },
      { seq: 1, data: 'abcde' },
    ]);
    expect(text(snap.head)).toBe('abcdefghijklmno');
    expect(snap.gapCount).toBe(0);
  });

  it('retransmission of the same bytes counts duplicates, no anomaly', () => {
    const { snap, anomalies } = reassemble(0, [
      { seq: 1, data: 'abcde' },
      { seq: 1, data: 'abcde' },
      { seq: 6, data: 'fgh' },
      { seq: 4, data: 'defghij' },
    ]);
    expect(text(snap.head)).toBe('abcdefghij');
    expect(snap.duplicateBytes).toBe(5 + 5);
    expect(anomalies).toEqual([]);
  });

  it('a differing overlap keeps the first copy and is the anomaly tcp_overlap_mismatch', () => {
    const { snap, anomalies } = reassemble(0, [
      { seq: 1, data: 'abcdef' },
      { seq: 4, data: 'XYZghi' }, // "def" sent again as "XYZ"
    ]);
    expect(text(snap.head)).toBe('abcdefghi');
    expect(snap.overlapMismatches).toBe(1);
    expect(anomalies).toEqual([['tcp_overlap_mismatch', 2]]);
  });

  it('differing overlaps among buffered out-of-order segments: first copy seen wins', () => {
    const { snap, anomalies } = reassemble(0, [
      { seq: 6, data: 'fghij' }, // waits for 1..5
      { seq: 4, data: 'deFGHIJk' }, // overlaps the waiting segment with other bytes
      { seq: 1, data: 'abc' },
    ]);
    expect(text(snap.head)).toBe('abcdefghijk');
    expect(snap.overlapMismatches).toBe(1);
    expect(anomalies.map((a) => a[0])).toEqual(['tcp_overlap_mismatch']);
  });

  it('wraps around 2^32', () => {
    const isn = 0xfffffff9; // first byte at 0xfffffffa
    const { snap } = reassemble(isn, [
      { seq: 0x00000000, data: 'ghij' }, // after the wrap, out of order
      { seq: 0xfffffffa, data: 'abcdef' }, // ends exactly at 2^32
      { seq: 0xfffffffd, data: 'def' }, // retransmission before the wrap
    ]);
    expect(text(snap.head)).toBe('abcdefghij');
    expect(snap).toMatchObject({ gapCount: 0, duplicateBytes: 3, overlapMismatches: 0 });
  });

  it('a hole that never fills becomes a gap with its size; gap bytes read as zero', () => {
    const { snap } = reassemble(0, [
      { seq: 1, data: 'abc' },
      { seq: 9, data: 'ijk' }, // 4..8 (5 bytes) never arrive
    ]);
    expect(snap.gaps).toEqual([{ offset: 3, size: 5 }]);
    expect(snap).toMatchObject({ gapCount: 1, gapBytes: 5, length: 11 });
    expect(text(snap.head)).toBe('abc\0\0\0\0\0ijk');
  });

  it('a lost first segment is a gap at offset 0', () => {
    const { snap } = reassemble(100, [{ seq: 111, data: 'later' }]);
    expect(snap.gaps).toEqual([{ offset: 0, size: 10 }]);
    expect(text(snap.head.subarray(10))).toBe('later');
  });

  it('keeps only the first and last bytes of a long stream (tiny limits)', () => {
    const segs: Seg[] = [];
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 26; i++) segs.push({ seq: 1 + i * 3, data: alphabet[i]!.repeat(3) });
    const { snap, pool } = reassemble(0, segs, { headBytes: 4, tailBytes: 5 });
    expect(text(snap.head)).toBe('aaab');
    expect(text(snap.tail)).toBe('yyzzz');
    expect(snap.tailOffset).toBe(78 - 5);
    expect(snap.length).toBe(78);
    expect(pool.usedBytes).toBeLessThanOrEqual(4 + 5);
  });

  it('a segment longer than the tail ring keeps its last bytes', () => {
    const { snap } = reassemble(0, [{ seq: 1, data: '0123456789abcdefghij' }], { headBytes: 2, tailBytes: 4 });
    expect(text(snap.head)).toBe('01');
    expect(text(snap.tail)).toBe('ghij');
  });

  it('a retransmission inside the tail ring is compared; outside the kept bytes it is not', () => {
    const segs: Seg[] = [
      { seq: 1, data: 'aaaa' },
      { seq: 5, data: 'bbbb' },
      { seq: 9, data: 'cccc' },
      { seq: 13, data: 'dddd' },
      { seq: 5, data: 'XXXX' }, // neither in head (2) nor tail (4): cannot tell
      { seq: 13, data: 'dYdd' }, // in the tail: differs
    ];
    const { snap } = reassemble(0, segs, { headBytes: 2, tailBytes: 4 });
    expect(snap.overlapMismatches).toBe(1);
    expect(snap.duplicateBytes).toBe(8);
  });

  it('more waiting segments than the buffer holds: the hole is skipped and marked', () => {
    const { snap, r } = reassemble(
      0,
      [
        { seq: 6, data: 'fg' },
        { seq: 8, data: 'hi' },
        { seq: 10, data: 'jk' }, // third waiting segment: over the limit of 2
      ],
      { maxBufferedSegments: 2 },
    );
    expect(r.pendingSegments).toBe(0);
    expect(snap.gaps).toEqual([{ offset: 0, size: 5 }]);
    expect(text(snap.head.subarray(5))).toBe('fghijk');
  });

  it('a late segment for a skipped hole does not change the stream', () => {
    const pool = new ReassemblyPool({ maxBufferedSegments: 1 });
    const r = new StreamReassembler(1, pool);
    const add = (seq: number, s: string): void => r.add(seq, bytes(s), 0, s.length, s.length, 1);
    add(4, 'de');
    add(6, 'f'); // over the limit: 1..3 skipped
    add(1, 'abc'); // arrives too late
    const snap = r.snapshot();
    expect(snap.gaps).toEqual([{ offset: 0, size: 3 }]);
    expect(text(snap.head)).toBe('\0\0\0def');
    expect(snap.overlapMismatches).toBe(0);
  });

  it('a segment beyond the window is not buffered: the hole before it is a gap at once', () => {
    const { r } = reassemble(0, [{ seq: 1, data: 'ab' }], { windowBytes: 100 });
    r.add(1000, bytes('far'), 0, 3, 3, 2);
    expect(r.pendingSegments).toBe(0);
    const snap = r.snapshot();
    expect(snap.gaps).toEqual([{ offset: 2, size: 997 }]);
    expect(snap.length).toBe(1002);
    expect(text(snap.tail.subarray(snap.tail.length - 3))).toBe('far');
  });

  it('bytes cut by the snaplen become a gap, in order and out of order', () => {
    const { snap } = reassemble(0, [
      { seq: 1, data: 'abc', wire: 10 }, // 7 bytes not captured
      { seq: 21, data: 'uv', wire: 4 }, // out of order, 2 bytes not captured
      { seq: 11, data: 'klmnopqrst' },
    ]);
    expect(snap.gaps).toEqual([
      { offset: 3, size: 7 },
      { offset: 22, size: 2 },
    ]);
    expect(snap.length).toBe(24);
  });

  it('a 1-byte keep-alive probe below the next sequence is not a mismatch', () => {
    const { snap } = reassemble(0, [
      { seq: 1, data: 'abc' },
      { seq: 3, data: '\0' },
    ]);
    expect(snap.overlapMismatches).toBe(0);
    expect(text(snap.head)).toBe('abc');
  });

  it('the memory budget of the pool bounds every direction together', () => {
    const pool = new ReassemblyPool({ headBytes: 256, tailBytes: 256, maxTotalBytes: 600 });
    const a = new StreamReassembler(0, pool);
    const b = new StreamReassembler(0, pool);
    const big = new Uint8Array(1000).fill(65);
    a.add(0, big, 0, 1000, 1000, 1); // head 256 + ring 256
    b.add(0, big, 0, 1000, 1000, 2); // head 256 does not fit in the remaining 88
    expect(pool.usedBytes).toBeLessThanOrEqual(600);
    expect(b.snapshot().starved).toBe(true);
    expect(pool.starved).toBe(1);
    a.release();
    expect(pool.usedBytes).toBe(0);
  });

  it('rejects negative limits', () => {
    expect(() => new ReassemblyPool({ headBytes: -1 })).toThrow(RangeError);
  });
});

describe('stream reassembly: properties', () => {
  it('any order, with duplicates, gives back the stream (buffer large enough)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (stream, isn, cuts, order) => {
          // Cut the stream into segments, then shuffle and duplicate some.
          const segs: Seg[] = [];
          let off = 0;
          for (let i = 0; off < stream.length; i++) {
            const n = Math.min(cuts[i % cuts.length]!, stream.length - off);
            segs.push({ seq: (isn + 1 + off) >>> 0, data: stream.slice(off, off + n) });
            off += n;
          }
          const shuffled = segs.slice();
          for (let i = 0; i < order.length; i++) {
            const j = order[i]! % shuffled.length;
            if (i % 3 === 0) shuffled.push(shuffled[j]!);
            else [shuffled[i % shuffled.length], shuffled[j]] = [shuffled[j]!, shuffled[i % shuffled.length]!];
          }
          const { snap } = reassemble(isn, shuffled, { headBytes: 128, tailBytes: 64, maxBufferedSegments: 1000, maxBufferedBytes: 100000 });
          expect(snap.gapCount).toBe(0);
          expect(snap.overlapMismatches).toBe(0);
          expect(snap.length).toBe(stream.length);
          expect([...snap.head]).toEqual([...stream.slice(0, 128)]);
          expect([...snap.tail]).toEqual([...stream.slice(Math.max(0, stream.length - 64))]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws and stays within its limits on arbitrary segment tables', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 0, max: 0xffffffff }), data: fc.uint8Array({ maxLength: 64 }), extra: fc.nat(8) }), { maxLength: 50 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (table, isn) => {
          const { snap, pool } = reassemble(
            isn,
            table.map((s) => ({ seq: s.seq, data: s.data, wire: s.data.length + s.extra })),
            { headBytes: 32, tailBytes: 16, maxBufferedSegments: 4, maxBufferedBytes: 128, windowBytes: 4096 },
          );
          expect(snap.head.length).toBeLessThanOrEqual(32);
          expect(snap.tail.length).toBeLessThanOrEqual(16);
          expect(pool.usedBytes).toBeLessThanOrEqual(48);
          expect(snap.gaps.length).toBeLessThanOrEqual(16);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('memory budget running out while the head grows', () => {
  it('keeps the bytes that fit and never writes past the kept head', () => {
    // Budget: the 512-byte small head fits, the full 4 KiB head does not.
    const pool = new ReassemblyPool({ headBytes: 4096, tailBytes: 0, maxTotalBytes: 1024 });
    const r = new StreamReassembler(1, pool);
    const first = new Uint8Array(300).fill(0x41);
    const second = new Uint8Array(600).fill(0x42);
    r.add(1, first, 0, first.length, first.length, 1);
    expect(() => r.add(301, second, 0, second.length, second.length, 2)).not.toThrow();
    const snap = r.snapshot();
    expect(snap.length).toBe(900);
    expect(snap.starved).toBe(true);
    expect(snap.head.length).toBe(512);
    expect(snap.head[299]).toBe(0x41);
    expect(snap.head[300]).toBe(0x42);
  });
});

describe('late tail copy: a segment that fills the whole ring is copied when the pool flushes', () => {
  /**
   * Feed `segs` twice: once from buffers that stay intact, once from one buffer that is
   * scribbled over after each `flushDeferred()` (every `every` segments), as the capture reader
   * reuses its chunk. The kept bytes must be the same.
   */
  function both(segs: Array<{ seq: number; data: Uint8Array }>, every: number, options: Partial<ReassemblyOptions>) {
    const keep = new ReassemblyPool(options);
    const a = new StreamReassembler(1, keep);
    for (const [i, s] of segs.entries()) a.add(s.seq, Uint8Array.from(s.data), 0, s.data.length, s.data.length, i + 1);
    const reuse = new ReassemblyPool(options);
    const b = new StreamReassembler(1, reuse);
    const shared = new Uint8Array(4096 * 64);
    let used = 0;
    for (const [i, s] of segs.entries()) {
      shared.set(s.data, used);
      b.add(s.seq, shared, used, s.data.length, s.data.length, i + 1);
      used += s.data.length;
      if ((i + 1) % every === 0) {
        reuse.flushDeferred();
        shared.fill(0xee);
        used = 0;
      }
    }
    return { kept: a.snapshot(), late: b.snapshot() };
  }

  it('gives the same head, tail and mismatch count as copying at once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ len: fc.integer({ min: 1, max: 300 }), back: fc.integer({ min: 0, max: 40 }), flip: fc.boolean(), hole: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 8 }),
        (rows, every) => {
          // A stream of known bytes; each row sends `len` new bytes, starting `back` bytes early
          // (a retransmitted overlap), sometimes with a changed first byte (a mismatch).
          const stream = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 131 + 7) & 0xff);
          const segs: Array<{ seq: number; data: Uint8Array }> = [];
          let next = 0;
          for (const r of rows) {
            // A hole: bytes never sent. Past the window (50 bytes here) it is a gap at once.
            next += r.hole;
            const from = Math.max(0, next - (r.hole > 0 ? 0 : r.back));
            const data = stream.slice(from, next + r.len);
            if (r.flip && from < next) data[0] = data[0]! ^ 0xff;
            segs.push({ seq: 1 + from, data });
            next += r.len;
          }
          const { kept, late } = both(segs, every, { headBytes: 48, tailBytes: 64, windowBytes: 50 });
          expect(text(late.head)).toBe(text(kept.head));
          expect(text(late.tail)).toBe(text(kept.tail));
          expect(late.length).toBe(kept.length);
          expect(late.overlapMismatches).toBe(kept.overlapMismatches);
          expect(late.duplicateBytes).toBe(kept.duplicateBytes);
          expect(late.gaps).toEqual(kept.gaps);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a released stream drops its late copy; the flush after it writes nothing', () => {
    const pool = new ReassemblyPool({ headBytes: 16, tailBytes: 16 });
    const s = new StreamReassembler(1, pool);
    const buf = new Uint8Array(64).fill(0x41);
    s.add(1, buf, 0, 64, 64, 1);
    s.release();
    expect(() => pool.flushDeferred()).not.toThrow();
    expect(pool.usedBytes).toBe(0);
  });
});

describe('stream reassembly: after release', () => {
  it('ignores a retransmission of delivered data once the kept bytes went back to the pool', () => {
    const pool = new ReassemblyPool({}, () => {});
    const r = new StreamReassembler(1001, pool);
    const data = new Uint8Array(1448).fill(0x61);
    r.add(1001, data, 0, data.length, data.length, 1);
    r.release();
    // Another stream takes the freed blocks and writes other bytes into them.
    const other = new StreamReassembler(1, pool);
    other.add(1, new Uint8Array(1448).fill(0x62), 0, 1448, 1448, 2);
    expect(() => r.add(1001, data, 0, data.length, data.length, 3)).not.toThrow();
    expect(r.overlapMismatches).toBe(0);
    expect(r.snapshot().head.length).toBe(0);
    // The other stream's bytes are untouched.
    expect(other.snapshot().head[0]).toBe(0x62);
  });

  it('keeps nothing of data that arrives after release', () => {
    const pool = new ReassemblyPool({}, () => {});
    const r = new StreamReassembler(1001, pool);
    r.add(1001, bytes('hello'), 0, 5, 5, 1);
    r.release();
    r.add(1006, bytes('world'), 0, 5, 5, 2);
    expect(pool.usedBytes).toBe(0);
    expect(r.snapshot().tail.every((b) => b === 0)).toBe(true);
  });
});
