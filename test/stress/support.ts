/**
 * Shared by `npm run stress` (scripts/stress.ts) and test/stress: realistic inputs and the checks
 * every one of them must pass.
 *
 * Inputs are (1) captures from the benchmark generator with its {@link TrafficOptions} (spurious
 * retransmissions after FIN, SPAN duplicates, reordering, drops, replays, high connection
 * rates), each with its ground truth, and (2) captures read frame by frame with the project's
 * reader and changed at the frame level (duplicate, reorder, drop, replay later, replay after the
 * conversation closed, truncate, jump a timestamp), plus a few byte-level changes, then written
 * again with the project's writer. Byte-level fuzzing alone cannot reach state such as "a
 * retransmission after both FINs": it needs whole, well-formed frames in a new order.
 *
 * The checks: the analysis (in a child process, on the built dist/) neither throws nor reports
 * an `internal_error` anomaly; its peak RSS stays under {@link MEMORY_BOUND_MIB}; the CLI never
 * exits 2 on input the library read; unmutated generated captures give the generator's truth.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { analyzeCapture, type AnalyzeOptions } from '../../src/analyze.js';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import { CaptureError, type CaptureFormat } from '../../src/capture/types.js';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { checkAgainstTruth, generateBenchCapture, Prng, type GroundTruth, type TrafficOptions } from '../../scripts/bench-capture.js';
import { mutate, type Mutation } from '../fuzz/support.js';
import { capturesUnder } from '../helpers/fixtures.js';
import { PcapngWriter, PcapWriter } from '../../dev/pcap-writer.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const DIST_INDEX = join(ROOT, 'dist/index.js');
const CLI = join(ROOT, 'dist/cli/main.js');
/** Where a long run writes failing inputs (git-ignored). */
export const FAILURES_DIR = join(ROOT, 'stress-failures');
/** Minimised failures kept as regression captures. */
export const STRESS_FIXTURES = join(ROOT, 'fixtures/stress');
/** Real captures beside the project (read, never copied into it). */
export const SHARED_CAPTURES = [resolve(ROOT, '../shared/captures/public'), resolve(ROOT, '../shared/captures/real')];

/**
 * Peak RSS one analysis may reach, in MiB. Measured on this project's inputs: Node alone
 * ~40 MiB, a 3 MB capture ~65 MiB, a 30 MB capture at 200,000 new conversations per second
 * (the flow cap reached) ~130 MiB, the 1 GB benchmark 133 MiB (README). 200 MiB is the budget
 * the product sets itself for one analysis of a busy capture: ~1.5x the worst measured, so
 * noise does not trip it and state that grows with the input (flows, findings, kept bytes
 * never released) does, because stress inputs reach 30 MB and tens of thousands of flows.
 */
export const MEMORY_BOUND_MIB = 200;

// ---------------------------------------------------------------------------------------------
// Sources

/** A capture to mutate. */
export interface SourceCapture {
  /** What failure reports call it: a path relative to the project or to ../shared. */
  name: string;
  path: string;
}

/** The project's own captures: fixtures/ (kernel, synthetic, stress regressions). */
export function fixtureSources(): SourceCapture[] {
  return capturesUnder(join(ROOT, 'fixtures')).map((p) => ({ name: p.slice(ROOT.length + 1), path: p }));
}

