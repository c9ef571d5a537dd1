/**
 * `wirewhy merge RESULTS...`: the outputs of a scan's shards (`scan --shard I/N --format jsonl`,
 * or `--format json`) combined into the report one scan of every capture would have printed, in
 * any format: the captures in walk order, the groups across captures, the totals.
 */
import { createReadStream, readSync, openSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeSystemError } from '../report/errors.js';
import { formatScanJson } from '../report/scan-json.js';
import { formatScanText } from '../report/scan-text.js';
import { formatScanJunit } from '../report/junit.js';
import { scanHtmlCapture, writeScanHtml, writeScanHtmlSection } from '../report/html.js';
import { sanitizeForTerminal } from '../report/terminal.js';
import { severityReaches, type Severity } from '../model/finding.js';
import { ShardMerger } from '../scan/shard-merge.js';
import { filteredSentence } from '../rules/filter.js';
import type { ScanResult } from '../scan/types.js';
import { EXIT_UNREADABLE, terminalWidth, useColor, useUnicode, type CliIo } from './io.js';
import { scanExitStatus } from './scan.js';

/** Output formats of `merge`: those of `scan` but JSONL (the shards' own outputs are that). */
export const MERGE_FORMATS = ['text', 'json', 'junit', 'html'] as const;

/** Options of `wirewhy merge`. */
export interface MergeCommandOptions {
  format: string;
  failOn?: string;
  /** The HTML page's title. */
  title?: string;
}

/** True when the file starts with a JSON document of several lines (`--format json`), not JSONL. */
function isJsonDocument(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{\s*\n/.test(head.subarray(0, n).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

/** Read one shard's output into the merger, a line at a time for JSONL. */
async function readShardOutput(path: string, merger: ShardMerger): Promise<void> {
  if (path !== '-' && isJsonDocument(path)) {
    const { readFile } = await import('node:fs/promises');
    merger.addDocument(JSON.parse(await readFile(path, 'utf8')));
    return;
  }
  const input = path === '-' ? process.stdin : createReadStream(path);
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    try {
      merger.addLine(line);
    } catch (e) {
      throw new Error(`line ${n}: ${(e as Error).message}`);
    }
  }
}

/** Run `wirewhy merge`. Returns the exit status. */
export async function runMerge(paths: string[], opts: MergeCommandOptions, io: CliIo): Promise<number> {
  const merger = new ShardMerger();
  for (const path of paths) {
    try {
      await readShardOutput(path, merger);
    } catch (e) {
      io.stderr.write(`wirewhy: ${sanitizeForTerminal(path)}: not a sharded scan output (${sanitizeForTerminal(describeSystemError(e))})\n`);
      return EXIT_UNREADABLE;
    }
  }
  const shardWarning = shardsMissing(merger.shards);
  if (shardWarning) io.stderr.write(`wirewhy: warning: ${shardWarning}\n`);
  const filterWarning = merger.filterWarning();
  if (filterWarning) io.stderr.write(`wirewhy: warning: ${sanitizeForTerminal(filterWarning)}\n`);
  const result = merger.result();
  const failOn = opts.failOn as Severity | undefined;
  writeMerged(result, opts, io);
  const failed = failOn !== undefined && result.files.some((f) => !f.error && (f.tally ?? []).some((t) => severityReaches(t.severity, failOn)));
  return scanExitStatus(result, failed);
}

/** "shards 2/3 missing" when the JSONL outputs do not cover every part of N, or null. */
export function shardsMissing(labels: readonly string[]): string | null {
  if (labels.length === 0) return null;
  const counts = new Set(labels.map((l) => Number(l.split('/')[1])));
  if (counts.size > 1) return `the outputs are shards of different splits (${[...new Set(labels)].join(', ')})`;
  const n = [...counts][0]!;
  const missing = Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).filter((l) => !labels.includes(l));
  const repeated = labels.filter((l, i) => labels.indexOf(l) !== i);
  const parts = [...(missing.length > 0 ? [`shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} missing`] : []), ...(repeated.length > 0 ? [`shard ${repeated.join(', ')} given twice`] : [])];
  return parts.length > 0 ? `${parts.join('; ')}: the report covers the shards given` : null;
}

function writeMerged(result: ScanResult, opts: MergeCommandOptions, io: CliIo): void {
  const out = (s: string): unknown => io.stdout.write(s);
  const failOn = opts.failOn as Severity | undefined;
  switch (opts.format) {
    case 'json':
      out(formatScanJson(result));
      return;
    case 'junit':
      out(formatScanJunit(result, failOn));
      return;
    case 'html': {
      const read = result.files.filter((f) => f.report && !f.error);
      writeScanHtml(
        {
          captures: read.map((f) => ({ report: f.report!, ...scanHtmlCapture(f.report!) })),
          failures: result.files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.line })),
          title: opts.title,
          ...(result.totals.filtered ? { filtered: filteredSentence(result.totals.filtered, result.filter) } : {}),
        },
        (i, prefix) => writeScanHtmlSection(read[i]!.report!, prefix, out),
        out,
      );
      return;
    }
    default:
      out(formatScanText(result, { color: useColor(io), unicode: useUnicode(io) }, undefined, terminalWidth(io)));
  }
}
