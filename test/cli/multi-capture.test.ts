/**
 * A rotated set is one capture: a capture cut into pieces with `editcap -c` and analysed as one
 * (a k-way merge by timestamp) gives the findings of `mergecap -w` of the same pieces: the same
 * rules, endpoints, stream indices and frame numbers; and each finding names the file and frame
 * its evidence came from. On the fixtures (kernel-made and synthetic) and the public corpus.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { MergedCapture } from '../../src/capture/merge.js';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import type { AnalysisReport } from '../../src/model/report.js';
import { capturesUnder, FIXTURES, PUBLIC_CAPTURES } from '../helpers/fixtures.js';
import { Scenario } from '../helpers/scenario.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { canRun, findTool } from '../helpers/tools.js';
import { BIN, runInProcess } from '../scan/cli-run.js';

const editcap = findTool('editcap');
const mergecap = findTool('mergecap');
const tools = canRun('editcap and mergecap', editcap !== null && mergecap !== null, 'apt-get install -y wireshark-common');
const corpus = canRun('the public capture corpus', existsSync(join(PUBLIC_CAPTURES, 'MANIFEST.tsv')), `expected at ${PUBLIC_CAPTURES}`);

const work = mkdtempSync(join(tmpdir(), 'wirewhy-multi-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Cut `capture` into about `pieces` files of consecutive frames (as pcap or pcapng); their paths in order. */
function cut(capture: string, pieces: number, format: 'pcap' | 'pcapng'): string[] {
  const bytes = readFileSync(capture);
  const frames = readCaptureBuffer(capture.endsWith('.gz') ? gunzipSync(bytes) : bytes, () => {}).packets;
  const dir = join(work, `${basename(capture)}-${pieces}-${format}`);
  mkdirSync(dir, { recursive: true });
  const per = Math.max(1, Math.ceil(frames / pieces));
  execFileSync(editcap!, ['-F', format, '-c', String(per), capture, join(dir, `ring.${format}`)], { stdio: 'ignore' });
  return capturesUnder(dir);
}

/** What must be equal: every field of every finding but the per-file frames, and the counts. */
function essentials(r: AnalysisReport): unknown {
  // The file names differ by nature: the pieces' frames, and the wireshark command (none for a set
  // of files, which Wireshark cannot open as one).
  return { packets: r.capture.packets, summary: r.summary, findings: r.findings.map(({ sourceFrames: _s, wireshark: _w, ...f }) => f) };
}

async function splitCheck(capture: string, pieces: number, format: 'pcap' | 'pcapng'): Promise<void> {
  const parts = cut(capture, pieces, format);
  const merged = join(work, `${basename(capture)}-${pieces}-${format}.merged.pcapng`);
  execFileSync(mergecap!, ['-w', merged, ...parts], { stdio: 'ignore' });
  const whole = await analyzeCapture(merged);
  const asOne = await analyzeCapture(new MergedCapture(parts));
  expect(essentials(asOne)).toEqual(essentials(whole));
  expect(asOne.capture.files?.map((f) => f.file)).toEqual(parts);
  expect(asOne.capture.files?.reduce((n, f) => n + f.packets, 0)).toBe(whole.capture.packets);
  // Each evidence frame is placed in exactly one file, and there under a frame that file has.
  for (const f of asOne.findings) {
    const placed = f.sourceFrames ?? [];
    expect(placed.reduce((n, s) => n + s.frames.length, 0)).toBe(f.frames.length);
    for (const s of placed) {
      const count = asOne.capture.files!.find((x) => basename(x.file) === s.file)!.packets;
      for (const n of s.frames) expect(n).toBeGreaterThanOrEqual(1), expect(n).toBeLessThanOrEqual(count);
    }
  }
}

describe.skipIf(!tools)('a capture cut with editcap -c, analysed as one, equals mergecap of the pieces', () => {
  // editcap cannot write pcapng-sections.pcapng's second section ("interface 0 encap 1 != packet
  // encap 7", Wireshark 4.x): there is nothing to compare it with.
  const fixtures = [...capturesUnder(join(FIXTURES, 'kernel')), ...capturesUnder(join(FIXTURES, 'synthetic'))].filter((p) => !p.endsWith('pcapng-sections.pcapng'));
  it('has fixtures to cut', () => expect(fixtures.length).toBeGreaterThan(20));
  for (const capture of fixtures) {
    it(`${basename(capture)}: three pieces, pcapng`, async () => splitCheck(capture, 3, 'pcapng'), 60_000);
  }
  it('mix.pcap cut into a piece per frame, as classic pcap', async () => splitCheck(join(FIXTURES, 'kernel/mix.pcap'), 1000, 'pcap'), 60_000);

  it('a rotated set names each evidence frame by its file and its number there', async () => {
    const parts = cut(join(FIXTURES, 'kernel/mix.pcap'), 5, 'pcap');
    const per = readCaptureBuffer(readFileSync(parts[0]!), () => {}).packets;
    const r = await analyzeCapture(new MergedCapture(parts));
    expect(r.findings.length).toBeGreaterThan(2);
    for (const f of r.findings) {
      // Frames in time order, files one after another: merged frame m is frame (m-1)%per+1 of file (m-1)/per.
      const expected = new Map<string, number[]>();
      for (const m of f.frames) {
        const file = basename(parts[Math.floor((m - 1) / per)]!);
        expected.set(file, [...(expected.get(file) ?? []), ((m - 1) % per) + 1]);
      }
      expect(f.sourceFrames).toEqual([...expected].map(([file, frames]) => ({ file, frames })));
    }
  });
});