/** The real captures of ../shared/captures/{public,real} (not the malformed ones); empty when absent. */
export function sharedSources(): SourceCapture[] {
  const out: SourceCapture[] = [];
  for (const dir of SHARED_CAPTURES) {
    for (const p of capturesUnder(dir)) {
      if (p.includes('/malformed/')) continue;
      out.push({ name: p.slice(resolve(ROOT, '..').length + 1), path: p });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Frames: read with the project's reader, written with the project's writer.

/** One frame held in memory. */
export interface StressFrame {
  sec: number;
  nsec: number;
  linkType: number;
  data: Buffer;
  originalLength: number;
}

/** A capture as a list of frames. */
export interface FrameCapture {
  format: CaptureFormat;
  frames: StressFrame[];
}

/** Read every frame (gzip too); throws CaptureError when the reader rejects the file. */
export function readFrames(bytes: Buffer): FrameCapture {
  const plain = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const frames: StressFrame[] = [];
  const r = readCaptureBuffer(plain, (f) => {
    frames.push({ sec: f.tsSec, nsec: f.tsNsec, linkType: f.linkType, data: Buffer.from(f.data), originalLength: f.originalLength });
  });
  return { format: r.info.format, frames };
}

const MAX_U32_SECONDS = 0xffffffff;

function clampSeconds(sec: number): number {
  return Math.min(MAX_U32_SECONDS, Math.max(0, sec));
}

/**
 * Write frames as classic pcap (nanosecond, when there is one link type and `format` says so)
 * or pcapng (one interface per link type, nanosecond resolution).
 */
export function writeFrames(c: FrameCapture, format: CaptureFormat = c.format): Buffer {
  const linkTypes = [...new Set(c.frames.map((f) => f.linkType))];
  if (linkTypes.length === 0) linkTypes.push(1);
  const record = (f: StressFrame) => ({ time: [clampSeconds(f.sec), f.nsec] as [number, number], data: f.data, originalLength: Math.max(f.originalLength, f.data.length) });
  if (format === 'pcap' && linkTypes.length === 1) {
    const w = new PcapWriter({ linkType: linkTypes[0], nanosecond: true });
    for (const f of c.frames) w.record(record(f));
    return w.toBuffer();
  }
  const w = new PcapngWriter().section();
  for (const lt of linkTypes) w.iface({ linkType: lt, tsresol: 9 });
  for (const f of c.frames) w.epb({ ...record(f), interfaceId: linkTypes.indexOf(f.linkType) });
  return w.toBuffer();
}

/** A TCP frame's conversation (direction-independent) and payload length, or null. */
function tcpConversation(f: StressFrame, pkt = createPacket()): { key: string; payload: number } | null {
  decodeFrame({ number: 1, tsSec: f.sec, tsNsec: f.nsec, linkType: f.linkType, interfaceId: 0, originalLength: f.originalLength, data: f.data, offset: 0 }, pkt, new AnomalyCounter());
  if (pkt.l4 !== 6) return null;
  const a = `${Array.from(pkt.addr.subarray(0, 4)).join('.')}:${pkt.srcPort}`;
  const b = `${Array.from(pkt.addr.subarray(4, 8)).join('.')}:${pkt.dstPort}`;
  return { key: `${pkt.vlanOuter}/${pkt.vlanInner}/${a < b ? `${a}-${b}` : `${b}-${a}`}`, payload: pkt.wirePayloadLength };
}

// ---------------------------------------------------------------------------------------------
// Frame-level mutations. Frame indices are 0-based positions in the list as it is when the
// mutation is applied (mutations apply in order); descriptions print 1-based frame numbers.

/** One change to a capture's frames, or (`file`) to its bytes. */
export type FrameMutation =
  /** The same bytes again `us` µs later, as a SPAN port delivers a frame twice. */
  | { op: 'duplicate'; frame: number; us: number }
  /** The frame's bytes move `by` places later; the timestamps stay where they were (monotonic). */
  | { op: 'reorder'; frame: number; by: number }
  | { op: 'drop'; frame: number }
  /** A copy placed before frame `to` (> frame), stamped 1 µs after the frame it then follows. */
  | { op: 'replay'; frame: number; to: number }
  /** A copy `seconds` after the last frame of the capture. */
  | { op: 'replay-end'; frame: number; seconds: number }
  /** A copy `us` µs after the last frame of its TCP conversation (a retransmission after the close). */
  | { op: 'after-close'; frame: number; us: number }
  /** Only the first `keep` bytes captured (the original length stays). */
  | { op: 'truncate'; frame: number; keep: number }
  /** The frame's timestamp moved by `seconds` (a clock step, a bad timestamp). */
  | { op: 'time-jump'; frame: number; seconds: number }
  /** One bit of the frame's bytes flipped (byte-level, inside one frame: the file stays readable). */
  | { op: 'flip'; frame: number; at: number; bit: number }
  /** A byte-level change to the written file (test/fuzz's mutations: the file may become unreadable). */
  | { op: 'file'; mutation: Mutation };

function addMicros(f: StressFrame, us: number): { sec: number; nsec: number } {
  const total = f.nsec + Math.round(us * 1000);
  const carry = Math.floor(total / 1e9);
  return { sec: f.sec + carry, nsec: total - carry * 1e9 };
}

/** The last frame index of `frame`'s TCP conversation (itself when it is not TCP). */
function lastOfConversation(frames: StressFrame[], frame: number): number {
  const pkt = createPacket();
  const key = tcpConversation(frames[frame]!, pkt)?.key;
  if (key === undefined) return frame;
  let last = frame;
  for (let i = frame + 1; i < frames.length; i++) if (tcpConversation(frames[i]!, pkt)?.key === key) last = i;
  return last;
}

/** Where a frame stamped `t` goes to keep the order of time after position `from`. */
function insertionPoint(frames: StressFrame[], from: number, t: { sec: number; nsec: number }): number {
  let i = from;
  while (i < frames.length && (frames[i]!.sec < t.sec || (frames[i]!.sec === t.sec && frames[i]!.nsec <= t.nsec))) i++;
  return i;
}

/** Apply one frame-level mutation (the list is changed in place; `file` mutations are not frame-level and are ignored here). */
export function applyFrameMutation(frames: StressFrame[], m: FrameMutation): void {
  if (m.op === 'file' || frames.length === 0) return;
  const f = frames[m.frame];
  if (f === undefined) return;
  switch (m.op) {
    case 'duplicate': {
      const t = addMicros(f, m.us);
      frames.splice(insertionPoint(frames, m.frame + 1, t), 0, { ...f, ...t });
      return;
    }
    case 'reorder': {
      const to = Math.min(frames.length - 1, m.frame + m.by);
      const moved = frames.slice(m.frame, to + 1).map((x) => ({ sec: x.sec, nsec: x.nsec }));
      const [bytes] = frames.splice(m.frame, 1);
      frames.splice(to, 0, bytes!);
      for (let i = m.frame; i <= to; i++) frames[i] = { ...frames[i]!, ...moved[i - m.frame]! };
      return;
    }
    case 'drop':
      frames.splice(m.frame, 1);
      return;
    case 'replay': {
      const to = Math.min(frames.length, Math.max(m.frame + 1, m.to));
      frames.splice(to, 0, { ...f, ...addMicros(frames[to - 1]!, 1) });
      return;
    }
    case 'replay-end':
      frames.push({ ...f, ...addMicros(frames[frames.length - 1]!, m.seconds * 1e6) });
      return;
    case 'after-close': {
      const last = lastOfConversation(frames, m.frame);
      const t = addMicros(frames[last]!, m.us);
      frames.splice(insertionPoint(frames, last + 1, t), 0, { ...f, ...t });
      return;
    }
    case 'truncate':
      frames[m.frame] = { ...f, data: f.data.subarray(0, Math.min(m.keep, f.data.length)), originalLength: Math.max(f.originalLength, f.data.length) };
      return;
    case 'time-jump':
      frames[m.frame] = { ...f, sec: clampSeconds(f.sec + m.seconds) };
      return;
    case 'flip': {
      if (f.data.length === 0) return;
      const data = Buffer.from(f.data);
      data[m.at % data.length]! ^= 1 << m.bit;
      frames[m.frame] = { ...f, data };
      return;
    }
  }
}

/** Timestamp jumps: a day and years forward (up to 2106, the end of pcap's 32-bit seconds), and clock steps back. */
const TIME_JUMPS = [86_400 + 1, 40 * 365 * 86_400, MAX_U32_SECONDS, -2, -3600, -365 * 86_400];

/** Indices of the TCP frames that carry data. */
export function tcpDataFrames(frames: StressFrame[]): number[] {
  const pkt = createPacket();
  const idx: number[] = [];
  for (let i = 0; i < frames.length; i++) if ((tcpConversation(frames[i]!, pkt)?.payload ?? 0) > 0) idx.push(i);
  return idx;
}

/** Draw `count` mutations for `frames`, applying each as it is drawn (later draws see the changed list). */
export function drawMutations(rng: Prng, frames: StressFrame[], count: number): FrameMutation[] {
  const out: FrameMutation[] = [];
  // TCP frames with payload reach the deepest state (reassembly, retransmission analysis).
  let data = tcpDataFrames(frames);
  for (let k = 0; k < count && frames.length > 0; k++) {
    const pickData = data.length > 0 && rng.next() < 0.7;
    const frame = pickData ? data[rng.int(0, data.length - 1)]! : rng.int(0, frames.length - 1);
    const x = rng.next();
    let m: FrameMutation;
    if (x < 0.18) m = { op: 'after-close', frame, us: rng.next() < 0.5 ? rng.int(1, 5000) : rng.int(5000, 3_000_000) };
    else if (x < 0.32) m = { op: 'duplicate', frame, us: rng.int(1, 50) };
    else if (x < 0.44) m = { op: 'reorder', frame, by: rng.int(1, 8) };
    else if (x < 0.54) m = { op: 'drop', frame };
    else if (x < 0.64) m = { op: 'replay', frame, to: rng.int(frame + 1, frames.length) };
    else if (x < 0.7) m = { op: 'replay-end', frame, seconds: [1, 30, 150, 3600, 8000][rng.int(0, 4)]! };
    else if (x < 0.8) m = { op: 'truncate', frame, keep: rng.int(0, Math.max(0, frames[frame]!.data.length - 1)) };
    else if (x < 0.88) m = { op: 'time-jump', frame, seconds: TIME_JUMPS[rng.int(0, TIME_JUMPS.length - 1)]! };
    else m = { op: 'flip', frame, at: rng.int(0, 79), bit: rng.int(0, 7) };
    applyFrameMutation(frames, m);
    out.push(m);
    if (m.op !== 'flip' && m.op !== 'time-jump') data = tcpDataFrames(frames);
  }
  return out;
}

/** Byte-level changes to a whole file, drawn like test/fuzz's (they may make it unreadable). */
function drawFileMutation(rng: Prng): FrameMutation {
  const x = rng.next();
  const at = rng.int(0, 0x7fffffff);
  const mutation: Mutation =
    x < 0.4 ? { kind: 'flip', at, bit: rng.int(0, 7) } : x < 0.6 ? { kind: 'set', at, value: rng.int(0, 255) } : x < 0.8 ? { kind: 'truncate', at } : { kind: 'length', field: at, value: rng.next() < 0.5 ? rng.int(0, 4096) : 0xffffffff };
  return { op: 'file', mutation };
}

/** One line per mutation, frame numbers 1-based. */
export function describeMutation(m: FrameMutation): string {
  switch (m.op) {
    case 'duplicate':
      return `duplicate frame ${m.frame + 1} ${m.us} µs later`;
    case 'reorder':
      return `move frame ${m.frame + 1} ${m.by} later`;
    case 'drop':
      return `drop frame ${m.frame + 1}`;
    case 'replay':
      return `replay frame ${m.frame + 1} before frame ${m.to + 1}`;
    case 'replay-end':
      return `replay frame ${m.frame + 1} ${m.seconds} s after the end`;
    case 'after-close':
      return `replay frame ${m.frame + 1} ${m.us} µs after its conversation's last frame`;
    case 'truncate':
      return `truncate frame ${m.frame + 1} to ${m.keep} bytes`;
    case 'time-jump':
      return `move frame ${m.frame + 1}'s time by ${m.seconds} s`;
    case 'flip':
      return `flip bit ${m.bit} of byte ${m.at} of frame ${m.frame + 1}`;
    case 'file':
      return `file bytes: ${JSON.stringify(m.mutation)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Cases: everything about an input follows from its seed (and the list of sources).

/** One stress input. */
export interface StressCase {
  seed: number;
  /** "generated" or the source capture's name. */
  source: string;
  traffic?: TrafficOptions;
  targetBytes?: number;
  mutations: FrameMutation[];
  /** File extension of the bytes: pcap, pcapng, pcap.gz, pcapng.gz. */
  ext: string;
  bytes: Buffer;
  /** The generator's truth, for an unmutated generated capture; null otherwise. */
  truth: GroundTruth | null;
  /** Made by our writer from frames the reader accepted (no byte-level file change): the analysis must read it. */
  readable: boolean;
}

/** A one-line description of a case. */
export function describeCase(c: StressCase): string {
  const parts = [`seed ${c.seed}`, c.source];
  if (c.traffic) parts.push(`${(c.targetBytes! / 1e6).toFixed(1)} MB ${JSON.stringify(c.traffic)}`);
  if (c.mutations.length > 0) parts.push(c.mutations.map(describeMutation).join('; '));
  return `${parts.join(', ')} (${c.ext})`;
}

/** Limits for building cases. */
export interface CaseOptions {
  /** Largest generated capture, bytes (default 30 MB). */
  maxGeneratedBytes?: number;
  /** Folder for the generator's files. */
  workDir: string;
  /** Force the kind of case (default: drawn from the seed). */
  kind?: 'generated' | 'generated-mutated' | 'mutated';
  /** Force every traffic behaviour on (generated cases). */
  allBehaviours?: boolean;
}

function between(rng: Prng, lo: number, hi: number): number {
  return lo + rng.next() * (hi - lo);
}

/** Traffic for a generated case: a normal or a busy profile, each behaviour on or off. */
export function drawTraffic(rng: Prng, maxBytes: number, all = false): { traffic: TrafficOptions; targetBytes: number } {
  const busy = rng.next() < 0.15;
  const traffic: TrafficOptions = busy
    ? { eventsPerSecond: rng.int(20_000, 200_000), meanResponseSegments: Math.round(between(rng, 0.3, 1.5) * 100) / 100 }
    : { eventsPerSecond: [1000, 3000, 10_000][rng.int(0, 2)]!, meanResponseSegments: [2, 5, 11][rng.int(0, 2)]! };
  const on = (): boolean => all || rng.next() < 0.6;
  const share = (lo: number, hi: number): number => Math.round(between(rng, lo, hi) * 1e4) / 1e4;
  if (on()) traffic.retransmitAfterFin = share(0.02, 0.3);
  if (on()) traffic.spanDuplicates = share(0.01, 0.5);
  if (on()) traffic.reorder = share(0.01, 0.2);
  if (on()) traffic.drop = share(0.005, 0.05);
  if (on()) traffic.replay = share(0.001, 0.02);
  // Busy: 8 to 30 MB (thousands of conversations open at once); normal: 0.3 to 6 MB, log-uniform.
  const bytes = busy ? rng.int(8e6, 30e6) : Math.round(Math.exp(between(rng, Math.log(3e5), Math.log(6e6))));
  return { traffic, targetBytes: Math.min(maxBytes, bytes) };
}

/** A generated capture (files in `workDir`) as a case, with its truth. */
export function generatedCase(seed: number, traffic: TrafficOptions, targetBytes: number, workDir: string, ext: CaptureFormat): StressCase {
  const name = `gen-${seed}`;
  const truth = generateBenchCapture({ outDir: workDir, name, seed, targetBytes, traffic });
  const bytes = readFileSync(join(workDir, `${name}.${ext}`));
  return { seed, source: 'generated', traffic, targetBytes, mutations: [], ext, bytes, truth, readable: true };
}

/** Build the case of a seed. `sources` are the captures mutated cases draw from (none: generated only). */
export function buildCase(seed: number, sources: SourceCapture[], o: CaseOptions): StressCase {
  const rng = new Prng(seed);
  const x = rng.next();
  const kind = o.kind ?? (sources.length === 0 ? (x < 0.7 ? 'generated' : 'generated-mutated') : x < 0.35 ? 'generated' : x < 0.5 ? 'generated-mutated' : 'mutated');
  let frames: FrameCapture;
  let c: StressCase;
  if (kind === 'generated' || kind === 'generated-mutated') {
    const { traffic, targetBytes } = drawTraffic(rng, o.maxGeneratedBytes ?? 30e6, o.allBehaviours);
    c = generatedCase(seed, traffic, targetBytes, o.workDir, rng.next() < 0.5 ? 'pcap' : 'pcapng');
    if (kind === 'generated') return c;
    frames = readFrames(c.bytes);
    c.truth = null;
  } else {
    const src = sources[rng.int(0, sources.length - 1)]!;
    const original = readFileSync(src.path);
    try {
      frames = readFrames(original);
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      // A source our reader rejects: only byte-level changes apply.
      const m = drawFileMutation(rng);
      return { seed, source: src.name, mutations: [m], ext: 'bin', bytes: mutate(original, (m as { mutation: Mutation }).mutation), truth: null, readable: false };
    }
    c = { seed, source: src.name, mutations: [], ext: frames.format, bytes: original, truth: null, readable: true };
  }
  const count = rng.next() < 0.5 ? rng.int(1, 3) : rng.int(4, 24);
  c.mutations = drawMutations(rng, frames.frames, count);
  const format: CaptureFormat = rng.next() < 0.7 ? frames.format : frames.format === 'pcap' ? 'pcapng' : 'pcap';
  let bytes = writeFrames(frames, format);
  c.ext = [...new Set(frames.frames.map((f) => f.linkType))].length > 1 ? 'pcapng' : format;
  if (rng.next() < 0.1) {
    const m = drawFileMutation(rng);
    c.mutations.push(m);
    bytes = mutate(bytes, (m as { mutation: Mutation }).mutation);
    c.readable = false;
  }
  if (rng.next() < 0.1) {
    bytes = gzipSync(bytes, { level: 1 });
    c.ext += '.gz';
  }
  c.bytes = bytes;
  return c;
}

/** Rebuild a case's bytes from its source and mutations (what --check needs when only the description is kept). */
export function replayMutations(original: Buffer, mutations: FrameMutation[], format?: CaptureFormat): Buffer {
  const frames = readFrames(original);
  for (const m of mutations) applyFrameMutation(frames.frames, m);
  let bytes = writeFrames(frames, format ?? frames.format);
  for (const m of mutations) if (m.op === 'file') bytes = mutate(bytes, m.mutation);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// The checks

/** What the child analysis reports back. */
interface ChildResult {
  ok: boolean;
  packets?: number;
  summary?: { tcpConversations: number; udpExchanges: number; findings: number; byRule: Record<string, number> };
  anomalies?: Record<string, number>;
  warningCodes?: string[];
  internalErrors?: unknown[];
  name?: string;
  code?: string;
  offset?: number;
  message?: string;
  stack?: string;
  maxRssKiB: number;
}

/**
 * The child: analyses one file with the built library and prints what the checks need, with
 * its own peak RSS. On Linux that is VmHWM of /proc/self/status, the high-water mark of this
 * process's memory since its exec: process.resourceUsage().maxRSS is not, because Linux carries
 * ru_maxrss across fork and exec, so a child reports at least its parent's RSS at the fork
 * (measured: 290 MiB reported for a 39 MiB child of a 300 MiB parent).
 */
const CHILD_SOURCE = `
import { readFileSync } from 'node:fs';
const [file, index] = process.argv.slice(1);
function peakRssKiB() {
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
}
const { analyzeFile } = await import(index);
let out;
try {
  const r = await analyzeFile(file);
  out = { ok: true, packets: r.capture.packets, summary: r.summary, anomalies: r.capture.anomalies, warningCodes: r.capture.warnings.map((w) => w.code),
    internalErrors: [...(r.capture.warnings ?? []), ...(r.capture.anomalyDetails ?? [])].filter((w) => w && (w.code === 'internal_error' || w.name === 'internal_error')).slice(0, 5) };
} catch (e) {
  out = { ok: false, name: e?.name, code: e?.code, offset: e?.offset, message: String(e?.message ?? e), stack: e?.stack };
}
out.maxRssKiB = peakRssKiB();
process.stdout.write(JSON.stringify(out));
`;

interface Spawned {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function run(args: string[], timeoutMs: number): Promise<Spawned> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (errBytes < 64 * 1024) err.push(d);
      errBytes += d.length;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut });
    });
  });
}

/** What the checks of one input need to know about it. */
export interface CheckOptions {
  truth: GroundTruth | null;
  /** The library must read it (it came whole out of our writer). */
  readable: boolean;
  /** Also run the CLI on it. */
  cli: boolean;
  /** Peak RSS bound (default MEMORY_BOUND_MIB). */
  memoryBoundMiB?: number;
}

/** The outcome of the checks of one input. */
export interface CheckResult {
  /** Broken invariants, one line each (empty: the input passed). */
  failures: string[];
  /** True when the library threw or reported an internal fault (what minimisation looks for). */
  crashed: boolean;
  maxRssMiB: number;
  /** Wall-clock seconds of the analysis child. */
  seconds: number;
  packets: number;
  findings: number;
  /** The CaptureError code when the input was not a readable capture. */
  captureError?: string;
}

/** Generous bound on one analysis (a hang shows as exceeding it): 60 s plus 2 s per MB. */
function timeoutFor(bytes: number): number {
  return 60_000 + (2_000 * bytes) / 1e6;
}

/** Run every check on one capture file. */
export async function checkCapture(file: string, sizeBytes: number, o: CheckOptions): Promise<CheckResult> {
  const failures: string[] = [];
  const timeout = timeoutFor(sizeBytes);
  const t0 = performance.now();
  const child = await run(['--input-type=module', '-e', CHILD_SOURCE, file, pathToFileURL(DIST_INDEX).href], timeout);
  const result: CheckResult = { failures, crashed: false, maxRssMiB: 0, seconds: (performance.now() - t0) / 1000, packets: 0, findings: 0 };
  let r: ChildResult | null = null;
  try {
    r = JSON.parse(child.stdout) as ChildResult;
  } catch {
    // Reported below.
  }
  if (r === null) {
    result.crashed = true;
    failures.push(child.timedOut ? `analysis: no result within ${Math.round(timeout / 1000)} s` : `analysis process ended with ${child.signal ?? `status ${child.status}`} and no report: ${firstLines(child.stderr)}`);
    return result;
  }
  result.maxRssMiB = r.maxRssKiB / 1024;
  const bound = o.memoryBoundMiB ?? MEMORY_BOUND_MIB;
  if (result.maxRssMiB > bound) failures.push(`peak RSS ${result.maxRssMiB.toFixed(0)} MiB over the bound of ${bound} MiB`);
  if (!r.ok) {
    const isCaptureError = r.name === 'CaptureError' && Number.isFinite(r.offset);
    if (!isCaptureError) {
      result.crashed = true;
      failures.push(`analysis threw ${r.name}: ${r.message}${r.stack ? ` [${stackTop(r.stack)}]` : ''}`);
    } else if (o.readable) {
      failures.push(`a capture made whole by the writer was rejected: ${r.message} (${r.code} at offset ${r.offset})`);
    }
    result.captureError = r.code;
  } else {
    result.packets = r.packets!;
    result.findings = r.summary!.findings;
    const internal = r.anomalies?.internal_error ?? 0;
    if (internal > 0) {
      result.crashed = true;
      failures.push(`internal_error ×${internal}${r.internalErrors && r.internalErrors.length > 0 ? `: ${JSON.stringify(r.internalErrors).slice(0, 400)}` : ''}`);
    }
    if (o.truth) for (const d of checkAgainstTruth({ capture: { packets: r.packets! }, summary: r.summary! }, o.truth)) failures.push(`truth: ${d}`);
  }
  if (o.cli) failures.push(...(await checkCli(file, timeout, r)));
  return result;
}

/**
 * Whether the library read the input as a capture: a report with frames in it, or without a
 * problem in the file's structure (a header and half a record is not a readable capture, and
 * the CLI rightly says so with exit 2).
 */
function libraryRead(r: ChildResult): boolean {
  return r.ok && (r.packets! > 0 || (r.warningCodes ?? []).every((w) => w === 'unsupported_link_type'));
}

/** The CLI on the same file: exit 2 only for input the library could not read, one line, and the same counts. */
async function checkCli(file: string, timeout: number, lib: ChildResult): Promise<string[]> {
  const failures: string[] = [];
  const c = await run([CLI, 'analyze', file, '--format', 'json'], timeout);
  if (c.timedOut) return [`cli: no result within ${Math.round(timeout / 1000)} s`];
  if (c.status === null || c.status > 2) failures.push(`cli: ended with ${c.signal ?? `status ${c.status}`}: ${firstLines(c.stderr)}`);
  if (c.status === 2 && libraryRead(lib)) failures.push(`cli: exit 2 on a capture the library read: ${firstLines(c.stderr)}`);
  if (/\n\s+at .+:\d+:\d+\)?/.test(c.stderr)) failures.push(`cli: stack trace on stderr: ${firstLines(c.stderr)}`);
  if ((c.status === 0 || c.status === 1) && lib.ok) {
    try {
      const report = JSON.parse(c.stdout) as { summary: ChildResult['summary'] };
      if (JSON.stringify(report.summary) !== JSON.stringify(lib.summary)) failures.push(`cli: summary ${JSON.stringify(report.summary)} differs from the library's ${JSON.stringify(lib.summary)}`);
    } catch (e) {
      failures.push(`cli: output is not JSON (${(e as Error).message})`);
    }
  }
  return failures;
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 3).join(' | ').slice(0, 400);
}

/** The first frame of a stack inside the project, for a one-line report. */
function stackTop(stack: string): string {
  const frames = stack.split('\n').filter((l) => l.trim().startsWith('at '));
  const ours = frames.find((l) => l.includes('/dist/') || l.includes('/src/')) ?? frames[0] ?? '';
  return ours.trim().replace(/^at /, '').replace(`file://${ROOT}/`, '').replace(`${ROOT}/`, '');
}

/** A failure line with its numbers blanked, to group failures of the same kind. */
export function failureSignature(line: string): string {
  return line
    .replace(/\[.*\]$/, '')
    .replace(/\{.*\}/g, '{…}')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 160);
}

