import { readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { detectFormat, readCapture, readCaptureBuffer } from '../../src/capture/reader.js';
import { CaptureError, type Frame } from '../../src/capture/types.js';
import { frame } from '../../dev/packet-builder.js';
import { PcapngWriter, writePcap, writePcapng, type WriterRecord } from '../../dev/pcap-writer.js';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(input: string | Readable): NodeJS.EventEmitter };

/** What we compare between readers: everything a frame carries. */
interface Rec {
  number: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  interfaceId: number;
  originalLength: number;
  hex: string;
}

function collect(data: Buffer, chunk?: number): { recs: Rec[]; result: ReturnType<typeof readCaptureBuffer> } {
  const recs: Rec[] = [];
  const result = readCaptureBuffer(
    data,
    (f: Frame) => recs.push({ number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId, originalLength: f.originalLength, hex: f.data.toString('hex') }),
    chunk,
  );
  return { recs, result };
}

const tcp = (i: number): Buffer => frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 40000 + i, dport: 80, seq: i, flags: ['SYN'], payload: i % 50 }).build();
const records: WriterRecord[] = Array.from({ length: 40 }, (_, i) => ({ time: [1_700_000_000 + i, i * 12_345_678 + 7] as [number, number], data: tcp(i), originalLength: tcp(i).length + (i % 3) }));

/** Every variant the reader must handle, each with the frames it must yield. */
const variants: Array<{ name: string; bytes: Buffer; precision: number; format: 'pcap' | 'pcapng' }> = [
  { name: 'pcap little-endian µs', bytes: writePcap(records), precision: 6, format: 'pcap' },
  { name: 'pcap big-endian µs', bytes: writePcap(records, { bigEndian: true }), precision: 6, format: 'pcap' },
  { name: 'pcap little-endian ns', bytes: writePcap(records, { nanosecond: true }), precision: 9, format: 'pcap' },
  { name: 'pcap big-endian ns', bytes: writePcap(records, { nanosecond: true, bigEndian: true }), precision: 9, format: 'pcap' },
  { name: 'pcapng little-endian', bytes: writePcapng(records), precision: 6, format: 'pcapng' },
  { name: 'pcapng big-endian ns', bytes: writePcapng(records, { linkType: 1, tsresol: 9 }, true), precision: 9, format: 'pcapng' },
];