describe.skipIf(!tools || !corpus)('a rotated set of thousands of files', () => {
  it('is read with a few files open at a time: 3,000 pieces under a limit of 128 open files equal mergecap of them', async () => {
    const capture = join(PUBLIC_CAPTURES, 'stopddos_synflood_spoofed.pcap');
    const parts = cut(capture, 3000, 'pcap');
    expect(parts.length).toBeGreaterThan(2900);
    const dir = join(parts[0]!, '..');
    const merged = join(work, 'thousands.pcapng');
    execFileSync(mergecap!, ['-w', merged, ...parts], { stdio: 'ignore' });
    const whole = await analyzeCapture(merged);
    // The shell's limit on open files applies to the command it starts.
    // 128, not fewer: Node loads its modules with several files open at once, before any capture.
    const out = execFileSync('sh', ['-c', `ulimit -n 128 && exec "${process.execPath}" "${BIN}" analyze --as-one "${dir}" --format json`], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const asOne = JSON.parse(out) as AnalysisReport;
    expect(asOne.capture.files).toHaveLength(parts.length);
    expect(essentials(asOne)).toEqual(essentials(whole));
  }, 300_000);
});

describe.skipIf(!tools || !corpus)('the public corpus, cut in three and analysed as one', () => {
  const captures = corpus ? capturesUnder(PUBLIC_CAPTURES).filter((p) => !p.includes('/malformed/') && !p.endsWith('.gz')) : [];
  for (const capture of captures) {
    it(basename(capture), async () => splitCheck(capture, 3, 'pcapng'), 120_000);
  }
});

describe('wirewhy analyze A B C and analyze --as-one DIR', () => {
  /** A refusal whose SYN is in one file and whose RST is in the next. */
  function splitRefusal(dir: string): string[] {
    mkdirSync(dir, { recursive: true });
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:8080', { t0: 1_700_000_000 }).tcp('c', 0, ['SYN'], 1000).tcp('s', 0.0002, ['RST', 'ACK'], 0, 1001);
    const early = new Scenario('10.0.0.5:41000', '10.0.0.6:22', { t0: 1_699_999_999 }).tcp('c', 0, ['SYN'], 7).tcp('s', 0.001, ['SYN', 'ACK'], 70, 8).tcp('c', 0.002, ['ACK'], 8, 71);
    const [syn, rst] = s.records;
    const a = join(dir, 'ring_00001.pcap');
    const b = join(dir, 'ring_00002.pcap.gz');
    writeFileSync(a, writePcap([...early.records, syn!]));
    writeFileSync(b, gzipSync(writePcap([rst!])));
    return [a, b];
  }

  it('a SYN in one file and its RST in the next (gzip) are one conversation with one finding', async () => {
    const [a, b] = splitRefusal(join(work, 'split'));
    const r = await runInProcess(['analyze', a!, b!, '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as AnalysisReport;
    expect(report.capture.packets).toBe(5);
    expect(report.findings.map((f) => [f.rule, f.stream, f.frames])).toEqual([['connection-refused', 1, [4, 5]]]);
    expect(report.findings[0]!.sourceFrames).toEqual([
      { file: 'ring_00001.pcap', frames: [4] },
      { file: 'ring_00002.pcap.gz', frames: [1] },
    ]);
    const text = await runInProcess(['analyze', '--as-one', join(work, 'split')]);
    expect(text.out).toContain('Evidence: frames 4, 5');
    expect(text.out).toContain('In files: ring_00001.pcap frames 4; ring_00002.pcap.gz frames 1');
  });

  it('one unreadable file: exit 2, naming that file', async () => {
    const [a] = splitRefusal(join(work, 'bad'));
    const bad = join(work, 'bad', 'ring_00003.pcap');
    writeFileSync(bad, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
    const r = await runInProcess(['analyze', a!, bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`wirewhy: ${bad}: file ends inside its header`);
    expect((await runInProcess(['analyze', a!, '-'])).code).toBe(2);
    expect((await runInProcess(['analyze', '--as-one', join(work, 'nothing-here')])).code).toBe(2);
  });
});
