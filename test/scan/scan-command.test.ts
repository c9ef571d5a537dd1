/** `wirewhy scan`: a folder of 200 captures, some corrupt, compressed, misnamed, or not captures at all. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../dev/pcap-writer.js';
import { analyzeBuffer, mergeScenarios } from '../helpers/scenario.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatScanJson, scanJsonReport, scanReportJson, writeScanReportJson, type ScanJsonReport } from '../../src/report/scan-json.js';
import { jsonReplacer } from '../../src/report/json.js';
import { CapturePartStore, CapturePartWriter, type CapturePartLocation } from '../../src/scan/parts.js';
import { buildCorpus, healthyRecords, manyRefusalsPcap, refusedRecords, type Corpus } from './corpus.js';
import { runBin, runInProcess } from './cli-run.js';
import type { Finding } from '../../src/rules/types.js';
import { refusedFinding } from '../report/support.js';
import { availableParallelism } from 'node:os';
import { BYTES_PER_WORKER, defaultJobs, scanPaths, tallyFindings } from '../../src/scan/index.js';

/** Wide enough for every column and path whole (the width tests are in scan-width.test.ts). */
const WIDE = { COLUMNS: '1000' };

let corpus: Corpus;
beforeAll(() => {
  corpus = buildCorpus(200);
});
afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

