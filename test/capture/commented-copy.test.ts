/**
 * The annotated copy at the byte level: a pcap becomes pcapng with the same frames; a pcapng is
 * copied block for block, with comments after a packet's own options; the output is the same
 * however the input arrives in chunks. tshark's view of the same copies is in test/tshark.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { copyWithComments, type FrameComments } from '../../src/capture/commented-copy.js';
import {
  BufferedFileWriter,
  MAX_COMMENT_BYTES,
  commentBytes,
  timestampHalves,
  withPacketOptions,
} from '../../src/capture/pcapng-writer.js';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import { CaptureError, type Frame } from '../../src/capture/types.js';
import { FUZZ_SEED, captureCaseArb, materialize } from '../fuzz/support.js';
import { frame } from '../../dev/packet-builder.js';
import { PcapngWriter, writePcap, type WriterRecord } from '../../dev/pcap-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'wirewhy-copy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let outputs = 0;

/** Copy `source` with `comments` and return the bytes written. */
async function copy(source: string | Readable | Buffer, comments: FrameComments = new Map()): Promise<{ bytes: Buffer; framesCommented: number; packets: number }> {
  const path = join(dir, `out-${outputs++}.pcapng`);
  const fd = openSync(path, 'w');
  const writer = new BufferedFileWriter(fd, 4096); // small, so flushes happen mid-copy
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  const result = await copyWithComments(input, writer, comments, { userApplication: 'wirewhy test' });
  closeSync(fd);
  expect(writer.failure).toBeUndefined();
  return { bytes: readFileSync(path), framesCommented: result.framesCommented, packets: result.packets };
}

/** `bytes` cut into chunks of `size`, as a stream. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

/** Each frame the reader delivers, as one line: everything a frame carries. */
function frames(bytes: Buffer): { recs: string[]; precision: number; format: string } {
  const recs: string[] = [];
  const r = readCaptureBuffer(bytes, (f: Frame) => recs.push(`${f.number} ${f.tsSec}.${f.tsNsec} link ${f.linkType} if ${f.interfaceId} len ${f.originalLength} ${f.data.toString('hex')}`));
  expect(r.warnings).toEqual([]);
  return { recs, precision: r.info.precision, format: r.info.format };
}

/** One pcapng block as found in a file. */
interface Block {
  type: number;
  bytes: Buffer;
  le: boolean;
}

/** The blocks of a pcapng file (its own walker, independent of the code under test). */
function blocks(bytes: Buffer): Block[] {
  const out: Block[] = [];
  let le = true;
  for (let p = 0; p < bytes.length; ) {
    if (bytes.readUInt32LE(p) === 0x0a0d0d0a) le = bytes.readUInt32LE(p + 8) === 0x1a2b3c4d;
    const total = le ? bytes.readUInt32LE(p + 4) : bytes.readUInt32BE(p + 4);
    const type = le ? bytes.readUInt32LE(p) : bytes.readUInt32BE(p);
    out.push({ type, bytes: bytes.subarray(p, p + total), le });
    p += total;
  }
  return out;
}

/** Options of a packet block (EPB or PB): [code, value] up to opt_endofopt. */
function packetOptions(b: Block): Array<[number, Buffer]> {
  const u16 = (o: number): number => (b.le ? b.bytes.readUInt16LE(o) : b.bytes.readUInt16BE(o));
  const caplen = b.le ? b.bytes.readUInt32LE(20) : b.bytes.readUInt32BE(20);
  const out: Array<[number, Buffer]> = [];
  for (let p = 28 + ((caplen + 3) & ~3); p + 4 <= b.bytes.length - 4; ) {
    const code = u16(p);
    const len = u16(p + 2);
    if (code === 0) break;
    out.push([code, b.bytes.subarray(p + 4, p + 4 + len)]);
    p += 4 + ((len + 3) & ~3);
  }
  return out;
}

const comments = (b: Block): string[] => packetOptions(b).filter(([c]) => c === 1).map(([, v]) => v.toString('utf8'));

const syn = (i: number): Buffer => frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 40000 + i, dport: 80, seq: i, flags: ['SYN'], payload: i % 7 }).build();
const records: WriterRecord[] = Array.from({ length: 30 }, (_, i) => ({
  time: [1_700_000_000 + i * 1000, (i * 123_456_789) % 1_000_000_000] as [number, number],
  data: syn(i),
  originalLength: syn(i).length + (i % 3),
}));
const someComments: FrameComments = new Map([
  [2, ['wirewhy [1] first']],
  [3, ['wirewhy [1] first', 'wirewhy [2] second']],
  [30, ['wirewhy [3] last']],
]);