// ---------------------------------------------------------------------------------------------
// Failures: written out with what reproduces them, and minimised when they are crashes.

/** Write a failing input and its description; returns the path of the capture. */
export function saveFailure(c: StressCase, failures: string[], dir = FAILURES_DIR): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `seed-${c.seed}`);
  const path = `${base}.${c.ext}`;
  writeFileSync(path, c.bytes);
  const record = { seed: c.seed, source: c.source, traffic: c.traffic, targetBytes: c.targetBytes, mutations: c.mutations, description: describeCase(c), readable: c.readable, failures, truth: c.truth };
  writeFileSync(`${base}.json`, JSON.stringify(record, null, 2) + '\n');
  return path;
}

/** What `--check FILE` reads beside a saved failure. */
export function savedCaseFor(path: string): { truth: GroundTruth | null; readable: boolean } | null {
  const json = path.replace(/\.(pcapng|pcap|bin)(\.gz)?$/, '.json');
  if (json === path || !existsSync(json)) return null;
  const r = JSON.parse(readFileSync(json, 'utf8')) as { truth: GroundTruth | null; readable: boolean };
  return { truth: r.truth ?? null, readable: r.readable ?? false };
}

/** How an in-process analysis of frames went: the thrown error's first line, internal_error, or fine. */
async function crashSignature(c: FrameCapture, format: CaptureFormat, options: AnalyzeOptions): Promise<string | null> {
  try {
    const report = await analyzeCapture(Readable.from([writeFrames(c, format)]), options);
    return (report.capture.anomalies.internal_error ?? 0) > 0 ? 'internal_error' : null;
  } catch (e) {
    if (e instanceof CaptureError) return null;
    return failureSignature(`${(e as Error).name}: ${(e as Error).message}`.split('\n')[0]!);
  }
}

