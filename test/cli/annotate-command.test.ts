/**
 * `wirewhy annotate IN -o OUT.pcapng`, run in-process: the copy and its comments as our own reader
 * sees them, and every way the command refuses or fails without leaving a file behind.
 * tshark's view of the copies (frames, times, bytes, the comment filter) is in test/tshark.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import { shellQuote } from '../../src/model/wireshark.js';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { runInProcess } from '../scan/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'wirewhy-annotate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MIX = join(FIXTURES, 'kernel/mix.pcap');

/** Packet comments per frame number in a pcapng file (EPB options with code 1), by our own walk. */
function commentsPerFrame(bytes: Buffer): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let frame = 0;
  for (let p = 0; p < bytes.length; ) {
    const type = bytes.readUInt32LE(p);
    const total = bytes.readUInt32LE(p + 4);
    if (type === 6) {
      frame++;
      const caplen = bytes.readUInt32LE(p + 20);
      for (let o = p + 28 + ((caplen + 3) & ~3); o + 4 <= p + total - 4; ) {
        const code = bytes.readUInt16LE(o);
        const len = bytes.readUInt16LE(o + 2);
        if (code === 0) break;
        if (code === 1) out.set(frame, [...(out.get(frame) ?? []), bytes.toString('utf8', o + 4, o + 4 + len)]);
        o += 4 + ((len + 3) & ~3);
      }
    }
    p += total;
  }
  return out;
}

describe('wirewhy annotate', () => {
  it('copies mix.pcap as pcapng with each finding on each of its evidence frames', async () => {
    const out = join(dir, 'mix.pcapng');
    const r = await runInProcess(['annotate', MIX, '-o', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = await analyzeCapture(MIX);
    const evidence = new Set(report.findings.flatMap((f) => f.frames));
    expect(r.out).toBe(`${out}: ${report.capture.packets} frames, ${report.findings.length} findings commented on ${evidence.size} frames (Wireshark filter: frame.comment contains "wirewhy")\n`);

    const bytes = readFileSync(out);
    const comments = commentsPerFrame(bytes);
    expect([...comments.keys()].sort((a, b) => a - b)).toEqual([...evidence].sort((a, b) => a - b));
    report.findings.forEach((f, i) => {
      for (const n of f.frames) {
        const c = comments.get(n)!.find((x) => x.startsWith(`wirewhy [${i + 1}] `))!;
        expect(c).toContain(`${f.rule} (${f.severity}): codes `);
        for (const code of f.codes) expect(c).toContain(`${code.code} ${code.name}`);
        expect(c).toContain(f.summary);
        expect(c).toContain(`${f.protocol}.stream ${f.stream}`);
      }
    });
    // The refusal names all three systems' codes.
    expect(comments.get(report.findings.find((f) => f.rule === 'connection-refused')!.frames[0]!)![0]).toContain(
      'codes Windows 10061 WSAECONNREFUSED, Linux 111 ECONNREFUSED, macOS 61 ECONNREFUSED; ',
    );

    // The copy reads as the same frames and analyses to the same findings.
    const frames = (b: Buffer): string[] => {
      const list: string[] = [];
      readCaptureBuffer(b, (f) => list.push(`${f.number} ${f.tsSec}.${f.tsNsec} ${f.originalLength} ${f.data.toString('hex')}`));
      return list;
    };
    expect(frames(bytes)).toEqual(frames(readFileSync(MIX)));
    const again = await analyzeCapture(out);
    // The same findings; only the command that opens each in Wireshark names the other file.
    const withoutCommand = (fs: typeof report.findings) => fs.map(({ wireshark: _, ...f }) => f);
    expect(withoutCommand(again.findings)).toEqual(withoutCommand(report.findings));
    expect(again.findings.map((f) => f.wireshark)).toEqual(report.findings.map((f) => f.wireshark!.replace(shellQuote(MIX), shellQuote(out))));
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('replaces an existing output file', async () => {
    const out = join(dir, 'existing.pcapng');
    writeFileSync(out, 'old contents');
    expect((await runInProcess(['annotate', join(FIXTURES, 'kernel/refused.pcap'), '-o', out])).code).toBe(0);
    expect(readFileSync(out).readUInt32LE(0)).toBe(0x0a0d0d0a);
  });

  it('reads gzip input', async () => {
    const out = join(dir, 'gzip.pcapng');
    const r = await runInProcess(['annotate', join(FIXTURES, 'synthetic/windows-refused-gzip.pcap.gz'), '-o', out]);
    expect(r.code).toBe(0);
    expect(commentsPerFrame(readFileSync(out)).size).toBeGreaterThan(0);
  });

  it('refuses standard input, which cannot be read twice', async () => {
    const r = await runInProcess(['annotate', '-', '-o', join(dir, 'stdin.pcapng')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('annotate reads its input twice');
    expect(existsSync(join(dir, 'stdin.pcapng'))).toBe(false);
  });

  it('refuses to write over its input', async () => {
    const input = join(dir, 'input.pcap');
    copyFileSync(MIX, input);
    const r = await runInProcess(['annotate', input, '-o', input]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is the input capture');
    expect(readFileSync(input)).toEqual(readFileSync(MIX));
  });

  it('refuses a folder as output, and an output in a folder that does not exist', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const a = await runInProcess(['annotate', MIX, '-o', folder]);
    expect(a.code).toBe(2);
    expect(a.err).toBe(`wirewhy: ${folder}: is a directory\n`);
    const missing = join(dir, 'no-such-folder', 'x.pcapng');
    const b = await runInProcess(['annotate', MIX, '-o', missing]);
    expect(b.code).toBe(2);
    expect(b.err).toBe(`wirewhy: cannot write ${missing}: no such file or directory\n`);
  });

  it('writes nothing for input that is not a capture', async () => {
    const input = join(dir, 'not-a-capture.txt');
    writeFileSync(input, 'hello, this is text\n');
    const out = join(dir, 'never.pcapng');
    const r = await runInProcess(['annotate', input, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a capture file');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('needs -o', async () => {
    const r = await runInProcess(['annotate', MIX]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("required option '-o, --output <file>'");
  });

  it('Ctrl-C before the copy is complete leaves no file', async () => {
    const out = join(dir, 'interrupted.pcapng');
    let err = '';
    const io: CliIo = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: {} };
    const code = await runCli(['node', 'wirewhy', 'annotate', MIX, '-o', out], io, { stopped: true });
    expect(code).toBe(2);
    expect(err).toContain(`interrupted; ${out} not written`);
    expect(existsSync(out)).toBe(false);
  });
});
