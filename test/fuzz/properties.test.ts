/**
 * Property-based robustness of the reader, every decoder and the whole pipeline: for any input
 * bytes, no uncaught exception, a report or a CaptureError with a finite offset, time within a
 * bound proportional to the size, and valid output in every format. Deterministic: the seed is
 * FUZZ_SEED (fast-check prints seed and path when a property fails; set FUZZ_SEED to replay).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FUZZ_SEED,
  SUPPORTED_LINK_TYPES,
  bytesCaseArb,
  captureCaseArb,
  checkDecoder,
  checkFrame,
  checkPipeline,
  checkReader,
  decoderCaseArb,
  materialize,
  mutantCaseArb,
  seedCaptures,
} from './support.js';

const params = (numRuns: number) => ({ seed: FUZZ_SEED, numRuns });

describe('capture reader, any bytes', () => {
  it('arbitrary bytes behind each magic number: frames, warnings or a CaptureError; 1- and 7-byte chunks agree', async () => {
    await fc.assert(fc.asyncProperty(bytesCaseArb, async (c) => void (await checkReader(materialize(c)))), params(3000));
  });

  it('mutated seed captures (bit flips, extreme lengths, blocks duplicated/reordered/dropped, lying section lengths, gzip)', async () => {
    await fc.assert(
      fc.asyncProperty(mutantCaseArb, async (c) => {
        const bytes = materialize(c);
        // The in-memory reader takes decompressed bytes; gzip goes through the pipeline below.
        if (c.kind === 'mutant' && c.gzip !== 'none') return;
        await checkReader(bytes);
      }),
      params(3000),
    );
  });

  it('every truncation of every small seed capture', async () => {
    for (const seed of seedCaptures().filter((s) => s.bytes.length <= 2048)) {
      for (let len = 0; len <= seed.bytes.length; len++) {
        const outcome = await checkReader(seed.bytes.subarray(0, len));
        if (len === seed.bytes.length) expect(outcome.outcome, seed.name).toBe('report');
      }
    }
  });
});

describe('decoders, any bytes', () => {
  it('each decoder on an arbitrary layer window never throws and stays inside the frame', async () => {
    await fc.assert(fc.asyncProperty(decoderCaseArb, (c) => checkDecoder(c)), params(15000));
  });

  it('whole frames of every supported link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED_LINK_TYPES), fc.uint8Array({ maxLength: 300 }), (linkType, bytes) => {
        checkFrame(linkType, Buffer.from(bytes));
      }),
      params(8000),
    );
  });
});

describe('whole pipeline, any bytes', () => {
  it('analyzeCapture on a stream of the bytes: a report valid in every format, or a CaptureError', async () => {
    await fc.assert(
      fc.asyncProperty(captureCaseArb, fc.integer({ min: 0, max: 64 }), async (c, chunk) => {
        await checkPipeline(materialize(c), chunk);
      }),
      params(3000),
    );
    // 3,000 whole analyses: on a loaded 2-core machine this can take more than the default minute.
  }, 180_000);

  it('every seed capture as is gives a report with packets', async () => {
    for (const seed of seedCaptures()) {
      const outcome = await checkPipeline(seed.bytes);
      expect(outcome.outcome, seed.name).toBe('report');
      if (outcome.outcome === 'report') expect(outcome.packets, seed.name).toBeGreaterThan(0);
    }
  });
});