/**
 * The smallest list of frames that still crashes the same way (ddmin: remove chunks of halves,
 * quarters, … down to single frames while the crash stays), analysed in-process with
 * `options`. Returns null when the capture does not crash in-process.
 */
export async function minimizeCrash(bytes: Buffer, options: AnalyzeOptions = {}, deadlineMs = 120_000): Promise<{ bytes: Buffer; frames: number; signature: string } | null> {
  let capture: FrameCapture;
  try {
    capture = readFrames(bytes);
  } catch {
    return null;
  }
  const format = capture.format;
  const signature = await crashSignature(capture, format, options);
  if (signature === null) return null;
  const stop = performance.now() + deadlineMs;
  let frames = capture.frames;
  let chunks = 2;
  while (frames.length > 1 && performance.now() < stop) {
    const size = Math.ceil(frames.length / chunks);
    let removed = false;
    for (let start = 0; start < frames.length && performance.now() < stop; start += size) {
      const candidate = [...frames.slice(0, start), ...frames.slice(start + size)];
      if (candidate.length > 0 && (await crashSignature({ format, frames: candidate }, format, options)) === signature) {
        frames = candidate;
        removed = true;
        chunks = Math.max(chunks - 1, 2);
        break;
      }
    }
    if (!removed) {
      if (size === 1) break;
      chunks = Math.min(frames.length, chunks * 2);
    }
  }
  return { bytes: writeFrames({ format, frames }, format), frames: frames.length, signature };
}
