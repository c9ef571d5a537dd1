/**
 * Bytes of memory per tracked TCP conversation: reads a capture into a flow table (default
 * reassembly, no cap, nothing decided) until N conversations are held, then measures the heap
 * against the same table holding one, after full collections.
 *
 *   node --expose-gc --import tsx scripts/flow-memory.ts FILE [--conversations 75000]
 *
 * Use a capture with many conversations open at once (scripts/busy-capture.ts makes one). The
 * reassembly budget's kept bytes (at most 8 MiB) are counted apart: they do not grow with the
 * number of conversations.
 */
import { readCapture } from '../src/capture/reader.js';
import { decodeFrame } from '../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../src/decode/packet.js';
import { ReassemblyPool } from '../src/flow/reassembly.js';
import { FlowTable } from '../src/flow/table.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx');

const args = process.argv.slice(2);
const file = args[0];
if (!file) throw new Error('usage: flow-memory.ts FILE [--conversations N]');
const ci = args.indexOf('--conversations');
const target = ci >= 0 ? Number(args[ci + 1]) : 75_000;

function heap(): { used: number; buffers: number } {
  for (let i = 0; i < 3; i++) gc!();
  const m = process.memoryUsage();
  return { used: m.heapUsed, buffers: m.arrayBuffers };
}

const anomalies = new AnomalyCounter();
const pkt = createPacket();
const pool = new ReassemblyPool({}, () => {});
const table = new FlowTable(() => {}, { maxFlows: Number.MAX_SAFE_INTEGER, reassembly: pool });
let base: { used: number; buffers: number; n: number } | null = null;
let done: { used: number; buffers: number; n: number; kept: number } | null = null;

await readCapture(
  file,
  (frame) => {
    if (done) return;
    decodeFrame(frame, pkt, anomalies);
    pkt.time = frame.tsSec + frame.tsNsec / 1e9;
    table.advance(pkt.time);
    if (pkt.l4 === 6) table.tcp(pkt);
    else if (pkt.l4 === 17) table.udp(pkt);
    if (base === null && table.size >= 1) base = { ...heap(), n: table.size };
    else if (table.size >= target) {
      pool.flushDeferred();
      done = { ...heap(), n: table.size, kept: pool.usedBytes };
    }
  },
  { shouldStop: () => done !== null, afterFrames: () => pool.flushDeferred() },
);
if (!base || !done) throw new Error(`the capture holds fewer than ${target} conversations at once`);
const b = base as { used: number; buffers: number; n: number };
const d = done as { used: number; buffers: number; n: number; kept: number };
const n = d.n - b.n;
const perHeap = (d.used - b.used) / n;
const perBuffers = (d.buffers - b.buffers - d.kept) / n;
console.log(`${d.n} conversations held: ${perHeap.toFixed(0)} bytes of heap each, ${perBuffers.toFixed(0)} bytes outside the heap each (besides ${(d.kept / 1048576).toFixed(1)} MiB of kept stream bytes)`);