describe('classic pcap becomes pcapng with the same frames', () => {
  for (const v of [
    { name: 'little-endian µs', bytes: writePcap(records), precision: 6 },
    { name: 'big-endian ns', bytes: writePcap(records, { bigEndian: true, nanosecond: true }), precision: 9 },
    { name: 'Linux cooked, snaplen 96', bytes: writePcap(records, { linkType: 113, snaplen: 96 }), precision: 6 },
  ]) {
    it(v.name, async () => {
      const out = await copy(v.bytes, someComments);
      const before = frames(v.bytes);
      const after = frames(out.bytes);
      expect(after.format).toBe('pcapng');
      expect(after.recs).toEqual(before.recs);
      // The timestamps keep the input's units: if_tsresol 9 for a nanosecond file.
      expect(after.precision).toBe(v.precision);
      const bs = blocks(out.bytes);
      expect(bs.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, ...records.map(() => 6)]);
      const packets = bs.slice(2);
      expect(comments(packets[1]!)).toEqual(['wirewhy [1] first']);
      expect(comments(packets[2]!)).toEqual(['wirewhy [1] first', 'wirewhy [2] second']);
      expect(comments(packets[29]!)).toEqual(['wirewhy [3] last']);
      expect(packets.filter((b) => comments(b).length > 0)).toHaveLength(3);
      expect(out.framesCommented).toBe(3);
    });
  }

  it('keeps the snaplen and link type of the file header', async () => {
    const out = await copy(writePcap(records.slice(0, 2), { linkType: 113, snaplen: 96 }));
    const idb = blocks(out.bytes)[1]!.bytes;
    expect(idb.readUInt16LE(8)).toBe(113);
    expect(idb.readUInt32LE(12)).toBe(96);
  });

  it('a pcap with no records becomes a section and its interface', async () => {
    const out = await copy(writePcap([]));
    expect(blocks(out.bytes).map((b) => b.type)).toEqual([0x0a0d0d0a, 1]);
    expect(frames(out.bytes).recs).toEqual([]);
  });

  it('a record cut short at the end is left out, as the reader leaves it out', async () => {
    const whole = writePcap(records.slice(0, 3));
    const out = await copy(whole.subarray(0, whole.length - 5));
    expect(frames(out.bytes).recs).toEqual(frames(whole).recs.slice(0, 2));
  });
});

/** A pcapng file with what a copy must keep: two sections in both byte orders, interface options, packet options, blocks that are not packets. */
function richPcapng(): Buffer {
  const w = new PcapngWriter();
  w.section({ sectionLength: 0n }); // a section length that growing blocks would make wrong
  w.iface({ linkType: 1, tsresol: 9, tsoffset: 1000, name: 'eth0' });
  w.iface({ linkType: 101, tsresol: 0x94 /* 2^-20 s */ });
  w.epb(records[0]!, [[1, Buffer.from('kept comment')], [2, Buffer.from([1, 0, 0, 0])] /* epb_flags */]);
  w.block(4, Buffer.from([1, 0, 8, 0, 10, 0, 0, 1, 104, 111, 115, 116, 0, 0, 0, 0, 0, 0, 0, 0])); // NRB: 10.0.0.1 → "host"
  w.epb({ ...records[1]!, data: records[1]!.data.subarray(14), interfaceId: 1 });
  w.block(0x0bad, Buffer.from([0, 0, 0x7e, 0xd9, 1, 2, 3, 4])); // custom block: takes a frame number
  w.spb(records[2]!.data);
  w.obsoletePb(records[3]!);
  w.section({ bigEndian: true });
  w.iface({ linkType: 1, tsresol: 6 });
  w.epb(records[4]!, [[1, Buffer.from('big-endian comment')]]);
  w.epb(records[5]!);
  w.block(5, Buffer.alloc(12)); // ISB
  return w.toBuffer();
}

