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

/** Indent every line after the first by `pad`, to nest a pretty-printed value. */
export function nestJson(json: string, pad: string): string {
  return json.replace(/\n/g, `\n${pad}`);
}

/**
 * Write the same bytes as {@link formatJson}, one finding at a time, so a report with tens of
 * thousands of findings never exists as one string.
 */
export function writeJson(report: AnalysisReport, write: (chunk: string) => unknown): void {
  const { findings, ...head } = report;
  const keys = Object.keys(head) as Array<keyof typeof head>;
  write('{\n');
  for (const k of keys) write(`  ${JSON.stringify(k)}: ${nestJson(JSON.stringify(head[k], jsonReplacer, 2), '  ')},\n`);
  if (findings.length === 0) {
    write('  "findings": []\n}\n');
    return;
  }
  write('  "findings": [\n');
  findings.forEach((f, i) => write(`    ${nestJson(JSON.stringify(f, jsonReplacer, 2), '    ')}${i + 1 < findings.length ? ',' : ''}\n`));
  write('  ]\n}\n');
}
