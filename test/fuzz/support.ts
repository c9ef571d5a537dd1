/**
 * Shared by the fuzz tests and `npm run fuzz`: seed captures, the generators that break them,
 * and the oracle that says what must hold for any input bytes (no uncaught exception, a report
 * or a CaptureError with a finite offset, time proportional to size, valid output in every
 * format).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { analyzeCapture } from '../../src/analyze.js';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import { CaptureError } from '../../src/capture/types.js';
import { decodeDns } from '../../src/decode/dns.js';
import { decodeEthernet } from '../../src/decode/ethernet.js';
import { decodeIcmpv4, decodeIcmpv6 } from '../../src/decode/icmp.js';
import { decodeFrame, isSupportedLinkType } from '../../src/decode/index.js';
import { decodeIpv4 } from '../../src/decode/ipv4.js';
import { decodeIpv6 } from '../../src/decode/ipv6.js';
import { decodeLoop, decodeNull } from '../../src/decode/null.js';
import { AnomalyCounter, createPacket, resetPacket, type Packet } from '../../src/decode/packet.js';
import { decodePpp } from '../../src/decode/ppp.js';
import { decodeRawIp } from '../../src/decode/raw-ip.js';
import { decodeSll } from '../../src/decode/sll.js';
import { decodeSll2 } from '../../src/decode/sll2.js';
import { decodeTcp } from '../../src/decode/tcp.js';
import { decodeUdp } from '../../src/decode/udp.js';
import { REPORTER_NAMES, formatReport } from '../../src/report/index.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { dnsMessage, frame } from '../../dev/packet-builder.js';
import { PcapngWriter, writePcap } from '../../dev/pcap-writer.js';
import { Scenario, mergeScenarios } from '../helpers/scenario.js';

/** Seed of the fuzz properties in `npm test` (override with FUZZ_SEED to replay another run). */
export const FUZZ_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 0x77e1;

/**
 * The hang detector's bound for one input: generous, proportional to its size. It catches hangs
 * and blow-ups, not slowness: the constant leaves room for a loaded machine (two cores shared by a
 * whole suite, where a 60 ms analysis of a tiny input was once measured with its GC threads).
 */
export function timeBoundMs(bytes: number): number {
  return 250 + 0.004 * bytes;
}

/**
 * Added to the bound per stream chunk: each chunk costs an async iteration, and for gzip a round
 * trip to libuv's thread pool (measured 10 to 100 µs), whatever its size. Inputs cut into 1-byte
 * chunks pay it per byte; real streams come in 64 KiB chunks.
 */
export const CHUNK_ALLOWANCE_MS = 0.2;

// ---------------------------------------------------------------------------------------------
// Seed captures: small, valid, and covering both formats, both byte orders and every block type.

function conversations(): Buffer {
  const refused = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101);
  const healthy = new Scenario('10.0.0.1:40001', '10.0.0.3:443')
    .tcp('c', 0.1, ['SYN'], 1000)
    .tcp('s', 0.11, ['SYN', 'ACK'], 5000, 1001)
    .tcp('c', 0.12, ['ACK'], 1001, 5001)
    .tcp('c', 0.13, ['PSH', 'ACK'], 1001, 5001, { payload: 20 })
    .tcp('s', 0.14, ['FIN', 'ACK'], 5001, 1021)
    .tcp('c', 0.15, ['FIN', 'ACK'], 1021, 5002);
  const dns = new Scenario('10.0.0.1:5300', '10.0.0.53:53')
    .udp('c', 0.2, dnsMessage({ id: 7, name: 'missing.example' }))
    .udp('s', 0.21, dnsMessage({ id: 7, name: 'missing.example', response: true, rcode: 3 }));
  const unreachable = new Scenario('10.0.0.1:5301', '10.0.0.9:9999').udp('c', 0.3, 8).icmpError(0.31, '10.0.0.9', 3, 3, 'c', 'udp');
  const timeout = new Scenario('[2001:db8::1]:40002', '[2001:db8::2]:22').tcp('c', 0.4, ['SYN'], 1).tcp('c', 1.4, ['SYN'], 1);
  return writePcap(mergeScenarios(refused, healthy, dns, unreachable, timeout));
}

