/**
 * The lines a sharded `scan --format jsonl` writes besides its findings, so that
 * `wirewhy merge` can rebuild the scan the shards were parts of: each has a `record` field
 * (finding lines have none), and they are written as captures finish and at the end.
 *
 * - `{"record":"capture","file","size","report"}`: a capture analysed (its report without
 *   findings: those are the finding lines with the same `file`), or, with `"error"`, one that
 *   could not be (its partial report, when there is one);
 * - `{"record":"not-analysed","file","size"}`: not reached before Ctrl-C;
 * - `{"record":"skipped","file","reason"}`: not a capture;
 * - `{"record":"path-error","path","message"}`: a path given that could not be examined;
 * - `{"record":"scan","shard","interrupted","seconds"}`: last, the shard's own facts, with
 *   `"filter"` when it was run with `--code`, `--rule` or `--severity` (its capture records'
 *   reports then have `filtered`, and only matching findings were written).
 */
import type { ScanFileResult, ScanResult } from '../model/scan.js';
import { jsonReplacer } from './json.js';

/** The `record` values. */
export type ScanRecordKind = 'capture' | 'not-analysed' | 'skipped' | 'path-error' | 'scan';

/** The line for a finished capture. */
export function captureRecordLine(r: ScanFileResult): string {
  const report = r.report ? { ...r.report, findings: [] } : undefined;
  return `${JSON.stringify({ record: 'capture', file: r.file, size: r.size, ...(report ? { report } : {}), ...(r.error ? { error: r.error } : {}) }, jsonReplacer)}\n`;
}

/** The lines written when the scan is done: captures not analysed, skipped files, path errors, the scan. */
export function scanRecordLines(result: ScanResult, shard: string): string {
  const lines: unknown[] = [];
  for (const f of result.files) if (f.notRun) lines.push({ record: 'not-analysed', file: f.file, size: f.size });
  for (const s of result.skipped) lines.push({ record: 'skipped', file: s.path, reason: s.reason });
  for (const e of result.pathErrors) lines.push({ record: 'path-error', path: e.path, message: e.message });
  lines.push({ record: 'scan', shard, interrupted: result.interrupted, seconds: result.seconds, ...(result.filter ? { filter: result.filter } : {}) });
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}
