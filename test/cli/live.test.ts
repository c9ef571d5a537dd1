/**
 * Live input: a capture tool on loopback piped into `wirewhy analyze -`. The refusal of a
 * connect() to a closed port must be printed while the pipe is still open, i.e. decided by the
 * live clock and the short refusal linger, not by the end of the input.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canRun, findTool } from '../helpers/tools.js';
import { BIN } from '../scan/cli-run.js';
import { PcapWriter } from '../../dev/pcap-writer.js';
import { refusedRecords } from '../scan/corpus.js';

const tcpdump = findTool('tcpdump');
const tshark = findTool('tshark');
const root = process.getuid?.() === 0;

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function refuse(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - start > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 50);
  });
}

interface LiveRun {
  capture: ChildProcess;
  wirewhy: ChildProcess;
  out: () => string;
  captureExited: () => boolean;
  done: Promise<number | null>;
}

/** Start `tool args` piped into `wirewhy analyze - ARGS`; resolves once the tool listens. */
async function startPipe(tool: string, toolArgs: string[], wirewhyArgs: string[]): Promise<LiveRun> {
  const capture = spawn(tool, toolArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const wirewhy = spawn(process.execPath, [BIN, 'analyze', '-', ...wirewhyArgs], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' } });
  capture.stdout!.pipe(wirewhy.stdin!);
  let out = '';
  let toolErr = '';
  let exited = false;
  wirewhy.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  capture.stderr!.on('data', (d: Buffer) => (toolErr += d.toString()));
  capture.on('exit', () => (exited = true));
  const done = new Promise<number | null>((resolve) => wirewhy.on('exit', (code) => resolve(code)));
  await waitFor(() => /listening on|Capturing on/i.test(toolErr) || exited, 10_000, `${tool} to start`);
  if (exited) throw new Error(`${tool} exited: ${toolErr}`);
  // Give the capture a moment to be attached before the connection is made.
  await new Promise((r) => setTimeout(r, 300));
  return { capture, wirewhy, out: () => out, captureExited: () => exited, done };
}

async function stop(run: LiveRun): Promise<number | null> {
  if (!run.captureExited()) run.capture.kill('SIGINT');
  const code = await Promise.race([run.done, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  if (run.wirewhy.exitCode === null) run.wirewhy.kill('SIGKILL');
  if (run.capture.exitCode === null) run.capture.kill('SIGKILL');
  return code;
}

const canCapture = canRun('tcpdump on loopback (needs root)', tcpdump !== null && root, 'install tcpdump and run as root');

describe('live input from a pipe', () => {
  it.skipIf(!canCapture)('tcpdump -U -w - | wirewhy analyze - --format jsonl: the refusal shows before the pipe closes', async () => {
    const port = await closedPort();
    const run = await startPipe(tcpdump!, ['-i', 'lo', '-U', '-w', '-', `tcp port ${port}`], ['--format', 'jsonl']);
    try {
      expect(await refuse(port)).toBe('ECONNREFUSED');
      await waitFor(() => run.out().includes('"rule":"connection-refused"'), 15_000, 'the connection-refused line');
      // Decided while tcpdump still writes to the pipe.
      expect(run.captureExited()).toBe(false);
      const line = JSON.parse(run.out().trim().split('\n')[0]!) as { file: string; rule: string; server: { port: number }; codes: Array<{ os: string; code: number }> };
      expect(line.file).toBe('-');
      expect(line.server).toEqual({ address: '127.0.0.1', port });
      expect(line.codes).toContainEqual(expect.objectContaining({ os: 'linux', code: 111 }));
      expect(line.codes).toContainEqual(expect.objectContaining({ os: 'windows', code: 10061 }));
    } finally {
      expect(await stop(run)).toBe(0);
    }
  });

  it.skipIf(!canCapture)('text: a short line per finding as decided, then the full report at the end', async () => {
    const port = await closedPort();
    const run = await startPipe(tcpdump!, ['-i', 'lo', '-U', '-w', '-', `tcp port ${port}`], []);
    try {
      expect(await refuse(port)).toBe('ECONNREFUSED');
      await waitFor(() => run.out().includes('connection-refused'), 15_000, 'the connection-refused line');
      expect(run.captureExited()).toBe(false);
      expect(run.out()).toMatch(new RegExp(`connection-refused  127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${port} \\(tcp\\.stream 0\\)  Windows 10061 WSAECONNREFUSED, Linux 111 ECONNREFUSED`));
    } finally {
      expect(await stop(run)).toBe(0);
    }
    expect(run.out()).toContain('Wireshark filter:');
  });

  it.skipIf(!canRun('tshark on loopback (needs root)', tshark !== null && root, 'install tshark and run as root'))('tshark -w - (pcapng) | wirewhy analyze -', async () => {
    const port = await closedPort();
    const run = await startPipe(tshark!, ['-i', 'lo', '-f', `tcp port ${port}`, '-w', '-'], ['--format', 'jsonl']);
    try {
      expect(await refuse(port)).toBe('ECONNREFUSED');
      await waitFor(() => run.out().includes('"rule":"connection-refused"'), 15_000, 'the connection-refused line');
      expect(run.captureExited()).toBe(false);
    } finally {
      expect(await stop(run)).toBe(0);
    }
  });

  it('Ctrl-C prints the report so far and exits cleanly, even while no data arrives', async () => {
    const wirewhy = spawn(process.execPath, [BIN, 'analyze', '-'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    wirewhy.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => wirewhy.on('exit', (code) => resolve(code)));
    // A refusal, then silence with the pipe left open (timestamps far from now: no live clock).
    const w = new PcapWriter();
    wirewhy.stdin!.write(w.header());
    for (const r of refusedRecords(40000).records) wirewhy.stdin!.write(w.encodeRecord(r));
    await new Promise((r) => setTimeout(r, 1000));
    expect(out).toBe('');
    wirewhy.kill('SIGINT');
    // The test's timeout bounds the wait.
    expect(await done).toBe(0);
    expect(out).toContain('connection-refused');
    expect(out).toContain('Windows  10061 WSAECONNREFUSED');
  });
});

describe('piped input that is not live', () => {
  it('cat capture | wirewhy analyze - prints its report once, with no line per finding before it', async () => {
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync('fixtures/kernel/mix.pcap');
    const wirewhy = spawn(process.execPath, [BIN, 'analyze', '-'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', COLUMNS: '120' } });
    let out = '';
    wirewhy.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => wirewhy.on('exit', (code) => resolve(code)));
    // Written in pieces with pauses, as a slow pipe would deliver it.
    for (let i = 0; i < bytes.length; i += 512) {
      wirewhy.stdin!.write(bytes.subarray(i, i + 512));
      await new Promise((r) => setTimeout(r, 5));
    }
    wirewhy.stdin!.end();
    expect(await done).toBe(0);
    // The live line's shape: "<rule>  a:port -> b:port (tcp.stream N)".
    expect(out).not.toMatch(/^[a-z-]+ {2}\S+ -> \S+ \((tcp|udp)\.stream \d+\)/m);
    const file = spawn(process.execPath, [BIN, 'analyze', 'fixtures/kernel/mix.pcap'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', COLUMNS: '120' } });
    let fromFile = '';
    file.stdout!.on('data', (d: Buffer) => (fromFile += d.toString()));
    await new Promise((r) => file.on('exit', r));
    // Each finding once, as reading the file prints it.
    const headers = (text: string) => text.split('\n').filter((l) => /^\[\d+\] /.test(l));
    expect(headers(fromFile).length).toBeGreaterThan(2);
    expect(headers(out)).toEqual(headers(fromFile));
  });
});