describe('pcapng is copied block for block', () => {
  const input = richPcapng();
  // Frames: 1 EPB, 2 EPB (iface 1), 3 custom block, 4 SPB, 5 PB, 6 EPB (BE), 7 EPB (BE).
  const marks: FrameComments = new Map([
    [1, ['wirewhy [1] on a packet with options']],
    [2, ['wirewhy [1] on interface 1']],
    [4, ['wirewhy [2] on a simple packet block']],
    [5, ['wirewhy [2] on an obsolete packet block']],
    [6, ['wirewhy [3] in a big-endian section', 'wirewhy [4] twice']],
  ]);

  it('keeps every block, adds comments after the packet options, and says the section length is unknown', async () => {
    const out = await copy(input, marks);
    const a = blocks(input);
    const b = blocks(out.bytes);
    expect(b.map((x) => x.type)).toEqual(a.map((x) => (x.type === 3 ? 6 : x.type)));
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x.type === 0x0a0d0d0a) {
        // Section length -1 (not specified); the rest as it was.
        expect(y.bytes.subarray(16, 24)).toEqual(Buffer.alloc(8, 0xff));
        expect(Buffer.concat([y.bytes.subarray(0, 16), y.bytes.subarray(24)])).toEqual(Buffer.concat([x.bytes.subarray(0, 16), x.bytes.subarray(24)]));
      } else if (x.type === 6 || x.type === 2) {
        const added = comments(y).filter((c) => c.startsWith('wirewhy'));
        // The packet and its own options are unchanged, in front of ours.
        expect(y.bytes.subarray(8, 28)).toEqual(x.bytes.subarray(8, 28));
        expect(packetOptions(y).slice(0, packetOptions(x).length)).toEqual(packetOptions(x));
        expect(packetOptions(y).slice(packetOptions(x).length).every(([c]) => c === 1)).toBe(true);
        if (added.length === 0) expect(y.bytes).toEqual(x.bytes);
      } else if (x.type === 3) {
        // A simple packet block cannot hold options: it becomes an EPB on interface 0, time 0.
        const data = x.bytes.subarray(12, 12 + records[2]!.data.length);
        expect(y.bytes.readUInt32LE(8)).toBe(0);
        expect(y.bytes.readUInt32LE(12)).toBe(0);
        expect(y.bytes.readUInt32LE(16)).toBe(0);
        expect(y.bytes.subarray(28, 28 + data.length)).toEqual(data);
        expect(y.bytes.readUInt32LE(24)).toBe(x.bytes.readUInt32LE(8));
      } else {
        expect(y.bytes).toEqual(x.bytes);
      }
    }
    const packets = b.filter((x) => x.type === 6 || x.type === 2);
    expect(packets.map(comments)).toEqual([
      ['kept comment', 'wirewhy [1] on a packet with options'],
      ['wirewhy [1] on interface 1'],
      ['wirewhy [2] on a simple packet block'],
      ['wirewhy [2] on an obsolete packet block'],
      ['big-endian comment', 'wirewhy [3] in a big-endian section', 'wirewhy [4] twice'],
      [],
    ]);
    expect(out.framesCommented).toBe(5);
  });

  it('the reader sees the same frames in the copy; the simple packet block, which had no time, has its interface offset', async () => {
    const before = frames(input).recs;
    const after = frames((await copy(input, marks)).bytes).recs;
    // An EPB's time is its units plus if_tsoffset (1000 s on interface 0); an SPB has no time.
    expect(after).toEqual(before.map((r) => (r.startsWith('4 0.0 ') ? r.replace('4 0.0 ', '4 1000.0 ') : r)));
    expect(frames((await copy(input)).bytes).recs).toEqual(before);
  });

  it('the same bytes come out however the input is cut into chunks, and from gzip', async () => {
    const whole = (await copy(input, marks)).bytes;
    for (const size of [1, 7, 64]) expect((await copy(chunked(input, size), marks)).bytes).toEqual(whole);
    expect((await copy(gzipSync(input), marks)).bytes).toEqual(whole);
  });

  it('stops at a structural break where the reader stops, keeping the blocks before it', async () => {
    const broken = Buffer.from(input);
    const cut = blocks(input).slice(0, 4).reduce((n, b) => n + b.bytes.length, 0); // the NRB
    broken.writeUInt32LE(13, cut + 4); // a length that is not a multiple of 4
    const out = await copy(broken, marks);
    expect(blocks(out.bytes).map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 1, 6]);
  });
});

