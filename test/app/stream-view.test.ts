import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { streamView } from '../../src/app/index.js';
import { ReassemblyPool, StreamReassembler } from '../../src/flow/reassembly.js';

const LIMITS = { headBytes: 128, tailBytes: 64, maxBufferedSegments: 1000, maxBufferedBytes: 100000 };

/** A reassembler fed `stream` in segments of `cut` bytes, leaving out the segments in `lost`. */
function fed(stream: Uint8Array, cut: number, lost: Set<number> = new Set()): StreamReassembler {
  const r = new StreamReassembler(1, new ReassemblyPool(LIMITS));
  for (let off = 0, i = 0; off < stream.length; off += cut, i++) {
    if (lost.has(i)) continue;
    const n = Math.min(cut, stream.length - off);
    r.add(1 + off, stream, off, n, n, i + 1);
  }
  return r;
}

/** The view as the recognisers got it from a copied snapshot, before views read in place. */
function copiedView(r: StreamReassembler) {
  const snap = r.snapshot();
  const firstGap = snap.gaps.length > 0 ? snap.gaps[0]!.offset : Infinity;
  const head = snap.head.subarray(0, Math.min(snap.head.length, firstGap));
  const tail = snap.lastGapEnd > snap.tailOffset ? snap.tail.subarray(Math.min(snap.tail.length, snap.lastGapEnd - snap.tailOffset)) : snap.tail;
  return { head: [...head], tail: [...tail], length: snap.length, complete: snap.gapCount === 0 && !snap.starved && head.length === snap.length, gaps: snap.gapCount };
}

describe('stream views read the kept bytes in place', () => {
  it('give what a copied snapshot gives, with and without gaps, before and after the tail ring wraps', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.integer({ min: 1, max: 90 }), fc.array(fc.nat({ max: 30 }), { maxLength: 3 }), (stream, cut, lost) => {
        const a = fed(stream, cut, new Set(lost));
        const b = fed(stream, cut, new Set(lost));
        const v = streamView(a, 'fin');
        expect({ head: [...v.head], tail: [...v.tail], length: v.length, complete: v.complete, gaps: v.gaps }).toEqual(copiedView(b));
      }),
      { numRuns: 400 },
    );
  });

  it('a short stream: head and tail are views of the kept head, no copy', () => {
    const r = fed(new Uint8Array(100).map((_, i) => i), 30);
    const v = streamView(r, 'fin');
    expect(v.tail.buffer).toBe(v.head.buffer);
    expect([...v.tail]).toEqual([...v.head.subarray(36)]);
  });
});