function bigEndianNanoSll(): Buffer {
  const records = [
    { time: [1_700_000_000, 1] as [number, number], data: frame().sll().ipv4({ src: '10.1.0.1', dst: '10.1.0.2' }).tcp({ sport: 1234, dport: 25, flags: ['SYN'] }).build() },
    { time: [1_700_000_000, 5000] as [number, number], data: frame().sll().ipv4({ src: '10.1.0.2', dst: '10.1.0.1' }).icmp({ type: 3, code: 13, quote: frame().ipv4({ src: '10.1.0.1', dst: '10.1.0.2' }).tcp({ sport: 1234, dport: 25, flags: ['SYN'] }).buildIp() }).build() },
  ];
  return writePcap(records, { bigEndian: true, nanosecond: true, linkType: 113 });
}

function pcapngAllBlocks(bigEndian: boolean): Buffer {
  const syn = frame().eth({ vlans: [5] }).ipv4({ src: '192.0.2.1', dst: '192.0.2.2' }).tcp({ sport: 50000, dport: 443, flags: ['SYN'] }).build();
  const rst = frame().eth({ vlans: [5] }).ipv4({ src: '192.0.2.2', dst: '192.0.2.1' }).tcp({ sport: 443, dport: 50000, flags: ['RST', 'ACK'], ack: 1 }).build();
  const v6 = frame().ipv6({ src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ type: 0 }, { type: 60 }] }).udp({ sport: 53, dport: 3000, payload: dnsMessage({ id: 1, name: 'a.example', response: true, rcode: 2, answers: 1 }) }).buildIp();
  return new PcapngWriter()
    .section({ bigEndian })
    .iface({ linkType: 1, tsresol: 9, name: 'eth0' })
    .iface({ linkType: 101, tsresol: 0x86, tsoffset: 10 })
    .epb({ time: 1_700_000_000.5, data: syn })
    .block(4, Buffer.alloc(8)) // name resolution block
    .epb({ time: 1_700_000_000.6, data: rst })
    .spb(syn)
    .block(0xbad, Buffer.from('custom block'))
    .obsoletePb({ time: 1_700_000_001, data: v6, interfaceId: 1 })
    .section({ bigEndian: !bigEndian, sectionLength: 64n })
    .iface({ linkType: 1 })
    .epb({ time: 1_700_000_002, data: syn })
    .toBuffer();
}

/** A seed capture to mutate. */
export interface SeedCapture {
  name: string;
  bytes: Buffer;
}

let seedCache: SeedCapture[] | null = null;

/** The seed captures: built ones plus the project's kernel fixtures (read, never copied). */
export function seedCaptures(): SeedCapture[] {
  if (seedCache) return seedCache;
  const seeds: SeedCapture[] = [
    { name: 'conversations.pcap', bytes: conversations() },
    { name: 'be-nano-sll.pcap', bytes: bigEndianNanoSll() },
    { name: 'blocks-le.pcapng', bytes: pcapngAllBlocks(false) },
    { name: 'blocks-be.pcapng', bytes: pcapngAllBlocks(true) },
  ];
  const dir = fileURLToPath(new URL('../../fixtures/kernel/', import.meta.url));
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort();
  } catch {
    // No fixtures folder: the built seeds are enough.
  }
  for (const f of files) seeds.push({ name: `kernel/${f}`, bytes: readFileSync(dir + f) });
  seedCache = seeds;
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Structure of a valid seed: where its blocks and length fields are.

/** A length field of a seed capture: where it is and its byte order. */
interface LengthField {
  offset: number;
  le: boolean;
}

/** The block boundaries of a pcapng file (each [start, end)); empty for classic pcap. */
export function pcapngBlocks(buf: Buffer): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  if (buf.length < 12 || buf.readUInt32LE(0) !== 0x0a0d0d0a) return blocks;
  let le = true;
  let pos = 0;
  while (pos + 12 <= buf.length) {
    if (buf.readUInt32LE(pos) === 0x0a0d0d0a) le = buf.readUInt32LE(pos + 8) === 0x1a2b3c4d;
    const total = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
    if (total < 12 || pos + total > buf.length) break;
    blocks.push([pos, pos + total]);
    pos += total;
  }
  return blocks;
}

