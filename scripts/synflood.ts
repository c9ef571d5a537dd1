/**
 * Memory check against a SYN flood: streams N SYNs with random source addresses and ports (one
 * packet per flow) into `wirewhy analyze -` on standard input, and reports the child's peak RSS
 * (VmHWM) and wall time. Not part of `npm test` (too slow); run after `npm run build`:
 *
 *   npx tsx scripts/synflood.ts [--count 1000000] [--format text] [--max-flows N] [--seed S]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'text' },
    'max-flows': { type: 'string' },
    seed: { type: 'string', default: '1' },
    'limit-mib': { type: 'string', default: '150' },
    /** Keep the report written by wirewhy in this file (default: counted, then dropped). */
    out: { type: 'string' },
  },
});
const count = Number(values.count);
const limitMiB = Number(values['limit-mib']);

/** xorshift32: the flood is the same for the same seed. */
let state = Number(values.seed) >>> 0 || 1;
function random32(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}

/** One Ethernet + IPv4 + TCP SYN frame (54 bytes) as a classic pcap record, written in place. */
const FRAME_LEN = 14 + 20 + 20;
const RECORD_LEN = 16 + FRAME_LEN;
function writeSyn(out: Buffer, at: number, n: number): void {
  const t0 = 1_700_000_000;
  const usec = n * 10; // 100k SYNs per second of capture time
  out.writeUInt32LE(t0 + Math.floor(usec / 1e6), at);
  out.writeUInt32LE(usec % 1e6, at + 4);
  out.writeUInt32LE(FRAME_LEN, at + 8);
  out.writeUInt32LE(FRAME_LEN, at + 12);
  const f = at + 16;
  out.fill(0, f, f + FRAME_LEN);
  out[f] = 2; // destination MAC 02:00:00:00:00:02
  out[f + 5] = 2;
  out[f + 6] = 2; // source MAC 02:00:00:00:00:01
  out[f + 11] = 1;
  out.writeUInt16BE(0x0800, f + 12);
  const ip = f + 14;
  out[ip] = 0x45;
  out.writeUInt16BE(40, ip + 2);
  out[ip + 8] = 64;
  out[ip + 9] = 6;
  out.writeUInt32BE((random32() | 0x01000000) >>> 0, ip + 12); // random source, never 0.x.x.x
  out.writeUInt32BE(0x0a000001, ip + 16); // 10.0.0.1
  const tcp = ip + 20;
  out.writeUInt16BE(1024 + (random32() % 64000), tcp);
  out.writeUInt16BE(80, tcp + 2);
  out.writeUInt32BE(random32(), tcp + 4);
  out[tcp + 12] = 0x50;
  out[tcp + 13] = 0x02; // SYN
  out.writeUInt16BE(64240, tcp + 14);
}

function fileHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

/** Peak resident set of a process, in KiB (VmHWM), or 0 once it has exited. */
function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const bin = fileURLToPath(new URL('../bin/wirewhy.js', import.meta.url));
const args = [bin, 'analyze', '-', '--format', values.format!];
if (values['max-flows']) args.push('--max-flows', values['max-flows']);
const started = performance.now();
const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
let peak = 0;
const poll = setInterval(() => {
  peak = Math.max(peak, peakRssKiB(child.pid!));
}, 50);
let stdoutBytes = 0;
let stderr = '';
const keep = values.out ? createWriteStream(values.out) : null;
child.stdout.on('data', (d: Buffer) => {
  stdoutBytes += d.length;
  keep?.write(d);
});
child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));

async function feed(): Promise<void> {
  const stdin = child.stdin;
  const write = (b: Buffer): Promise<void> =>
    stdin.write(b) ? Promise.resolve() : new Promise((res) => stdin.once('drain', () => res()));
  await write(fileHeader());
  const perChunk = 8192;
  for (let n = 0; n < count; n += perChunk) {
    const k = Math.min(perChunk, count - n);
    const chunk = Buffer.allocUnsafe(k * RECORD_LEN);
    for (let i = 0; i < k; i++) writeSyn(chunk, i * RECORD_LEN, n + i);
    await write(chunk);
  }
  stdin.end();
}

await feed();
// Read VmHWM just before the child exits: poll until it closes.
const code = await exited;
clearInterval(poll);
const seconds = (performance.now() - started) / 1000;
const peakMiB = peak / 1024;
console.log(`SYNs: ${count.toLocaleString('en-US')} (${((count * RECORD_LEN + 24) / 1e6).toFixed(1)} MB of pcap on stdin)`);
console.log(`exit status: ${code}; stdout ${stdoutBytes.toLocaleString('en-US')} bytes`);
console.log(`stderr: ${stderr.trim().split('\n').slice(0, 5).join(' | ') || '(empty)'}`);
console.log(`time: ${seconds.toFixed(2)} s (${Math.round(count / seconds).toLocaleString('en-US')} SYNs/s)`);
console.log(`peak RSS (VmHWM, sampled every 50 ms): ${peakMiB.toFixed(1)} MiB (limit ${limitMiB} MiB)`);
if (peakMiB > limitMiB || (code !== 0 && code !== 1)) process.exitCode = 1;
