/**
 * The process-wide memory policy of the command and its scan workers (the library never touches
 * V8's flags or collections; a host program keeps V8's defaults unless it passes this policy).
 *
 * Keeps the heap near the live set. V8 sizes its old generation by its own heuristics and, with
 * the allocation pattern of a long capture (conversations that live a few seconds of capture
 * time, then die), lets garbage grow to three or four times what is live: 264 MiB peak for a
 * 1 GB capture whose live set stays under 60 MB. Once per read chunk, `collectIfGrown` asks for
 * a full collection when the heap has grown past the live set by HEAP_GROWTH_ALLOWANCE_BYTES.
 * Everything the analysis keeps is capped, so the live set stays small and a collection takes a
 * few milliseconds (measured: 1 GB in 2.15 s and 157 MiB, against 2.0 s and 264 MiB without).
 *
 * It also stops the young generation from growing past YOUNG_GENERATION_CAP_BYTES. V8 doubles
 * it up to 32 MB while the analysis allocates; at 8 MB the scavenges touch memory that stays in
 * the caches, and a 1 GB capture took 1.64–1.74 s and 124–127 MiB against 1.77–1.82 s and
 * 147–150 MiB uncapped (at 4 MB: 1.80 s, at 16 MB: 1.71–1.77 s and 136–139 MiB). Node has no
 * way to size the young generation once running except to stop its growth, by setting the
 * growth factor to 1 when the cap is reached. That flag is process-wide, so only the main
 * thread sets it; scan workers get the same cap through their resource limits.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import type { HeapPolicy } from '../analyze.js';

/** Size of the young generation (both semi-spaces) at which it stops growing. */
export const YOUNG_GENERATION_CAP_BYTES = 8 * 1024 * 1024;
let youngCapped = !isMainThread;

/** Frames between two looks at the young generation's size (a power of two, as a mask). */
export const YOUNG_CHECK_FRAMES = 1024;

/**
 * Stop the young generation's growth once it has reached the cap (main thread only). Called
 * per read chunk and every YOUNG_CHECK_FRAMES frames: a chunk of small packets (a SYN flood)
 * allocates enough to double the young generation several times over.
 */
export function capYoungGeneration(): void {
  if (youngCapped) return;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name !== 'new_space') continue;
    if (s.space_size < YOUNG_GENERATION_CAP_BYTES) return;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    youngCapped = true;
    return;
  }
}

/** Collect when the heap exceeds the live set after the last collection by this much. */
export const HEAP_GROWTH_ALLOWANCE_BYTES = 24 * 1024 * 1024;

let collect: (() => void) | null | undefined;
let liveAfterLast = 0;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      // `gc` exists only under --expose-gc; setting the flag now exposes it in a new context.
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Once per read chunk: cap the young generation, and run a full collection if the heap grew by more than the allowance since the last one. */
export function collectIfGrown(): void {
  capYoungGeneration();
  const used = v8.getHeapStatistics().used_heap_size;
  // With many conversations open at once the live set is large and a full collection costs in
  // proportion: let the heap grow by an eighth of it too, so collections stay rare while a busy
  // capture (50,000 conversations open) stays under 200 MiB.
  if (used < liveAfterLast + Math.max(HEAP_GROWTH_ALLOWANCE_BYTES, liveAfterLast / 8)) return;
  const gc = collector();
  if (!gc) return;
  gc();
  liveAfterLast = v8.getHeapStatistics().used_heap_size;
}

/** The bounded policy as an analysis takes it: look at the young generation every YOUNG_CHECK_FRAMES frames, collect per read chunk. */
export const BOUNDED_HEAP: HeapPolicy = {
  checkEveryFrames: YOUNG_CHECK_FRAMES,
  afterFrames: capYoungGeneration,
  afterChunk: collectIfGrown,
};
