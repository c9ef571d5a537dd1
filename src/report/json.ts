/** `--format json`: the whole report (schema version 1) as one JSON document. */
import type { AnalysisReport } from './types.js';

/**
 * JSON.stringify replacer for values JSON has no form for: a bigint becomes a number when
 * exact, else a decimal string. Strings need nothing: JSON.stringify escapes control
 * characters, and since ES2019 writes a lone surrogate as `\udXXX`, so the output is always
 * valid UTF-8 whatever bytes the capture held.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  return value;
}

/** The report as pretty JSON (2-space indent) with a trailing newline. */
export function formatJson(report: AnalysisReport): string {
  return `${JSON.stringify(report, jsonReplacer, 2)}\n`;
}