describe('capture reader', () => {
  for (const v of variants) {
    it(`${v.name}: same frames as one buffer and cut into 1- and 7-byte chunks`, () => {
      const whole = collect(v.bytes);
      expect(whole.recs).toHaveLength(40);
      expect(whole.result.info.format).toBe(v.format);
      expect(whole.result.info.precision).toBe(v.precision);
      expect(whole.result.warnings).toEqual([]);
      expect(whole.result.bytes).toBe(v.bytes.length);
      expect(collect(v.bytes, 1).recs).toEqual(whole.recs);
      expect(collect(v.bytes, 7).recs).toEqual(whole.recs);
      // The frames are the ones written: numbers, lengths and timestamps at the file's precision.
      whole.recs.forEach((r, i) => {
        expect(r.number).toBe(i + 1);
        expect(r.hex).toBe(Buffer.from(records[i]!.data).toString('hex'));
        expect(r.originalLength).toBe(records[i]!.originalLength);
        const [sec, nsec] = records[i]!.time as [number, number];
        expect(r.tsSec).toBe(sec);
        expect(r.tsNsec).toBe(v.precision === 9 ? nsec : Math.floor(nsec / 1000) * 1000);
      });
    });
  }

  it('masks the FCS bits of the pcap link type', () => {
    const { recs, result } = collect(writePcap(records.slice(0, 1), { linkTypeFlags: 0x14000000 }));
    expect(result.info.linkTypes).toEqual([1]);
    expect(recs[0]!.linkType).toBe(1);
  });

  it('pcapng: several sections with their own byte order and interfaces with other link types', () => {
    const w = new PcapngWriter()
      .section()
      .iface({ linkType: 1 })
      .iface({ linkType: 101, tsresol: 9 })
      .epb({ time: [100, 1000], data: tcp(1) })
      .epb({ time: [101, 123456789], data: tcp(2).subarray(14), interfaceId: 1 })
      .section({ bigEndian: true })
      .iface({ linkType: 113, tsresol: 0x80 | 20, tsoffset: 1_000_000 })
      .epb({ time: [1_000_200, 500_000_000], data: tcp(3) });
    const { recs, result } = collect(w.toBuffer(), 7);
    expect(recs.map((r) => [r.number, r.linkType, r.interfaceId])).toEqual([
      [1, 1, 0],
      [2, 101, 1],
      [3, 113, 0],
    ]);
    expect(recs[1]!.tsNsec).toBe(123456789);
    expect(recs[2]!.tsSec).toBe(1_000_200);
    // 2^-20 s resolution: within one unit (about 954 ns) of the written time.
    expect(Math.abs(recs[2]!.tsNsec - 500_000_000)).toBeLessThan(954);
    expect(result.info.linkTypes).toEqual([1, 101, 113]);
    expect(result.info.precision).toBe(9);
  });

  it('pcapng: simple and obsolete packet blocks; skips statistics, name resolution, secrets and unknown blocks', () => {
    const w = new PcapngWriter().section().iface({ linkType: 1, snaplen: 60 });
    w.block(4, Buffer.alloc(8)); // NRB
    w.spb(tcp(5));
    w.block(5, Buffer.alloc(12)); // ISB
    w.block(10, Buffer.alloc(16)); // DSB
    w.block(0x7fff1234, Buffer.alloc(20)); // unknown
    w.obsoletePb({ time: [5, 0], data: tcp(6) });
    const { recs, result } = collect(w.toBuffer(), 1);
    expect(recs).toHaveLength(2);
    expect(recs[0]!.hex).toBe(tcp(5).subarray(0, 60).toString('hex')); // SPB: cut at the snaplen
    expect(recs[0]!.originalLength).toBe(tcp(5).length);
    expect(recs[1]!.tsSec).toBe(5);
    expect(result.warnings).toEqual([]);
  });

  it('pcapng: custom blocks take a frame number, as in Wireshark', () => {
    const w = new PcapngWriter().section().iface({ linkType: 1 });
    w.block(0x00000bad, Buffer.alloc(8));
    w.epb({ time: 1, data: tcp(1) });
    const { recs } = collect(w.toBuffer());
    expect(recs.map((r) => r.number)).toEqual([2]);
  });

  it('a truncated last record gives a warning and every complete frame', () => {
    const bytes = writePcap(records.slice(0, 5));
    for (const cut of [bytes.length - 1, bytes.length - 30, bytes.length - records[4]!.data.length - 10]) {
      const { recs, result } = collect(bytes.subarray(0, cut), 7);
      expect(recs).toHaveLength(4);
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]!.code).toBe('truncated_record');
      expect(result.warnings[0]!.offset).toBe(bytes.length - 16 - records[4]!.data.length);
    }
  });

  it('a record claiming 4 GB stops reading with a warning instead of allocating', () => {
    const bytes = writePcap(records.slice(0, 3));
    const second = 24 + 16 + records[0]!.data.length;
    bytes.writeUInt32LE(0xfffffff0, second + 8);
    const { recs, result } = collect(bytes);
    expect(recs).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ code: 'bad_record_length', offset: second, frame: 2 });
  });

  it.each([
    ['empty', Buffer.alloc(0), 'empty file'],
    ['not a capture', Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'), 'not a capture'],
    ['truncated pcap header', writePcap([]).subarray(0, 23), 'ends inside its header'],
    ['pcap version 1', (() => { const b = writePcap([]); b.writeUInt16LE(1, 4); return b; })(), 'unsupported pcap version'],
    ['pcapng with a bad byte-order magic', (() => { const b = writePcapng([]); b.writeUInt32LE(0x12345678, 8); return b; })(), 'byte-order magic'],
  ])('%s: one CaptureError with a byte offset', (_name, bytes, message) => {
    let err: unknown;
    try {
      collect(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).message).toContain(message);
    expect(Number.isInteger((err as CaptureError).offset)).toBe(true);
  });

  it('detects formats from content, never from the name', () => {
    expect(detectFormat(writePcap([]))).toBe('pcap');
    expect(detectFormat(writePcap([], { bigEndian: true, nanosecond: true }))).toBe('pcap');
    expect(detectFormat(writePcapng([]))).toBe('pcapng');
    expect(detectFormat(gzipSync(writePcap([])))).toBe('gzip');
    expect(detectFormat(Buffer.from('hello'))).toBeNull();
  });

  it('reads gzip files and streams (standard input) with the same result', async () => {
    const plain = writePcapng(records);
    const dir = mkdtempSync(join(tmpdir(), 'ww-reader-'));
    const misnamed = join(dir, 'capture.txt');
    writeFileSync(misnamed, gzipSync(plain));
    const seen: number[] = [];
    const r1 = await readCapture(misnamed, (f) => seen.push(f.number));
    expect(r1.compression).toBe('gzip');
    expect(r1.packets).toBe(40);
    expect(r1.bytes).toBe(plain.length);
    const chunks = [...gzipSync(plain)].reduce<Buffer[]>((acc, _b, i, arr) => (i % 5 === 0 ? [...acc, Buffer.from(arr.slice(i, i + 5))] : acc), []);
    const r2 = await readCapture(Readable.from(chunks), () => undefined);
    expect(r2.packets).toBe(40);
    const r3 = await readCapture(Readable.from([plain.subarray(0, 3), plain.subarray(3)]), () => undefined);
    expect(r3).toMatchObject({ packets: 40, compression: null });
  });

  it('gzip that ends early keeps what was decompressed, with a warning', async () => {
    const gz = gzipSync(writePcap(records));
    const r = await readCapture(Readable.from([gz.subarray(0, Math.floor(gz.length * 0.6))]), () => undefined);
    expect(r.packets).toBeGreaterThan(0);
    expect(r.packets).toBeLessThan(40);
    expect(r.warnings.map((w) => w.code)).toContain('gzip_error');
  });
});

