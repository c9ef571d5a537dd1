/**
 * What every command that writes a report takes besides its format: `-o/--output FILE` (the file
 * is replaced only by a complete report), `--color`/`--no-color` (they win over FORCE_COLOR and
 * NO_COLOR), and `--ladder`/`--brief`, which only the text format takes.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportFile, withReportFile, type CliIo } from '../../src/cli/io.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { canRun } from '../helpers/tools.js';
import { BIN, runInProcess } from '../scan/cli-run.js';
import { manyRefusalsPcap } from '../scan/corpus.js';

const MIX = join(FIXTURES, 'kernel/mix.pcap');
const ESC = '\u001b[';

const dir = mkdtempSync(join(tmpdir(), 'wirewhy-report-options-'));
const folder = join(dir, 'captures');
const big = join(dir, 'many-refusals.pcap');
beforeAll(() => {
  mkdirSync(folder);
  writeFileSync(join(folder, 'refusals.pcap'), manyRefusalsPcap(10));
  // Its JSON report is megabytes: far past the file-size limit set below.
  writeFileSync(big, manyRefusalsPcap(2000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Files in `dir` other than the captures' folder and the big capture. */
function leftovers(): string[] {
  return readdirSync(dir).filter((n) => n !== 'captures' && n !== 'many-refusals.pcap');
}

describe('-o, --output FILE', () => {
  const cases: Array<[string, string[]]> = [
    ['analyze --format json', ['analyze', MIX, '--format', 'json']],
    ['analyze --format text', ['analyze', MIX]],
    ['analyze --format jsonl', ['analyze', MIX, '--format', 'jsonl']],
    ['scan --format junit', ['scan', '--jobs', '1', folder, '--format', 'junit']],
    ['scan --format html', ['scan', '--jobs', '1', folder, '--format', 'html']],
    ['check --format text', ['check', '--jobs', '1', folder]],
  ];
  it.each(cases)('%s: the file holds what standard output would, and standard output nothing', async (_name, args) => {
    const file = join(dir, 'report.out');
    try {
      const plain = await runInProcess(args);
      const toFile = await runInProcess([...args, '-o', file]);
      expect(toFile.code).toBe(plain.code);
      expect(toFile.out).toBe('');
      expect(toFile.err).toBe(plain.err);
      const written = readFileSync(file, 'utf8');
      // scan and check say how long they took; everything else is the same bytes.
      const timeless = (s: string): string => s.replace(/time="[0-9.]+"/g, 'time=""').replace(/in [0-9.]+ s/g, 'in s');
      expect(timeless(written)).toBe(timeless(plain.out));
      expect(written.length).toBeGreaterThan(0);
      expect(leftovers()).toEqual(['report.out']);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('replaces an existing file; through a symbolic link, the file it points to', async () => {
    const real = join(dir, 'old.json');
    const link = join(dir, 'link.json');
    writeFileSync(real, 'an older report\n');
    symlinkSync(real, link);
    try {
      const r = await runInProcess(['analyze', MIX, '--format', 'json', '--output', link]);
      expect(r.code).toBe(0);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(JSON.parse(readFileSync(real, 'utf8')).capture.file).toBe(MIX);
      expect(leftovers().sort()).toEqual(['link.json', 'old.json']);
    } finally {
      rmSync(link, { force: true });
      rmSync(real, { force: true });
    }
  });

  it('a folder that does not exist: exit 2 with one line, before any analysis', async () => {
    const file = join(dir, 'missing', 'report.json');
    const r = await runInProcess(['analyze', MIX, '--format', 'json', '-o', file]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`wirewhy: cannot write the report to ${file}: no such file or directory\n`);
  });

  it('a folder given as the file: exit 2 with one line', async () => {
    const r = await runInProcess(['scan', folder, '-o', folder]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(r.err).toMatch(/^wirewhy: cannot write the report to .*captures: /);
  });

  it('a command that fails half-way leaves the file as it was and no temporary file', async () => {
    const file = join(dir, 'kept.json');
    writeFileSync(file, 'the last complete report\n');
    const io: CliIo = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    try {
      const run = withReportFile(file, io, { stopped: false }, async (out) => {
        out.stdout.write('{\n  "schemaVersion": 1,\n');
        throw new Error('an internal error half-way');
      });
      await expect(run).rejects.toThrow('half-way');
      expect(readFileSync(file, 'utf8')).toBe('the last complete report\n');
      expect(leftovers()).toEqual(['kept.json']);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a report file abandoned before its end is never put in place', () => {
    const file = join(dir, 'never.json');
    const f = new ReportFile(file);
    f.write('{"half": ');
    expect(leftovers()).toHaveLength(1);
    f.abandon();
    expect(leftovers()).toEqual([]);
  });

  const hasUlimit = canRun('bash', existsSync('/bin/bash'), 'a shell to limit the file size (ulimit -f)');
  it.skipIf(!hasUlimit)('a write that fails (file size limit): exit 2, one line naming the file, the old file kept', async () => {
    const file = join(dir, 'limited.json');
    writeFileSync(file, 'the last complete report\n');
    try {
      // ulimit -f counts 1024-byte blocks: the report fails after 8 KiB with EFBIG.
      const child = spawn('bash', ['-c', 'ulimit -f 8; exec "$0" "$@"', process.execPath, BIN, 'analyze', big, '--format', 'json', '-o', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(err).toBe(`wirewhy: cannot write the report to ${file}: file too large\n`);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(readFileSync(file, 'utf8')).toBe('the last complete report\n');
      expect(leftovers()).toEqual(['limited.json']);
    } finally {
      rmSync(file, { force: true });
    }
  }, 60_000);
});

describe('--color and --no-color', () => {
  const commands: Array<[string, string[]]> = [
    ['analyze', ['analyze', MIX]],
    ['scan', ['scan', '--jobs', '1', folder]],
    ['check', ['check', '--jobs', '1', folder]],
    ['explain', ['explain', '10061']],
  ];
  it.each(commands)('%s: --color colours output that is not a terminal, even with NO_COLOR set', async (_name, args) => {
    expect((await runInProcess(args, {})).out).not.toContain(ESC);
    expect((await runInProcess([...args, '--color'], { NO_COLOR: '1' })).out).toContain(ESC);
  });

  it.each(commands)('%s: --no-color wins over FORCE_COLOR', async (_name, args) => {
    expect((await runInProcess(args, { FORCE_COLOR: '1' })).out).toContain(ESC);
    expect((await runInProcess([...args, '--no-color'], { FORCE_COLOR: '1' })).out).not.toContain(ESC);
  });
});

describe('options only the text format takes', () => {
  for (const option of ['--ladder', '--brief']) {
    for (const format of ['json', 'jsonl', 'junit', 'html']) {
      it(`${option} with --format ${format}: a usage error, exit 2, one line`, async () => {
        const r = await runInProcess(['analyze', MIX, option, '--format', format]);
        expect(r.code).toBe(2);
        expect(r.out).toBe('');
        expect(r.err).toBe(`error: option '${option}' goes with --format text, not ${format}\n`);
      });
    }
    it(`${option} with the text format is taken`, async () => {
      const r = await runInProcess(['analyze', MIX, option]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toContain('connection-refused');
    });
  }
});