describe('wirewhy scan of a folder of 200 captures', () => {
  it('reports every readable capture, lists the corrupt ones with their errors, and exits 2', () => {
    const r = runBin(['scan', corpus.dir, '--format', 'json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out) as ScanJsonReport;
    expect(doc.totals.captures).toBe(200);
    expect(doc.reports.map((x) => x.capture.file).sort()).toEqual([...corpus.readable].sort());
    expect(doc.errors.map((e) => e.file).sort()).toEqual([...corpus.corrupt].sort());
    for (const e of doc.errors) expect(e.message.length).toBeGreaterThan(0);
    expect(doc.errors.find((e) => e.file.endsWith('corrupt-truncated-header.pcap'))).toMatchObject({ code: 'truncated_header', offset: 0 });
    expect(doc.skipped.count).toBe(corpus.notCaptures.length);
    expect(doc.skipped.files.map((s) => s.file).sort()).toEqual([...corpus.notCaptures].sort());
    expect(doc.totals).toMatchObject({ analysed: corpus.readable.length, unreadable: corpus.corrupt.length, findings: corpus.refused.length });
    // The misnamed and the compressed capture are analysed like the others.
    const misnamed = doc.reports.find((x) => x.capture.file === corpus.misnamed)!;
    expect(misnamed.findings.map((f) => f.rule)).toEqual(['connection-refused']);
    const gz = doc.reports.find((x) => x.capture.file === corpus.gzip)!;
    expect(gz.capture.compression).toBe('gzip');
    expect(gz.findings.map((f) => f.rule)).toEqual(['connection-refused']);
  });

  it('text: a row per capture, the errors with byte offsets, and one group row for the refusals across files', () => {
    const r = runBin(['scan', corpus.dir, '--jobs', '2'], WIDE);
    expect(r.code).toBe(2);
    for (const f of corpus.readable) expect(r.out).toContain(f);
    expect(r.out).toContain(`Could not read (${corpus.corrupt.length}):`);
    for (const f of corpus.corrupt) expect(r.out).toMatch(new RegExp(`wirewhy: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+`));
    expect(r.out).toContain('file ends inside its header (10 of 24 bytes) (at byte offset 0)');
    expect(r.out).toContain(`Skipped, not captures (${corpus.notCaptures.length}):`);
    // All refusals go to 10.0.0.2:8080: one row, its count, the captures it was seen in (capped).
    const row = r.out.split('\n').find((l) => l.includes('connection-refused') && l.includes('10.0.0.2:8080'))!;
    expect(row).toMatch(new RegExp(`\\b${corpus.refused.length}\\b.*\\b${corpus.refused.length}: `));
    expect(r.out).toMatch(/(…|\.\.\.) and \d+ more/);
    // Not a TTY: no progress bar on stderr.
    expect(r.err).toBe('');
  });

  it('jsonl: one line per finding, its file first', () => {
    const r = runBin(['scan', corpus.dir, '--format', 'jsonl']);
    expect(r.code).toBe(2);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(corpus.refused.length);
    for (const l of lines) expect(l.startsWith('{"file":')).toBe(true);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { file: string }).file))).toEqual(new Set(corpus.refused));
    // Errors go to stderr, one line each.
    expect(r.err.trim().split('\n').sort()).toHaveLength(corpus.corrupt.length);
  });

  it('exit status: 2 (unreadable input) wins over 1 (--fail-on reached); 1 and 0 otherwise', () => {
    expect(runBin(['scan', corpus.dir, '--fail-on', 'error', '--format', 'json']).code).toBe(2);
    expect(runBin(['scan', corpus.misnamed, '--fail-on', 'error', '--format', 'json']).code).toBe(1);
    expect(runBin(['scan', corpus.misnamed, '--fail-on', 'warning', '--format', 'junit']).code).toBe(1);
    expect(runBin(['scan', corpus.misnamed, '--format', 'json']).code).toBe(0);
  });

  it('a path that does not exist is an error, the rest is still scanned', () => {
    const r = runBin(['scan', `${corpus.dir}/nope`, corpus.misnamed]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`wirewhy: ${corpus.dir}/nope: no such file or directory`);
    expect(r.out).toContain('connection-refused');
  });

  it('a link loop and a folder cycle in the folder are skipped, not fatal: exit 0', () => {
    const d = mkdtempSync(join(tmpdir(), 'wirewhy-loop-'));
    try {
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'sub', 'refused.pcap'), refusedRecords(40000).toPcap());
      symlinkSync('selfref', join(d, 'selfref'));
      symlinkSync('..', join(d, 'sub', 'up'));
      const text = runBin(['scan', d], WIDE);
      expect(text.err).toBe('');
      expect(text.code).toBe(0);
      expect(text.out).toContain(`${join(d, 'selfref')} (symbolic link loop)`);
      expect(text.out).toContain('Total (1 capture)');
      const doc = JSON.parse(runBin(['scan', d, '--format', 'json']).out) as ScanJsonReport;
      expect(doc.skipped.files).toEqual([{ file: join(d, 'selfref'), reason: 'symbolic link loop' }]);
      expect(doc.reports.map((x) => x.capture.file)).toEqual([join(d, 'sub', 'refused.pcap')]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('nothing to scan: an empty folder, a mistyped one, or only files that are not captures: exit 2 with one line', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wirewhy-none-'));
    try {
      mkdirSync(join(d, 'empty'));
      for (const format of ['text', 'json', 'jsonl', 'junit', 'html']) {
        const r = await runInProcess(['scan', join(d, 'empty'), '--format', format]);
        expect(r).toEqual({ code: 2, out: '', err: `wirewhy: no captures found under ${join(d, 'empty')}\n` });
      }
      const typo = runBin(['scan', join(d, 'emtpy')]);
      expect(typo).toEqual({ code: 2, out: '', err: `wirewhy: ${join(d, 'emtpy')}: no such file or directory\n` });
      mkdirSync(join(d, 'notes'));
      writeFileSync(join(d, 'notes', 'README.md'), '# captures go here\n');
      writeFileSync(join(d, 'notes', 'ticket.json'), '{"id": 42}\n');
      const notes = await runInProcess(['scan', join(d, 'notes')]);
      expect(notes).toEqual({ code: 2, out: '', err: `wirewhy: no captures found under ${join(d, 'notes')} (2 other files skipped, not captures)\n` });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a file named on the command line that is not a capture is an error, not a silent skip', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wirewhy-named-'));
    try {
      const empty = join(d, 'failed-tcpdump.pcap');
      writeFileSync(empty, '');
      const alone = await runInProcess(['scan', empty]);
      expect(alone).toEqual({ code: 2, out: '', err: `wirewhy: ${empty}: empty file\n` });
      // With a readable capture beside it: the report, the error listed in it, exit 2.
      const good = join(d, 'refused.pcap');
      writeFileSync(good, refusedRecords(40000).toPcap());
      const both = await runInProcess(['scan', empty, good, '--format', 'json']);
      expect(both.code).toBe(2);
      const doc = JSON.parse(both.out) as ScanJsonReport;
      expect(doc.reports.map((x) => x.capture.file)).toEqual([good]);
      expect(doc.errors).toEqual([expect.objectContaining({ file: empty, message: 'empty file' })]);
      expect(doc.skipped.count).toBe(0);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('runs in-process from the TypeScript sources (workers start through tsx)', async () => {
    const r = await runInProcess(['scan', `${corpus.dir}/site-b`, '--format', 'json', '--jobs', '2']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out) as ScanJsonReport;
    const expected = corpus.readable.filter((f) => f.startsWith(`${corpus.dir}/site-b/`));
    expect(doc.reports.map((x) => x.capture.file).sort()).toEqual(expected.sort());
    expect(doc.errors.map((e) => e.file).sort()).toEqual(corpus.corrupt.filter((f) => f.startsWith(`${corpus.dir}/site-b/`)).sort());
  });

  it('keepFindings false: reports come without their findings, and the tally counts them as the findings would', async () => {
    const site = `${corpus.dir}/site-b`;
    const [full, lean] = [await scanPaths([site], { jobs: 2 }), await scanPaths([site], { jobs: 2, keepFindings: false })];
    expect(lean.files.map((f) => f.file)).toEqual(full.files.map((f) => f.file));
    expect(lean.totals).toEqual(full.totals);
    let refusals = 0;
    for (const [i, f] of full.files.entries()) {
      const l = lean.files[i]!;
      if (!f.report) continue;
      expect(l.report!.findings).toEqual([]);
      expect(l.report!.summary).toEqual(f.report.summary);
      expect(l.tally).toEqual(tallyFindings(f.report.findings));
      expect(f.tally).toEqual(l.tally);
      refusals += (l.tally ?? []).reduce((n, row) => n + (row.rule === 'connection-refused' ? row.count : 0), 0);
    }
    expect(refusals).toBe(corpus.refused.filter((x) => x.startsWith(`${site}/`)).length);
    expect(refusals).toBeGreaterThan(0);
  });
});

describe('tallyFindings', () => {
  it('counts findings by rule, protocol, server and codes, keeping the highest severity', () => {
    const linux = (code: number, name: string) => [{ os: 'linux' as const, code, name, message: '' }];
    const f = (over: Partial<Finding>): Finding => refusedFinding({ severity: 'warning', codes: linux(111, 'ECONNREFUSED'), ...over });
    const rows = tallyFindings([
      f({ stream: 0 }),
      f({ stream: 1, client: { address: '10.0.0.9', port: 1 }, severity: 'error' }),
      f({ stream: 2, server: { address: '10.0.0.2', port: 8081 } }),
      f({ stream: 3, protocol: 'udp' }),
      f({ stream: 4, codes: linux(110, 'ETIMEDOUT') }),
      f({ stream: 5, rule: 'connect-timeout' }),
      f({ stream: 6 }),
    ]);
    expect(rows.map((r) => [r.rule, r.protocol, r.server.port, r.codes[0]!.code, r.count, r.severity])).toEqual([
      ['connection-refused', 'tcp', 80, 111, 3, 'error'],
      ['connection-refused', 'tcp', 8081, 111, 1, 'warning'],
      ['connection-refused', 'udp', 80, 111, 1, 'warning'],
      ['connection-refused', 'tcp', 80, 110, 1, 'warning'],
      ['connect-timeout', 'tcp', 80, 111, 1, 'warning'],
    ]);
  });
});

describe('defaultJobs', () => {
  it('uses every CPU, but no more than one worker per BYTES_PER_WORKER of captures', () => {
    const cpus = availableParallelism();
    expect(defaultJobs()).toBe(cpus);
    expect(defaultJobs(0)).toBe(1);
    expect(defaultJobs(10_000_000)).toBe(1);
    expect(defaultJobs(BYTES_PER_WORKER)).toBe(1);
    expect(defaultJobs(BYTES_PER_WORKER + 1)).toBe(Math.min(2, cpus));
    expect(defaultJobs(100 * BYTES_PER_WORKER)).toBe(cpus);
  });
});

describe('scan --format json, written report by report', () => {
  it('prints the same bytes as the whole document pretty-printed at once', async () => {
    const site = `${corpus.dir}/site-b`;
    const full = await scanPaths([site], { jobs: 2 });
    const whole = `${JSON.stringify(scanJsonReport(full), jsonReplacer, 2)}\n`;
    expect(formatScanJson(full)).toBe(whole);
    // Through the CLI: serialized in the workers, kept on disk, written in walk order.
    const r = runBin(['scan', site, '--format', 'json', '--jobs', '2']);
    expect(r.out).toBe(whole);
    const none = await scanPaths([`${corpus.dir}/nope`]);
    expect(formatScanJson(none)).toBe(`${JSON.stringify(scanJsonReport(none), jsonReplacer, 2)}\n`);
  });

  it('a report written a finding at a time is the report as the scan document nests it', async () => {
    for (const records of [healthyRecords(40002).records, refusedRecords(40000).records, mergeScenarios(refusedRecords(40000), refusedRecords(40001))]) {
      const report = await analyzeBuffer(writePcap(records));
      const pieces: string[] = [];
      writeScanReportJson(report, (c) => pieces.push(c));
      expect(pieces.join('')).toBe(scanReportJson(report));
    }
  });

  /** Store `text` written in pieces of `piece` characters; where it went. */
  async function put(writer: CapturePartWriter, text: string, piece = 1000): Promise<CapturePartLocation> {
    const { at, rendered } = await writer.put(async (write) => {
      for (let i = 0; i < text.length; i += piece) write(text.slice(i, i + piece));
      return text.length;
    });
    expect(rendered).toBe(text.length);
    return at;
  }

  it('capture parts written one after another come back whole, in any order, in pieces that never split a character', async () => {
    const store = new CapturePartStore({ kind: 'json' });
    try {
      const writer = new CapturePartWriter(store.dir);
      // 'é' is two bytes in UTF-8: one sits across the 1 MiB piece boundary.
      const texts = ['{"a": 1}', 'ünïcödé ✓', '', `${'x'.repeat(1024 * 1024 - 1)}é${'y'.repeat(10)}`, 'ü'.repeat(300_000)];
      const at: CapturePartLocation[] = [];
      for (const t of texts) at.push(await put(writer, t, 777));
      expect(at.every((a) => 'path' in a)).toBe(true);
      for (const i of [2, 0, 3, 1, 4, 3]) {
        const pieces: string[] = [];
        store.copy(at[i]!, (c) => pieces.push(c));
        expect(pieces.join('')).toBe(texts[i]);
        expect(pieces.every((p) => !p.includes('\ufffd'))).toBe(true);
      }
      expect(store.text(at[1]!)).toBe(texts[1]);
    } finally {
      store.close();
    }
  });

  it('where no temporary file can be written, a part comes back as its text', async () => {
    const writer = new CapturePartWriter(join(tmpdir(), 'wirewhy-no-such-folder', 'nor-this'));
    expect(await put(writer, '{"a": 1}', 3)).toEqual({ text: '{"a": 1}' });
    expect(await put(new CapturePartWriter(null), 'z')).toEqual({ text: 'z' });
  });
});

describe('scan text groups count every finding, also past the report cap', () => {
  it('5,200 refusals in one capture are one group of 5,200', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-cap-'));
    try {
      writeFileSync(join(dir, 'many.pcap'), manyRefusalsPcap(5200));
      const r = runBin(['scan', dir], WIDE);
      expect(r.code).toBe(0);
      const row = r.out.split('\n').find((l) => l.includes('connection-refused') && l.includes('10.0.0.2:8080 tcp'))!;
      expect(row).toMatch(/[│|]\s+5200\s+[│|]\s+1: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
