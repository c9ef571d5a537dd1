/**
 * Finds the captures under the paths given to `scan` and `check`: walks folders recursively,
 * follows symbolic links (each real folder and file is visited once, so a folder cycle ends; a
 * link that is broken or leads back to itself is skipped), and tells a capture by its first
 * bytes, never by its name.
 */
import { describeSystemError } from '../report/errors.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { detectFormat, type DetectedKind } from '../capture/reader.js';
import type { SkippedFile } from '../model/scan.js';

/** Compressed bytes read from a gzip file to look at the capture header inside it. */
export const GZIP_PEEK_BYTES = 64 * 1024;

/** A file the first bytes say is a capture. */
export interface CaptureFile {
  /** The path as reached from the argument (argument joined with the folder names). */
  path: string;
  /** Size on disk in bytes (compressed size for gzip). */
  size: number;
  /** What the first bytes say: 'gzip' for a gzip whose content starts like a capture. */
  kind: Exclude<DetectedKind, null>;
}

/** A file that is not a capture, and why. */
export type { SkippedFile } from '../model/scan.js';

/** A path that could not be examined (missing, unreadable folder). */
export interface WalkError {
  path: string;
  message: string;
}

/** Everything a walk found, in a stable order (paths sorted within each folder). */
export interface WalkResult {
  captures: CaptureFile[];
  skipped: SkippedFile[];
  errors: WalkError[];
}

/** Options for {@link findCaptures}. */
export interface WalkOptions {
  /** Skip files whose name matches (e.g. expectation files in `check`); not counted as skipped. */
  ignore?: (name: string) => boolean;
}

function readFirstBytes(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, got);
      if (r === 0) break;
      got += r;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * What a file is, by its first bytes: the capture kind, or the reason it is not a capture.
 * For gzip, the start of the decompressed data must be a capture header; a gzip whose first
 * block is damaged is still taken as a capture, so the reader reports the damage as an error.
 */
export function classifyFile(path: string): { kind: Exclude<DetectedKind, null> } | { reason: string } {
  const head = readFirstBytes(path, 4);
  const kind = detectFormat(head);
  if (kind === null) return { reason: head.length === 0 ? 'empty file' : head.length < 4 ? 'too short to be a capture' : 'not a capture' };
  if (kind !== 'gzip') return { kind };
  const peek = readFirstBytes(path, GZIP_PEEK_BYTES);
  let inner: Buffer;
  try {
    // Z_SYNC_FLUSH: decompress what there is without requiring the end of the stream.
    inner = gunzipSync(peek, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return { kind: 'gzip' };
  }
  const innerKind = detectFormat(inner.subarray(0, 4));
  if (innerKind === 'pcap' || innerKind === 'pcapng') return { kind: 'gzip' };
  return { reason: inner.length < 4 && peek.length < GZIP_PEEK_BYTES ? 'gzip too short to hold a capture' : 'gzip of something that is not a capture' };
}

/** Walk `paths` (files or folders) and sort what is found into captures, skipped files and errors. */
export async function findCaptures(paths: readonly string[], options: WalkOptions = {}): Promise<WalkResult> {
  const result: WalkResult = { captures: [], skipped: [], errors: [] };
  // Real paths already visited: a folder reached twice (link loop, or two arguments that
  // overlap) is walked once, and a file reached through two links is analysed once.
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();

  const visitFile = (path: string, real: string, size: number, named: boolean): void => {
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    if (!named && options.ignore?.(path)) return;
    try {
      const c = classifyFile(path);
      if ('kind' in c) result.captures.push({ path, size, kind: c.kind });
      // A file named on the command line was meant to be analysed: that it cannot be is an
      // error, not a skip nobody notices (an empty capture from a failed tcpdump run, say).
      else if (named) result.errors.push({ path, message: c.reason });
      else result.skipped.push({ path, reason: c.reason });
    } catch (e) {
      result.errors.push({ path, message: `cannot read: ${describeSystemError(e)}` });
    }
  };

  const visit = async (path: string, named: boolean): Promise<void> => {
    let real: string;
    let st;
    try {
      st = await stat(path);
      real = await realpath(path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // A dangling symbolic link inside a folder, or one that leads back to itself (a -> a,
      // a -> b -> a): nothing to analyse, like any other file that is not a capture.
      const link = err.code === 'ENOENT' ? 'broken symbolic link' : err.code === 'ELOOP' ? 'symbolic link loop' : null;
      if (!named && link) {
        result.skipped.push({ path, reason: link });
        return;
      }
      result.errors.push({ path, message: link === 'symbolic link loop' ? link : describeSystemError(err) });
      return;
    }
    if (st.isDirectory()) {
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      let names: string[];
      try {
        names = await readdir(path);
      } catch (e) {
        result.errors.push({ path, message: `cannot list folder: ${describeSystemError(e)}` });
        return;
      }
      names.sort();
      for (const name of names) await visit(join(path, name), false);
      return;
    }
    if (!st.isFile()) {
      // FIFOs, sockets and devices would block or never end; `analyze` reads those.
      if (named) result.errors.push({ path, message: 'not a regular file (use wirewhy analyze for pipes)' });
      else result.skipped.push({ path, reason: 'not a regular file' });
      return;
    }
    visitFile(path, real, st.size, named);
  };

  for (const p of paths) await visit(p, true);
  return result;
}