/** Every classic microsecond pcap among the fixtures, compared with pcap-parser as an oracle. */
function fixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(join(import.meta.dirname, '../../fixtures'));
  return out.filter((f) => {
    const head = readFileSync(f).subarray(0, 4);
    return head.length === 4 && (head.readUInt32LE(0) === 0xa1b2c3d4 || head.readUInt32BE(0) === 0xa1b2c3d4);
  });
}

describe('pcap-parser as an oracle on classic µs pcap fixtures', () => {
  const files = fixtureFiles();
  it('has fixtures to compare', () => {
    expect(files.length).toBeGreaterThan(5);
  });
  for (const file of files) {
    it(file.split('fixtures/')[1]!, async () => {
      const theirs: Array<{ sec: number; usec: number; caplen: number; origlen: number; hex: string }> = [];
      await new Promise<void>((resolve, reject) => {
        const p = pcapParser.parse(file);
        p.on('packet', (pk: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) =>
          theirs.push({ sec: pk.header.timestampSeconds, usec: pk.header.timestampMicroseconds, caplen: pk.header.capturedLength, origlen: pk.header.originalLength, hex: pk.data.toString('hex') }),
        );
        p.on('end', resolve);
        p.on('error', reject);
      });
      const ours: typeof theirs = [];
      await readCapture(file, (f) => ours.push({ sec: f.tsSec, usec: f.tsNsec / 1000, caplen: f.data.length, origlen: f.originalLength, hex: f.data.toString('hex') }));
      expect(ours).toEqual(theirs);
    });
  }
});

describe('records that straddle read chunks', () => {
  it('a record longer than the bridge between chunks is gathered whole', () => {
    const big = Buffer.alloc(200 * 1024, 0x5a);
    const recs: WriterRecord[] = [
      { time: 1, data: tcp(1) },
      { time: 2, data: big },
      { time: 3, data: tcp(3) },
    ];
    const bytes = writePcap(recs);
    const whole = collect(bytes).recs;
    expect(whole.map((r) => r.hex.length / 2)).toEqual([tcp(1).length, big.length, tcp(3).length]);
    for (const chunk of [100 * 1024, 150 * 1024, 64 * 1024 + 3, 1024 * 1024]) expect(collect(bytes, chunk).recs).toEqual(whole);
  });
});

describe('afterFrames: the views a consumer kept are intact until it is called', () => {
  it('holds for pcap and pcapng, any chunk size, records straddling chunks and longer than the bridge', async () => {
    const { CaptureStreamParser } = await import('../../src/capture/reader.js');
    // Record sizes from tiny to 200 KB (past the 64 KiB bridge), each filled with its own byte.
    const sizes = [60, 1514, 3, 9000, 70_000, 200_000, 64, 65_536, 1, 1514, 131_072, 800];
    const records: WriterRecord[] = sizes.map((n, i) => ({ time: 1_700_000_000 + i, data: Buffer.alloc(n, (i * 37 + 11) & 0xff) }));
    for (const file of [writePcap(records), writePcapng(records)]) {
      for (const chunkSize of [7, 1000, 4096, 65_536, 100_000, 1 << 20]) {
        const kept: Array<{ view: Buffer; copy: Buffer }> = [];
        let broken = 0;
        let checks = 0;
        const parser = new CaptureStreamParser(
          (f: Frame) => kept.push({ view: f.data, copy: Buffer.from(f.data) }),
          undefined,
          () => {
            checks++;
            for (const k of kept) if (!k.view.equals(k.copy)) broken++;
            kept.length = 0;
          },
        );
        // One chunk buffer, reused and scribbled over after each push, as the file reader does.
        const chunk = Buffer.alloc(chunkSize);
        for (let at = 0; at < file.length; at += chunkSize) {
          const n = Math.min(chunkSize, file.length - at);
          file.copy(chunk, 0, at, at + n);
          parser.push(chunk.subarray(0, n));
          chunk.fill(0xee);
        }
        parser.finish();
        expect(parser.frames, `chunk ${chunkSize}`).toBe(sizes.length);
        expect(kept, `chunk ${chunkSize}: every frame was followed by a call`).toHaveLength(0);
        expect(broken, `chunk ${chunkSize}`).toBe(0);
        expect(checks).toBeGreaterThan(0);
      }
    }
  });
});
