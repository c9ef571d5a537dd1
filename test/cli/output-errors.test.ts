/**
 * Writing the report: a failed write (full disk, I/O error) ends the run with one line and exit
 * 2; a reader that goes away (`| head`) ends it quietly; a slow reader still gets every byte.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { canRun } from '../helpers/tools.js';
import { BIN, runBin } from '../scan/cli-run.js';
import { manyRefusalsPcap } from '../scan/corpus.js';

const MIX = join(FIXTURES, 'kernel/mix.pcap');
const NO_SPACE = 'wirewhy: cannot write the report: no space left on device\n';

const dir = mkdtempSync(join(tmpdir(), 'wirewhy-output-'));
/** A capture whose reports are megabytes long (2,000 refusals): far more than a pipe holds. */
const big = join(dir, 'many-refusals.pcap');
beforeAll(() => {
  writeFileSync(big, manyRefusalsPcap(2000));
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'folder', 'mix.pcap'), manyRefusalsPcap(10));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
}

/** Run the built CLI with stdout going to the descriptor `stdout`. */
function runWithStdout(args: string[], stdout: number): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, err })));
}

const hasDevFull = canRun('/dev/full', existsSync('/dev/full'), 'a Linux device that fails every write with ENOSPC');

describe('a report written to a full disk (/dev/full)', () => {
  const cases: Array<[string, string[]]> = [
    ...['text', 'json', 'jsonl', 'junit', 'html', 'ecs'].map((f): [string, string[]] => [`analyze --format ${f}`, ['analyze', MIX, '--format', f]]),
    ...['text', 'json', 'jsonl', 'junit', 'html', 'ecs'].map((f): [string, string[]] => [`scan --format ${f}`, ['scan', '--jobs', '1', join(dir, 'folder'), '--format', f]]),
    ...['text', 'json', 'junit'].map((f): [string, string[]] => [`check --format ${f}`, ['check', '--jobs', '1', join(dir, 'folder'), '--format', f]]),
    ['explain', ['explain', '10061']],
    ['--help', ['--help']],
  ];
  it.skipIf(!hasDevFull).each(cases)('%s: exit 2 with one line on stderr', async (_name, args) => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = await runWithStdout(args, full);
      expect(r.err).toBe(NO_SPACE);
      expect(r.code).toBe(2);
    } finally {
      closeSync(full);
    }
  });
});

describe('a reader that goes away (wirewhy … | head -1)', () => {
  for (const format of ['text', 'json', 'jsonl']) {
    it(`analyze --format ${format}: ends quietly, with the status it had`, async () => {
      const child = spawn(process.execPath, [BIN, 'analyze', big, '--format', format], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      let err = '';
      let got = 0;
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      // Take the first chunk and close the pipe, as head does after its first line.
      child.stdout!.once('data', (d: Buffer) => {
        got = d.length;
        child.stdout!.destroy();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(got).toBeGreaterThan(0);
      expect(err).toBe('');
      expect(code).toBe(0);
    });
  }

  it('through a shell pipe into head -1: one line out, nothing on stderr, status 0', async () => {
    const child = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" scan --jobs 1 "${big}" --format jsonl | head -1; echo "status \${PIPESTATUS[0]}" >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(out)).toMatchObject({ file: big, rule: 'connection-refused' });
    expect(err).toBe('status 0\n');
  });
});

describe('a slow reader', () => {
  it('gets the whole report: the process waits for the pipe to drain before it exits', async () => {
    const expected = runBin(['analyze', big, '--format', 'json']);
    expect(expected.code).toBe(0);
    expect(expected.out.length).toBeGreaterThan(1024 * 1024);
    const child = spawn(process.execPath, [BIN, 'analyze', big, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    // Read nothing for a while, so the report waits in the writer's queue, then read it all.
    child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => chunks.push(d));
    child.stdout!.resume();
    expect(await exited).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe(expected.out);
  });
});

/** In-process: stdout is an object given to runCli. */
async function runWith(stdout: CliIo['stdout'], args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const io: CliIo = { stdout, stderr: { write: (s: string) => (err += s) }, env: {} };
  const code = await runCli(['node', 'wirewhy', ...args], io);
  return { code, err };
}

function systemError(code: 'EIO' | 'ENOSPC' | 'EPIPE'): NodeJS.ErrnoException {
  const errno = -osConstants.errno[code];
  return Object.assign(new Error(`${code}: write`), { code, errno, syscall: 'write' });
}

describe('in-process: a stdout that fails', () => {
  it('a write that throws EIO: exit 2, one line in words', async () => {
    let writes = 0;
    const r = await runWith({ write: () => { writes++; throw systemError('EIO'); } }, ['analyze', MIX, '--format', 'json']);
    expect(r.err).toBe('wirewhy: cannot write the report: i/o error\n');
    expect(r.code).toBe(2);
    // The first failure stops the writing: no report is pushed into a broken stream.
    expect(writes).toBe(1);
  });

  it('a write that throws EPIPE: the status the run had, nothing said', async () => {
    const ok = await runWith({ write: () => { throw systemError('EPIPE'); } }, ['analyze', MIX]);
    expect(ok).toEqual({ code: 0, err: '' });
    const failOn = await runWith({ write: () => { throw systemError('EPIPE'); } }, ['analyze', MIX, '--fail-on', 'error']);
    expect(failOn).toEqual({ code: 1, err: '' });
  });

  it('a stream that fails later, as a pipe or socket does: exit 2 once the write has failed', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        setImmediate(() => callback(systemError('ENOSPC')));
      },
    });
    const r = await runWith(stream, ['analyze', MIX, '--format', 'text']);
    expect(r.err).toBe(NO_SPACE);
    expect(r.code).toBe(2);
  });

  it('a failing stdout stops a scan (as Ctrl-C does) instead of analysing for nobody', async () => {
    let err = '';
    const io: CliIo = { stdout: { write: () => { throw systemError('ENOSPC'); } }, stderr: { write: (s: string) => (err += s) }, env: {} };
    const signal = { stopped: false };
    const code = await runCli(['node', 'wirewhy', 'scan', '--jobs', '1', big, join(dir, 'folder'), '--format', 'jsonl'], io, signal);
    expect(signal.stopped).toBe(true);
    expect(err).toBe(NO_SPACE);
    expect(code).toBe(2);
  });

  it('a stream that accepts everything: exit 0, and the report is complete when runCli resolves', async () => {
    let out = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        setTimeout(() => {
          out += chunk.toString();
          callback();
        }, 1);
      },
    });
    const r = await runWith(stream, ['analyze', MIX, '--format', 'json']);
    expect(r).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out).summary.findings).toBe(4);
  });
});