describe('any input bytes', () => {
  /** The reader's frames, or the CaptureError it stops with. */
  const read = (bytes: Buffer): Frame[] | CaptureError => {
    const list: Frame[] = [];
    try {
      readCaptureBuffer(bytes, (f) => list.push({ ...f, data: Buffer.from(f.data), bytes: undefined }));
    } catch (e) {
      if (e instanceof CaptureError) return e;
      throw e;
    }
    return list;
  };

  it('the copy holds what the reader reads, commented or not, or fails with the reader\'s CaptureError', async () => {
    await fc.assert(
      fc.asyncProperty(captureCaseArb, fc.boolean(), async (c, commentAll) => {
        if (c.kind === 'mutant' && c.gzip !== 'none') return; // the in-memory reader takes plain bytes
        const input = materialize(c);
        const before = read(input);
        const comments = new Map(Array.isArray(before) ? before.map((f) => [f.number, [`wirewhy [1] frame ${f.number}`]] as const) : []);
        let out: Buffer;
        try {
          out = (await copy(input, commentAll ? comments : new Map())).bytes;
        } catch (e) {
          // A pcap link type beyond pcapng's 16 bits is the one input the reader takes and the copy cannot.
          if (e instanceof CaptureError && (before instanceof CaptureError || e.code === 'unsupported_link_type')) return;
          throw e;
        }
        expect(before).not.toBeInstanceOf(CaptureError);
        const after = read(out) as Frame[];
        const facts = (f: Frame): unknown[] => [f.number, f.linkType, f.interfaceId, f.originalLength, f.data.toString('hex')];
        expect(after.map(facts)).toEqual((before as Frame[]).map(facts));
        (before as Frame[]).forEach((f, i) => {
          // A commented Simple Packet Block (no time, read as 0) gains its interface's time.
          if (!(commentAll && f.tsSec === 0 && f.tsNsec === 0)) expect([after[i]!.tsSec, after[i]!.tsNsec]).toEqual([f.tsSec, f.tsNsec]);
        });
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
  }, 120_000);
});

describe('adding options to a packet block', () => {
  const block = (options: Buffer, le = true): Buffer => {
    const data = Buffer.from([1, 2, 3, 4, 5]);
    const total = 28 + 8 + options.length + 4;
    const b = Buffer.alloc(total);
    const u32 = (o: number, v: number): number => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
    u32(0, 6);
    u32(4, total);
    u32(20, data.length);
    u32(24, data.length);
    data.copy(b, 28);
    options.copy(b, 36);
    u32(total - 4, total);
    return b;
  };
  const ours = [{ code: 1, value: Buffer.from('abc') }];
  const ourBytes = Buffer.from([1, 0, 3, 0, 0x61, 0x62, 0x63, 0, 0, 0, 0, 0]); // comment "abc", padding, opt_endofopt

  it('after options that lack opt_endofopt (readers must accept that)', () => {
    const flags = Buffer.from([2, 0, 4, 0, 9, 9, 9, 9]);
    const out = withPacketOptions(block(flags), true, ours);
    expect(out.subarray(36)).toEqual(Buffer.concat([flags, ourBytes, u32le(out.length)]));
    expect(out.readUInt32LE(4)).toBe(out.length);
  });

  it('in place of an option that runs past the block', () => {
    const broken = Buffer.from([1, 0, 200, 0, 0x78, 0x78, 0x78, 0x78]);
    const out = withPacketOptions(block(broken), true, ours);
    expect(out.subarray(36)).toEqual(Buffer.concat([ourBytes, u32le(out.length)]));
  });

  it('after data whose captured length claims more than the block holds, bounded as the reader bounds it', () => {
    const lying = block(Buffer.alloc(0));
    lying.writeUInt32LE(1000, 20);
    const out = withPacketOptions(lying, true, ours);
    expect(out.readUInt32LE(20)).toBe(8); // the block's 8 data bytes (5 and their padding)
    expect(out.subarray(36)).toEqual(Buffer.concat([ourBytes, u32le(out.length)]));
  });

  it('in the section byte order', () => {
    const out = withPacketOptions(block(Buffer.from([0, 0, 0, 0]), false), false, ours);
    expect(out.readUInt32BE(4)).toBe(out.length);
    expect(out.subarray(36, 44)).toEqual(Buffer.from([0, 1, 0, 3, 0x61, 0x62, 0x63, 0]));
  });
});

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

describe('pcapng writer pieces', () => {
  it('splits a timestamp in 32-bit halves exactly, in µs and ns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 999_999_999 }), fc.boolean(), (sec, ns, nano) => {
        const ups = nano ? 1_000_000_000 : 1_000_000;
        const units = nano ? ns : Math.floor(ns / 1000);
        const v = BigInt(sec) * BigInt(ups) + BigInt(units);
        expect(timestampHalves(sec, units, ups)).toEqual([Number(v >> 32n), Number(v & 0xffffffffn)]);
      }),
    );
  });

  it('a comment shows control characters as spaces and is cut at a character boundary', () => {
    expect(commentBytes('a\nb\u0000c\u007f').toString()).toBe('a b c ');
    const long = commentBytes('é'.repeat(MAX_COMMENT_BYTES));
    expect(long.length).toBeLessThanOrEqual(MAX_COMMENT_BYTES);
    expect(long.toString('utf8')).toBe('é'.repeat(long.length / 2));
  });

  it('a write error is kept, not thrown into the reader', () => {
    let fd: number;
    try {
      fd = openSync('/dev/full', 'w');
    } catch {
      fd = openSync(join(dir, 'ro'), 'w+');
      closeSync(fd);
      fd = openSync(join(dir, 'ro'), 'r');
    }
    const w = new BufferedFileWriter(fd, 16);
    expect(() => {
      w.write(Buffer.alloc(100));
      w.write(Buffer.alloc(10));
      w.flush();
    }).not.toThrow();
    closeSync(fd);
    expect(w.failure?.code).toMatch(/ENOSPC|EBADF/);
  });
});
