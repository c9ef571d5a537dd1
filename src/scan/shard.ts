/**
 * `scan --shard I/N`: one of N deterministic parts of the captures, for the engines that spread
 * work over machines (Kubernetes Indexed Jobs, Spark, Slurm arrays, GNU parallel), the way test
 * runners shard (`vitest --shard`). A file's part is a hash of its path relative to the folder
 * given, so it does not move when files are added, and every machine agrees without talking.
 */
import { createHash } from 'node:crypto';
import { basename, normalize, relative, sep } from 'node:path';

/** Part `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parse "I/N" (1 ≤ I ≤ N); throws an Error saying what is wrong. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error('expected I/N, e.g. 2/8 (part 2 of 8)');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`expected 1 ≤ I ≤ N, got ${index}/${count}`);
  return { index, count };
}

/** "I/N". */
export function shardLabel(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** The part (1-based, of `count`) a path relative to its folder falls in: SHA-256 of the path, "/"-separated. */
export function shardOf(relativePath: string, count: number): number {
  const key = relativePath.split(sep).join('/');
  return (createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % count) + 1;
}

/**
 * The path a found file has relative to the argument it was found under (a file given by
 * itself: its name), so the shard is the same wherever the folder is mounted.
 */
export function relativeToArgument(path: string, roots: readonly string[]): string {
  for (const root of roots) {
    const r = normalize(root);
    if (path === r || normalize(path) === r) return basename(r);
    const rel = relative(r, path);
    if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep)) return rel;
  }
  return path;
}

/** A predicate for the files of one shard of a scan of `roots`. */
export function inShard(shard: Shard, roots: readonly string[]): (path: string) => boolean {
  return (path) => shardOf(relativeToArgument(path, roots), shard.count) === shard.index;
}
