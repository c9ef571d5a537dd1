/** The worker count of `scan` and `check`. */
import { availableParallelism } from 'node:os';
import type { CliIo } from './io.js';

/**
 * `--jobs` as the pool will use it: at most one worker per CPU this process may use, since more
 * only share the same cores and each holds its own heap. A request above that is capped, with a
 * note on stderr saying so.
 */
export function jobsForCores(requested: number | undefined, io: Pick<CliIo, 'stderr'>, cores = availableParallelism()): number | undefined {
  if (requested === undefined || requested <= cores) return requested;
  io.stderr.write(`wirewhy: --jobs ${requested} is more than the ${cores} CPU${cores === 1 ? '' : 's'} here; using ${cores}\n`);
  return cores;
}
