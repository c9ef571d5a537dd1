/**
 * `wirewhy scan` keeps memory bounded whatever the number of captures: what it keeps of a
 * capture once the capture is done does not depend on how many findings the capture had, and
 * the output is written a piece at a time, with the same bytes as formatting the whole scan in
 * memory. Measured on what the scan keeps (the size of each capture's result, structured-clone
 * serialized as it would cross threads), not on process memory, which depends on the garbage
 * collector's mood.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatScanHtml } from '../../src/report/html.js';
import { formatJsonlFinding } from '../../src/report/jsonl.js';
import { formatScanJunit } from '../../src/report/junit.js';
import { formatScanJson } from '../../src/report/scan-json.js';
import { checkScanOptions } from '../../src/cli/check.js';
import { formatScanText } from '../../src/report/scan-text.js';
import { scanPaths, type ScanResult } from '../../src/scan/index.js';
import { CapturePartStore, openScanOutput } from '../../src/scan/parts.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { refusedRecords } from './corpus.js';

/** Findings in each large capture: thousands, each to its own server, so even tallies are large. */
const MANY = 3000;
/** Copies of each capture in the folder. */
const COPIES = 6;
/** What a capture may keep beyond a one-finding capture (its counts have more digits). */
const KEPT_SLACK_BYTES = 256;
/** The largest piece the output is written in: a part is copied in 1 MiB pieces. */
const LARGEST_PIECE = 1024 * 1024 + 64 * 1024;

let dir: string;
let full: ScanResult;

/** Refusals of many clients by as many servers (one client refused by thousands of hosts on one port would be a host sweep). */
function manyRefusals(): Buffer {
  const records = Array.from({ length: MANY }, (_, i) =>
    new Scenario(`10.0.${i >> 8}.${i & 255}:${20000 + i}`, `10.1.${i >> 8}.${i & 255}:8080`, { t0: 1_700_000_000 + i * 0.001 }).tcp('c', 0, ['SYN'], 1000).tcp('s', 0.0002, ['RST', 'ACK'], 0, 1001).records,
  ).flat();
  return writePcap(records);
}

/** The same scan with its run time and the per-case times made equal. */
function withoutTimes(s: string): string {
  return s.replace(/ in \d+\.\d s\n/, ' in 0 s\n').replace(/time="[\d.]+"/g, 'time="0"');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-memory-'));
  const one = refusedRecords(40000).toPcap();
  const many = manyRefusals();
  for (let i = 1; i <= COPIES; i++) {
    writeFileSync(join(dir, `few-${i}.pcap`), one);
    writeFileSync(join(dir, `lot-${i}.pcap`), many);
  }
  writeFileSync(join(dir, `broken.pcap`), one.subarray(0, 30));
  // Everything in memory, findings included: what the output must equal.
  full = await scanPaths([dir], { jobs: 2 });
  expect(full.totals.findings).toBe(COPIES * (MANY + 1));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the scan keeps of each capture once it is done, in bytes. */
function keptBytes(result: ScanResult): Map<string, number> {
  return new Map(result.files.map((f) => [f.file, serialize(f).length]));
}

function expectKeptIndependentOfFindings(result: ScanResult): void {
  const kept = keptBytes(result);
  for (let i = 1; i <= COPIES; i++) {
    const few = kept.get(join(dir, `few-${i}.pcap`))!;
    const lot = kept.get(join(dir, `lot-${i}.pcap`))!;
    // 3,000 findings are about 3 MB of report; none of it may stay.
    expect(lot - few).toBeLessThan(KEPT_SLACK_BYTES);
    expect(lot).toBeLessThan(2048);
  }
}

/** What the in-memory formatters print for the same scan. */
function expected(format: string): string {
  const reports = full.files.filter((f) => f.report && !f.error);
  switch (format) {
    case 'text':
      return formatScanText(full, { color: false, unicode: true });
    case 'json':
      return formatScanJson(full);
    case 'junit':
      return formatScanJunit(full, 'error');
    case 'html':
      return formatScanHtml({ reports: reports.map((f) => f.report!), failures: full.files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.line })), title: dir });
    default:
      return reports
        .flatMap((f) => f.report!.findings.map((x) => formatJsonlFinding(x, { file: f.file })))
        .sort()
        .join('');
  }
}

describe('scan output: bounded memory, same bytes', () => {
  for (const format of ['text', 'json', 'jsonl', 'junit', 'html']) {
    it(`${format}: keeps no finding of a capture once it is done, writes in pieces, and prints what formatting in memory prints`, async () => {
      const pieces: string[] = [];
      const output = await openScanOutput(format, { failOn: 'error', title: dir, terminal: { color: false, unicode: true }, out: (c) => pieces.push(c), err: () => {} });
      try {
        const result = await scanPaths([dir], { jobs: 2, ...output.poolOptions });
        expect(result.totals).toEqual(full.totals);
        expectKeptIndependentOfFindings(result);
        expect(output.failed).toBe(true);
        if (format === 'jsonl') {
          // Lines come a batch at a time, whole, in the order each worker decided them.
          expect(pieces.every((p) => p.endsWith('\n'))).toBe(true);
          const lines = pieces.join('').split(/(?<=\n)/);
          expect(lines.length).toBe(COPIES * (MANY + 1));
          pieces.splice(0, pieces.length, ...lines.sort());
        } else {
          const during = pieces.length;
          expect(during).toBe(0); // nothing but JSONL is written before the scan ends
          output.finish(result);
          // The reports and sections of the large captures are larger than a piece: never built whole.
          expect(pieces.reduce((n, p) => n + p.length, 0)).toBeGreaterThan(format === 'text' ? 0 : 2 * LARGEST_PIECE);
          for (const p of pieces) expect(p.length).toBeLessThanOrEqual(LARGEST_PIECE);
        }
        expect(withoutTimes(pieces.join(''))).toBe(withoutTimes(expected(format)));
      } finally {
        output.close();
      }
    });
  }

  it('check: each capture keeps where its expectation is, not its findings', async () => {
    const parts = new CapturePartStore({ kind: 'expectation' });
    try {
      const result = await scanPaths([dir], { jobs: 2, ...checkScanOptions(parts) });
      expectKeptIndependentOfFindings(result);
      const lot = result.files.find((f) => f.file.endsWith('lot-1.pcap'))!;
      expect(lot.part?.findings).toBe(MANY);
      expect(parts.text(lot.part!.at).split('\n').filter((l) => l.includes('"rule"'))).toHaveLength(MANY);
    } finally {
      parts.close();
    }
  });
});