/** Every length field of a valid seed: pcap captured/original lengths; pcapng block, packet and section lengths. */
function lengthFields(buf: Buffer): LengthField[] {
  const fields: LengthField[] = [];
  const blocks = pcapngBlocks(buf);
  if (blocks.length > 0) {
    let le = true;
    for (const [start, end] of blocks) {
      const type = buf.readUInt32LE(start);
      if (type === 0x0a0d0d0a) le = buf.readUInt32LE(start + 8) === 0x1a2b3c4d;
      fields.push({ offset: start + 4, le }, { offset: end - 4, le });
      const t = le ? type : buf.readUInt32BE(start);
      if (t === 6 && end - start >= 32) fields.push({ offset: start + 20, le }, { offset: start + 24, le });
      if (t === 3 && end - start >= 16) fields.push({ offset: start + 8, le });
      if (t === 2 && end - start >= 32) fields.push({ offset: start + 20, le }, { offset: start + 24, le });
      if (t === 0x0a0d0d0a && end - start >= 28) fields.push({ offset: start + 16, le }, { offset: start + 20, le });
    }
    return fields;
  }
  if (buf.length < 24) return fields;
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4 || buf.readUInt32LE(0) === 0xa1b23c4d;
  fields.push({ offset: 16, le }); // snaplen
  let pos = 24;
  while (pos + 16 <= buf.length) {
    const caplen = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
    fields.push({ offset: pos + 8, le }, { offset: pos + 12, le });
    pos += 16 + caplen;
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/** The extreme values a length field is set to. */
export const EXTREME_LENGTHS = [0, 1, 12, 16, 28, 0xfffffff0, 0x7fffffff, 0xffffffff, 16 * 1024 * 1024, 16 * 1024 * 1024 + 1] as const;

/** One change to a capture's bytes. Positions are taken modulo the length at that point. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'length'; field: number; value: number }
  | { kind: 'duplicate-block'; block: number }
  | { kind: 'swap-blocks'; a: number; b: number }
  | { kind: 'drop-block'; block: number }
  | { kind: 'section-length'; value: bigint };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      field: fc.nat(),
      value: fc.oneof(fc.constantFrom(...EXTREME_LENGTHS), fc.integer({ min: 0, max: 4096 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-block' as const), block: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap-blocks' as const), a: fc.nat(), b: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-block' as const), block: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('section-length' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }) },
);

/** Apply one mutation (returns a new buffer; `buf` is not changed). */
export function mutate(buf: Buffer, m: Mutation): Buffer {
  const out = Buffer.from(buf);
  const len = out.length;
  switch (m.kind) {
    case 'flip':
      if (len > 0) out[m.at % len]! ^= 1 << m.bit;
      return out;
    case 'set':
      if (len > 0) out[m.at % len] = m.value;
      return out;
    case 'truncate':
      return out.subarray(0, m.at % (len + 1));
    case 'insert': {
      const at = m.at % (len + 1);
      return Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)]);
    }
    case 'length': {
      const fields = lengthFields(out);
      if (fields.length === 0) return out;
      const f = fields[m.field % fields.length]!;
      if (f.offset + 4 > len) return out;
      if (f.le) out.writeUInt32LE(m.value >>> 0, f.offset);
      else out.writeUInt32BE(m.value >>> 0, f.offset);
      return out;
    }
    case 'section-length': {
      const shbs = pcapngBlocks(out).filter(([s]) => out.readUInt32LE(s) === 0x0a0d0d0a);
      for (const [s, e] of shbs) {
        if (e - s < 28) continue;
        if (out.readUInt32LE(s + 8) === 0x1a2b3c4d) out.writeBigInt64LE(m.value, s + 16);
        else out.writeBigInt64BE(m.value, s + 16);
      }
      return out;
    }
    default: {
      const blocks = pcapngBlocks(out);
      if (blocks.length === 0) return out;
      const parts = blocks.map(([s, e]) => out.subarray(s, e));
      const tail = out.subarray(blocks[blocks.length - 1]![1]);
      if (m.kind === 'duplicate-block') {
        const i = m.block % parts.length;
        parts.splice(i, 0, parts[i]!);
      } else if (m.kind === 'swap-blocks') {
        const a = m.a % parts.length;
        const b = m.b % parts.length;
        [parts[a], parts[b]] = [parts[b]!, parts[a]!];
      } else if (parts.length > 1) {
        parts.splice(m.block % parts.length, 1);
      }
      return Buffer.concat([...parts, tail]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generated inputs: a case is a plain value; `materialize` turns it into bytes the same way each
// time, so a failing case can be written out.

const MAGICS = [
  [0xd4, 0xc3, 0xb2, 0xa1], // pcap, little-endian, µs
  [0xa1, 0xb2, 0xc3, 0xd4], // pcap, big-endian, µs
  [0x4d, 0x3c, 0xb2, 0xa1], // pcap, ns
  [0x34, 0xcd, 0xb2, 0xa1], // pcap, modified (24-byte records)
  [0x0a, 0x0d, 0x0d, 0x0a], // pcapng
  [0x1f, 0x8b], // gzip
  [],
];

/** A generated capture input. */
export type CaptureCase =
  | { kind: 'bytes'; magic: number; bytes: Uint8Array }
  | { kind: 'mutant'; seed: number; mutations: Mutation[]; gzip: 'none' | 'whole' | 'cut'; cut: number };

/** Arbitrary bytes, usually behind a real magic number so they get past format detection. */
export const bytesCaseArb: fc.Arbitrary<CaptureCase> = fc.record({
  kind: fc.constant('bytes' as const),
  magic: fc.nat({ max: MAGICS.length - 1 }),
  bytes: fc.uint8Array({ maxLength: 600 }),
});

/** A seed capture with a few mutations, sometimes gzipped (whole or cut short). */
export const mutantCaseArb: fc.Arbitrary<CaptureCase> = fc.record({
  kind: fc.constant('mutant' as const),
  // Half the picks go to the built seeds (both pcapng ones among them), half to any seed.
  seed: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.nat()),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
  gzip: fc.constantFrom('none' as const, 'none' as const, 'none' as const, 'none' as const, 'whole' as const, 'cut' as const),
  cut: fc.nat(),
});

/** Either kind of capture input. */
export const captureCaseArb: fc.Arbitrary<CaptureCase> = fc.oneof({ weight: 1, arbitrary: bytesCaseArb }, { weight: 3, arbitrary: mutantCaseArb });

/** The bytes of a capture case. */
export function materialize(c: CaptureCase): Buffer {
  if (c.kind === 'bytes') {
    const magic = MAGICS[c.magic % MAGICS.length]!;
    const body = Buffer.from(c.bytes);
    if (magic.length === 4 && magic[0] === 0x0a) {
      // pcapng: a plausible SHB start (length, byte-order magic) so the body reaches the blocks.
      const shb = Buffer.alloc(28);
      shb.writeUInt32LE(0x0a0d0d0a, 0);
      shb.writeUInt32LE(28, 4);
      shb.writeUInt32LE(0x1a2b3c4d, 8);
      shb.writeUInt16LE(1, 12);
      shb.writeBigInt64LE(-1n, 16);
      shb.writeUInt32LE(28, 24);
      return Buffer.concat([shb, body]);
    }
    if (magic.length === 4) {
      // pcap: magic then version 2.4 so records are reached; the rest of the header is random.
      const head = Buffer.from([...magic, 0, 0, 0, 0]);
      const be = magic[0] === 0xa1;
      if (be) head.writeUInt16BE(2, 4);
      else head.writeUInt16LE(2, 4);
      return Buffer.concat([head, body]);
    }
    return Buffer.concat([Buffer.from(magic), body]);
  }
  const seeds = seedCaptures();
  let bytes = seeds[c.seed % seeds.length]!.bytes;
  for (const m of c.mutations) bytes = mutate(bytes, m);
  if (c.gzip === 'none') return bytes;
  const z = gzipSync(bytes);
  return c.gzip === 'whole' ? z : z.subarray(0, c.cut % (z.length + 1));
}

/** A generated frame for one decoder: bytes and the layer window the decoder is handed. */
export interface DecoderCase {
  decoder: number;
  bytes: Uint8Array;
  offset: number;
  length: number;
  wireExtra: number;
}

type DecoderFn = (buf: Buffer, pkt: Packet, anomalies: AnomalyCounter) => unknown;

/** Every decoder, called directly with an arbitrary layer window. */
export const DECODERS: ReadonlyArray<[string, DecoderFn]> = [
  ['ethernet', decodeEthernet],
  ['sll', decodeSll],
  ['sll2', decodeSll2],
  ['null', decodeNull],
  ['loop', decodeLoop],
  ['ppp', decodePpp],
  ['raw-ip', decodeRawIp],
  ['ipv4', decodeIpv4],
  ['ipv6', decodeIpv6],
  ['tcp', decodeTcp],
  ['udp', decodeUdp],
  ['icmpv4', decodeIcmpv4],
  ['icmpv6', decodeIcmpv6],
  ['dns', decodeDns],
];

/** Decoder cases: random bytes, random window inside them. */
export const decoderCaseArb: fc.Arbitrary<DecoderCase> = fc.record({
  decoder: fc.nat({ max: DECODERS.length - 1 }),
  bytes: fc.uint8Array({ maxLength: 400 }),
  offset: fc.nat(),
  length: fc.nat(),
  wireExtra: fc.nat({ max: 70000 }),
});

/** Link types the pipeline decodes (for whole-frame cases). */
export const SUPPORTED_LINK_TYPES = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276].filter(isSupportedLinkType);

// ---------------------------------------------------------------------------------------------
// The oracle.

/** A property violation (as opposed to a CaptureError, which is an accepted outcome). */
export class FuzzViolation extends Error {
  override name = 'FuzzViolation';
}

function violated(message: string): never {
  throw new FuzzViolation(message);
}

// C0 controls except \n, DEL and C1 controls.
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const SGR = /\u001b\[[0-9;]*m/g;

/** Check one formatted output of a report. */
export function checkFormatted(name: string, out: string, color: boolean): void {
  if (typeof out !== 'string') violated(`${name}: reporter returned ${typeof out}`);
  if (name === 'json') {
    try {
      JSON.parse(out);
    } catch (e) {
      violated(`json: output does not parse (${(e as Error).message})`);
    }
  } else if (name === 'jsonl' || name === 'ecs') {
    for (const line of out.split('\n')) {
      if (line === '') continue;
      try {
        JSON.parse(line);
      } catch (e) {
        violated(`${name}: a line does not parse (${(e as Error).message})`);
      }
    }
  } else if (name === 'text') {
    const plain = color ? out.replace(SGR, '') : out;
    if (!color && out.includes('\u001b')) violated('text: ESC in output with colour off');
    const m = TERMINAL_CONTROL.exec(plain);
    if (m) violated(`text: control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m.index}`);
  }
}

/** Format the report with every reporter, with and without colour/Unicode, and check each. */
export async function checkReport(report: AnalysisReport): Promise<void> {
  if (typeof report.capture.packets !== 'number' || !Number.isFinite(report.capture.bytes)) violated('report without packet/byte counts');
  for (const name of REPORTER_NAMES) {
    for (const [color, unicode, verbose] of [[false, true, true], [false, false, false], [true, true, true]] as const) {
      const out = await formatReport(name, report, { color, unicode, verbose });
      checkFormatted(name, out, color);
      if (name !== 'text') break; // machine formats ignore terminal options
    }
  }
}

/** What an input led to. */
export type Outcome =
  | { outcome: 'report'; packets: number; warnings: string[]; findings: number }
  | { outcome: 'capture-error'; code: string; offset: number };

function fromError(e: unknown): Outcome {
  if (!(e instanceof CaptureError)) {
    const err = e as Error;
    violated(`uncaught ${err?.name ?? typeof e}: ${err?.message ?? String(e)}${err?.stack ? `\n${err.stack}` : ''}`);
  }
  if (!Number.isFinite(e.offset) || e.offset < 0) violated(`CaptureError "${e.message}" with offset ${e.offset}`);
  if (typeof e.code !== 'string' || e.code === '') violated('CaptureError without a code');
  return { outcome: 'capture-error', code: e.code, offset: e.offset };
}

function chunksOf(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/**
 * Run the timed part `run` and enforce the hang bound. Over the bound counts only when both the
 * wall-clock time and this process's CPU time exceed it (a busy machine stretches the first, not
 * the second), twice in a row (a hang repeats; a cold start or a GC pause does not).
 */
export async function withinBound<T>(label: string, boundMs: () => number, run: () => Promise<T> | T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await run();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const bound = boundMs();
    if (ms <= bound || cpuMs <= bound) return r;
    if (attempt === 1) violated(`${label}: took ${ms.toFixed(1)} ms (CPU ${cpuMs.toFixed(1)} ms), bound ${bound.toFixed(1)} ms`);
  }
}

/**
 * The whole pipeline on `bytes` as a stream cut into `chunkSize` pieces: a report (every
 * format valid) or a CaptureError with a finite offset, within the time bound.
 */
export async function checkPipeline(bytes: Buffer, chunkSize = 0): Promise<Outcome> {
  let consumed = bytes.length;
  const chunks = bytes.length === 0 ? [] : chunkSize > 0 ? chunksOf(bytes, chunkSize) : [bytes];
  const bound = () => timeBoundMs(Math.max(bytes.length, consumed)) + CHUNK_ALLOWANCE_MS * chunks.length;
  const outcome = await withinBound('pipeline', bound, async (): Promise<Outcome> => {
    try {
      const report = await analyzeCapture(Readable.from(chunks), { name: 'fuzz.pcap' });
      consumed = report.capture.bytes;
      await checkReport(report);
      return { outcome: 'report', packets: report.capture.packets, warnings: report.capture.warnings.map((w) => w.code), findings: report.summary.findings };
    } catch (e) {
      if (e instanceof FuzzViolation) throw e;
      return fromError(e);
    }
  });
  return outcome;
}

/**
 * The reader alone, in memory: the same result whole and cut into 1- and 7-byte chunks, frames
 * inside the input, and a CaptureError offset inside the input.
 */
export async function checkReader(bytes: Buffer): Promise<Outcome> {
  const run = (chunk: number): Outcome => {
    try {
      let last = -1;
      const r = readCaptureBuffer(bytes, (f) => {
        if (f.offset < 0 || f.offset >= bytes.length) violated(`frame ${f.number} at offset ${f.offset} outside the input`);
        if (f.data.length > bytes.length) violated(`frame ${f.number} longer than the input`);
        if (f.number <= last) violated(`frame numbers not increasing (${last} then ${f.number})`);
        last = f.number;
      }, chunk);
      return { outcome: 'report', packets: r.packets, warnings: r.warnings.map((w) => w.code), findings: 0 };
    } catch (e) {
      if (e instanceof FuzzViolation) throw e;
      const o = fromError(e);
      if (o.outcome === 'capture-error' && o.offset > bytes.length) violated(`CaptureError offset ${o.offset} beyond the input (${bytes.length} bytes)`);
      return o;
    }
  };
  const whole = await withinBound('reader', () => timeBoundMs(bytes.length), () => run(bytes.length || 1));
  for (const chunk of [1, 7]) {
    if (bytes.length > 4096 && chunk === 1) continue;
    const cut = run(chunk);
    if (JSON.stringify(cut) !== JSON.stringify(whole)) violated(`reader: ${chunk}-byte chunks gave ${JSON.stringify(cut)}, whole input ${JSON.stringify(whole)}`);
  }
  return whole;
}

/** One decoder on an arbitrary window: never throws, leaves the payload window inside the frame. */
export async function checkDecoder(c: DecoderCase): Promise<void> {
  const [name, decode] = DECODERS[c.decoder % DECODERS.length]!;
  const buf = Buffer.from(c.bytes);
  const pkt = createPacket();
  resetPacket(pkt);
  pkt.buf = buf;
  pkt.frame = 1;
  pkt.payloadOffset = buf.length === 0 ? 0 : c.offset % (buf.length + 1);
  pkt.payloadLength = c.length % (buf.length - pkt.payloadOffset + 1);
  pkt.wirePayloadLength = pkt.payloadLength + c.wireExtra;
  const anomalies = new AnomalyCounter();
  await withinBound(`decoder ${name}`, () => timeBoundMs(buf.length), () => {
    try {
      decode(buf, pkt, anomalies);
    } catch (e) {
      violated(`decoder ${name} threw: ${(e as Error)?.stack ?? String(e)}`);
    }
  });
  if (pkt.payloadOffset < 0 || pkt.payloadLength < 0 || pkt.payloadOffset + pkt.payloadLength > Math.max(buf.length, pkt.payloadOffset)) {
    violated(`decoder ${name}: payload window [${pkt.payloadOffset}, +${pkt.payloadLength}) outside ${buf.length} bytes`);
  }
}

/** A whole frame through decodeFrame for one link type: never throws. */
export function checkFrame(linkType: number, bytes: Buffer): void {
  const pkt = createPacket();
  try {
    decodeFrame({ number: 1, tsSec: 1_700_000_000, tsNsec: 0, linkType, interfaceId: 0, originalLength: bytes.length, data: bytes, offset: 0 }, pkt, new AnomalyCounter());
  } catch (e) {
    violated(`decodeFrame (link type ${linkType}) threw: ${(e as Error)?.stack ?? String(e)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Regression fixtures: every input that ever failed, with the outcome it must have now.

/** Folder of regression fixtures: `<hash>.bin` (the input) and `<hash>.json` (a RegressionCase). */
export const REGRESSIONS_DIR = fileURLToPath(new URL('./regressions/', import.meta.url));

/** What a regression input is fed to, and what must come out. */
export interface RegressionCase {
  /** pipeline: analyzeCapture on a stream; reader: the in-memory reader; decoder: one decoder on a window; frame: decodeFrame. */
  target: 'pipeline' | 'reader' | 'decoder' | 'frame';
  /** pipeline: chunk size of the stream (0: one chunk). */
  chunk?: number;
  /** decoder: name in DECODERS and the window it was handed. */
  decoder?: string;
  offset?: number;
  length?: number;
  wireExtra?: number;
  /** frame: link type. */
  linkType?: number;
  /** The outcome required; "no-crash" means only the oracle's invariants. */
  expected: { outcome: 'report' | 'capture-error' | 'no-crash'; code?: string; packets?: number; warnings?: string[] };
  /** What went wrong when the input was found. */
  failure: string;
}

/** Content hash naming a regression input. */
export function regressionName(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** Write a regression input and its case (idempotent: the name is the content hash). Returns the .bin path. */
export function saveRegression(bytes: Uint8Array, c: RegressionCase, dir = REGRESSIONS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const name = regressionName(bytes);
  writeFileSync(join(dir, `${name}.bin`), bytes);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(c, null, 2)}\n`);
  return join(dir, `${name}.bin`);
}

/** Run one regression case through its target and the oracle; returns the outcome for pipeline/reader. */
export async function replayRegression(bytes: Buffer, c: RegressionCase): Promise<Outcome | null> {
  switch (c.target) {
    case 'pipeline':
      return checkPipeline(bytes, c.chunk ?? 0);
    case 'reader':
      return checkReader(bytes);
    case 'decoder': {
      const index = DECODERS.findIndex(([name]) => name === c.decoder);
      if (index < 0) throw new Error(`unknown decoder ${c.decoder}`);
      await checkDecoder({ decoder: index, bytes, offset: c.offset ?? 0, length: c.length ?? bytes.length, wireExtra: c.wireExtra ?? 0 });
      return null;
    }
    case 'frame':
      checkFrame(c.linkType ?? 1, bytes);
      return null;
  }
}
