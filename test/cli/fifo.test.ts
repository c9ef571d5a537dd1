/**
 * Ctrl-C on `wirewhy analyze FIFO`: the first SIGINT ends the analysis and the process, whether
 * no writer ever opened the FIFO or one holds it open and stays silent; a second SIGINT ends the
 * process at once even when it is stuck (here: a report waiting for a reader that never reads).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, existsSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePcap } from '../../dev/pcap-writer.js';
import { canRun, findTool } from '../helpers/tools.js';
import { BIN } from '../scan/cli-run.js';
import { healthyRecords, manyRefusalsPcap, refusedRecords } from '../scan/corpus.js';

const mkfifo = findTool('mkfifo');
const canFifo = canRun('mkfifo and /proc', mkfifo !== null && existsSync('/proc/self/fd'), 'a Linux system with coreutils');

let dir: string;
let fifo: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-fifo-'));
  fifo = join(dir, 'capture.fifo');
  if (mkfifo) execFileSync(mkfifo, [fifo]);
});
/** Children started by a test: one still running at its end (a failed test) is killed. */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exit };
}

/** Resolves once `check` holds (polled); the test's own timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

/** True once process `pid` holds `path` open (Linux: its /proc/PID/fd links). */
function holdsOpen(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Open the FIFO for writing once a reader has it open (a non-blocking open fails with ENXIO before). */
async function openAsWriter(path: string): Promise<number> {
  for (;;) {
    try {
      return openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('wirewhy analyze FIFO and Ctrl-C', () => {
  it.skipIf(!canFifo)('no writer ever opens it: the first SIGINT ends the run, with one line and status 2', async () => {
    const run = start(['analyze', fifo]);
    // The FIFO is open (and the SIGINT handler installed) once the process holds it.
    await until(() => holdsOpen(run.child.pid!, fifo));
    run.child.kill('SIGINT');
    const exit = await run.exit;
    expect(exit).toEqual({ code: 2, signal: null });
    expect(run.err()).toBe(`wirewhy: ${fifo}: interrupted before any capture data arrived\n`);
    expect(run.out()).toBe('');
  });

  it.skipIf(!canFifo)('a writer holds it open and sends nothing: the first SIGINT ends the run', async () => {
    const run = start(['analyze', fifo, '--format', 'json']);
    const writer = await openAsWriter(fifo);
    try {
      run.child.kill('SIGINT');
      const exit = await run.exit;
      expect(exit).toEqual({ code: 2, signal: null });
      expect(run.err()).toBe(`wirewhy: ${fifo}: interrupted before any capture data arrived\n`);
    } finally {
      closeSync(writer);
    }
  });

  it.skipIf(!canFifo)('a writer sends a refusal and goes quiet: the first SIGINT prints the report of what was read, status 0', async () => {
    const run = start(['analyze', fifo]);
    const probe = await openAsWriter(fifo);
    const writer = await open(fifo, 'w');
    closeSync(probe);
    try {
      // The refusal, then far more healthy traffic than a pipe holds: once the write returns, the
      // reader has taken everything up to the last pipe-full, the refusal included.
      const padding = Array.from({ length: 2000 }, (_, i) => healthyRecords(20000 + i).records).flat();
      const capture = writePcap([...refusedRecords(40000).records, ...padding]);
      const { bytesWritten } = await writer.write(capture);
      expect(bytesWritten).toBe(capture.length);
      run.child.kill('SIGINT');
      const exit = await run.exit;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(run.err()).toBe('');
      expect(run.out()).toContain('connection-refused');
      expect(run.out()).toContain('Windows  10061 WSAECONNREFUSED');
    } finally {
      await writer.close();
    }
  });

  it.skipIf(!canFifo)('a second SIGINT ends a process that the first could not end', async () => {
    // A report of megabytes to a reader that never reads: after the first SIGINT the process
    // still waits for the pipe to drain, which it never does.
    const big = join(dir, 'many-refusals.pcap');
    writeFileSync(big, manyRefusalsPcap(2000));
    const child = spawn(process.execPath, [BIN, 'analyze', big, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    // 'exit', not 'close': the unread report keeps the stdout pipe from closing.
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let stuck = false;
    // The first bytes of the report show the analysis is done and the writing has begun.
    child.stdout!.once('data', () => {
      child.stdout!.pause();
      stuck = true;
    });
    await until(() => stuck);
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBe(null);
    child.kill('SIGINT');
    // Ended by the signal itself, as the shell expects of an interrupted program (it shows 130).
    expect(await exit).toEqual({ code: null, signal: 'SIGINT' });
  });
});
