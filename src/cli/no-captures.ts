/**
 * `scan` and `check` with nothing to analyse: an empty folder, a mistyped path, a folder of
 * files that are not captures. Like ESLint's "No files matching the pattern", that is an error
 * (exit 2) said in one line per cause, never a clean "0 captures": a CI job pointed at the
 * wrong folder must fail, not pass having checked nothing.
 */
import { sanitizeForTerminal } from '../report/terminal.js';
import type { ScanResult } from '../scan/types.js';

/** The lines for stderr when the walk found no capture at all; null when it found some. */
export function noCapturesLines(paths: readonly string[], result: Pick<ScanResult, 'files' | 'pathErrors' | 'skipped'>): string[] | null {
  if (result.files.length > 0) return null;
  const t = sanitizeForTerminal;
  const lines = result.pathErrors.map((e) => `wirewhy: ${t(e.path)}: ${t(e.message)}`);
  // The paths that were walked without an error of their own, and held no capture.
  const failed = new Set(result.pathErrors.map((e) => e.path));
  const walked = paths.filter((p) => !failed.has(p));
  if (walked.length > 0) {
    const n = result.skipped.length;
    const skipped = n > 0 ? ` (${n} other file${n === 1 ? '' : 's'} skipped, not captures)` : '';
    lines.push(`wirewhy: no captures found under ${walked.map(t).join(', ')}${skipped}`);
  }
  return lines;
}
