/**
 * Hostile structures, one scenario each: what an attacker or a broken disk would write to make
 * the reader, a decoder or the flow table loop, go quadratic or hold memory. Each must end in a
 * report (or a one-line CaptureError) within the fuzz time bound.
 */
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { CaptureStreamParser, readCapture, readCaptureBuffer } from '../../src/capture/reader.js';
import { MAX_INTERFACES_PER_SECTION, MAX_WARNINGS_PER_CODE } from '../../src/capture/pcapng.js';
import { CaptureError } from '../../src/capture/types.js';
import { MAX_IPV6_EXTENSION_HEADERS, decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { FlowTable } from '../../src/flow/table.js';
import { formatText } from '../../src/report/text.js';
import { RULES } from '../../src/rules/index.js';
import { dnsMessage, dnsName, frame } from '../../dev/packet-builder.js';
import { PcapngWriter, PcapWriter, writePcap } from '../../dev/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { checkPipeline, checkReport, pcapngBlocks, timeBoundMs, withinBound } from './support.js';

const T0 = 1_700_000_000;

/** Time `run` and assert the fuzz hang bound for `size` bytes. */
function bounded<T>(size: number, run: () => Promise<T> | T): Promise<T> {
  return withinBound('scenario', () => timeBoundMs(size), run);
}

function decodeOne(data: Buffer, linkType = 1): { pkt: ReturnType<typeof createPacket>; anomalies: Record<string, number> } {
  const pkt = createPacket();
  const counter = new AnomalyCounter();
  decodeFrame({ number: 1, tsSec: T0, tsNsec: 0, linkType, interfaceId: 0, originalLength: data.length, data, offset: 0 }, pkt, counter);
  return { pkt, anomalies: counter.toRecord() };
}

describe('IPv6 extension header chains', () => {
  const chain = (n: number) => Array.from({ length: n }, (_, i) => ({ type: i % 2 === 0 ? 60 : 0 }));

  it('a chain of 1000 headers stops at the walk limit with an anomaly', () => {
    const data = frame().eth().ipv6({ src: '2001:db8::1', dst: '2001:db8::2', extensions: chain(1000) }).tcp({ sport: 1, dport: 2, flags: ['SYN'] }).build();
    const { pkt, anomalies } = decodeOne(data);
    expect(anomalies).toEqual({ ipv6_ext_chain_too_long: 1 });
    expect(pkt.l4).toBe(0);
    expect(MAX_IPV6_EXTENSION_HEADERS).toBeLessThan(1000);
  });

  it('an ICMPv6 error quoting such a chain yields no ports, and 2000 of them stay linear', async () => {
    const quote = frame().ipv6({ src: '2001:db8::1', dst: '2001:db8::2', extensions: chain(700) }).udp({ sport: 5000, dport: 53 }).buildIp();
    const data = frame().eth().ipv6({ src: '2001:db8::9', dst: '2001:db8::1' }).icmpv6({ type: 1, code: 4, quote }).build();
    const { pkt } = decodeOne(data);
    expect(pkt.quoted?.srcPort).toBe(-1);
    const pcap = writePcap(Array.from({ length: 2000 }, (_, i) => ({ time: T0 + i / 1000, data })));
    const outcome = await bounded(pcap.length, () => checkPipeline(pcap));
    // The ICMPv6 errors belong to no conversation: one icmp-unreachable finding says so.
    expect(outcome).toMatchObject({ outcome: 'report', packets: 2000, findings: 1 });
  });
});

describe('DNS compression pointers', () => {
  /** A response whose question name is `name` (raw wire bytes) at offset 12. */
  function dnsWith(name: Buffer): Buffer {
    const h = dnsMessage({ id: 9, name: '', response: true, rcode: 3 }).subarray(0, 12);
    return Buffer.concat([h, name, Buffer.from([0, 1, 0, 1])]);
  }
  // Each pointer is 0b11 then the 14-bit offset from the start of the message (RFC 1035 §4.1.4).
  const selfLoop = Buffer.from([0xc0, 12]);
  const twoCycle = Buffer.from([0xc0, 14, 0xc0, 12]);
  /** 200 pointers, each to the one before it: no loop, but longer than any name may be. */
  const longChain = Buffer.concat([Buffer.from([1, 0x61, 0]), ...Array.from({ length: 200 }, (_, i) => Buffer.from([0xc0, i === 0 ? 12 : 15 + 2 * (i - 1)]))]);
  const cases: Array<[string, Buffer, string]> = [
    ['a pointer to itself', selfLoop, 'dns_compression_loop'],
    ['two pointers to each other', twoCycle, 'dns_compression_loop'],
    ['a label then a pointer back to that label', Buffer.from([1, 0x61, 0xc0, 12]), 'dns_compression_loop'],
    ['a pointer past the end of the message', Buffer.from([0xff, 0xff]), 'dns_malformed'],
    ['a reserved label type (0b01)', Buffer.from([0x41, 0x61]), 'dns_malformed'],
  ];

  for (const [name, wire, anomaly] of cases) {
    it(`${name}: anomaly ${anomaly}, no name`, () => {
      const data = frame().eth().ipv4({ src: '10.0.0.53', dst: '10.0.0.1' }).udp({ sport: 53, dport: 5000, payload: dnsWith(wire) }).build();
      const { pkt, anomalies } = decodeOne(data);
      expect(anomalies[anomaly]).toBe(1);
      expect(pkt.dns?.qname).toBeNull();
    });
  }

  it('a chain of 200 pointers ends at the step limit; 5000 such responses stay linear', async () => {
    const payload = Buffer.concat([dnsMessage({ id: 9, name: '', response: true, rcode: 3 }).subarray(0, 12), longChain]);
    // The question starts at the last pointer of the chain.
    payload.writeUInt16BE(1, 4);
    const q = Buffer.concat([payload.subarray(0, 12), longChain.subarray(longChain.length - 2), longChain, Buffer.from([0, 1, 0, 1])]);
    const data = frame().eth().ipv4({ src: '10.0.0.53', dst: '10.0.0.1' }).udp({ sport: 53, dport: 5000, payload: q }).build();
    const { anomalies } = decodeOne(data);
    expect(Object.keys(anomalies)).toEqual(['dns_malformed']);
    const pcap = writePcap(Array.from({ length: 5000 }, (_, i) => ({ time: T0 + i / 1000, data })));
    const outcome = await bounded(pcap.length, () => checkPipeline(pcap));
    expect(outcome.outcome).toBe('report');
  });
});

describe('ICMP errors quoting ICMP errors', () => {
  it('30 levels deep: only the outer quote is decoded, no finding, no crash', async () => {
    let inner = frame().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).udp({ sport: 4000, dport: 53, payload: 4 }).buildIp();
    for (let i = 0; i < 29; i++) inner = frame().ipv4({ src: `10.0.1.${i}`, dst: '10.0.0.1' }).icmp({ type: 3, code: 1, quote: inner }).buildIp();
    const outer = frame().eth().ipv4({ src: '10.0.1.99', dst: '10.0.0.1' }).icmp({ type: 11, code: 0, quote: inner }).build();
    const { pkt } = decodeOne(outer);
    expect(pkt.quoted?.protocol).toBe(1);
    const pcap = writePcap(Array.from({ length: 500 }, (_, i) => ({ time: T0 + i, data: outer })));
    expect(await bounded(pcap.length, () => checkPipeline(pcap))).toMatchObject({ outcome: 'report', packets: 500, findings: 0 });
  });
});

describe('pcapng blocks with hostile lengths', () => {
  const syn = frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 1, dport: 2, flags: ['SYN'] }).build();
  const head = () => new PcapngWriter().section().iface({ linkType: 1 }).epb({ time: T0, data: syn });
  /** A block header (type, total length) and nothing else. */
  function rawBlock(type: number, total: number): Buffer {
    const b = Buffer.alloc(12);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(total >>> 0, 4);
    b.writeUInt32LE(total >>> 0, 8);
    return b;
  }

  for (const total of [0, 0xfffffff0, 0x7fffffff, 13]) {
    it(`a block of length ${total} after a packet: the packet is kept, warning bad_block_length`, async () => {
      const bytes = Buffer.concat([head().toBuffer(), rawBlock(6, total), head().epb({ time: T0 + 1, data: syn }).toBuffer()]);
      const outcome = await bounded(bytes.length, () => checkPipeline(bytes, 5));
      expect(outcome).toMatchObject({ outcome: 'report', packets: 1 });
      if (outcome.outcome === 'report') expect(outcome.warnings).toContain('bad_block_length');
    });
  }

  it('a 12-byte packet block is skipped with a warning and reading goes on', async () => {
    const w = head();
    const bytes = Buffer.concat([w.toBuffer(), rawBlock(6, 12), new PcapngWriter().epb({ time: T0 + 1, data: syn }).toBuffer()]);
    const r = readCaptureBuffer(bytes, () => undefined);
    expect(r.packets).toBe(2);
    expect(r.warnings.map((x) => x.code)).toEqual(['bad_packet_block']);
  });

  // 12 passes the length checks, then its trailer (where the byte-order magic sits) disagrees.
  for (const [total, offset] of [[0, 4], [12, 8], [0xfffffff0, 4], [0x7fffffff, 4]] as const) {
    it(`a section header block of length ${total} is a CaptureError at byte offset ${offset}`, () => {
      const bytes = Buffer.concat([rawBlock(0x0a0d0d0a, total), Buffer.alloc(16)]);
      bytes.writeUInt32LE(0x1a2b3c4d, 8);
      try {
        readCaptureBuffer(bytes, () => undefined);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CaptureError);
        expect((e as CaptureError).code).toBe('bad_block_length');
        expect((e as CaptureError).offset).toBe(offset);
      }
    });
  }

  for (const sectionLength of [0n, 8n, 2n ** 62n, -5n]) {
    it(`a section length that lies (${sectionLength}) does not stop the blocks after it`, () => {
      const bytes = new PcapngWriter().section({ sectionLength }).iface({ linkType: 1 }).epb({ time: T0, data: syn }).epb({ time: T0 + 1, data: syn }).toBuffer();
      expect(readCaptureBuffer(bytes, () => undefined).packets).toBe(2);
    });
  }

  it('200,000 twelve-byte packet blocks: linear time and a bounded warning list', async () => {
    const one = rawBlock(6, 12);
    const bytes = Buffer.concat([new PcapngWriter().section().iface({ linkType: 1 }).toBuffer(), ...Array.from({ length: 200_000 }, () => one)]);
    const r = await bounded(bytes.length, () => readCaptureBuffer(bytes, () => undefined, 65536));
    expect(r.warnings.length).toBe(MAX_WARNINGS_PER_CODE + 1);
    expect(r.warnings.at(-1)!.message).toBe(`${200_000 - MAX_WARNINGS_PER_CODE} more bad_packet_block warnings not listed`);
  });

  it('interface blocks with 65,536 link types and more interfaces than the cap: linear, bounded', async () => {
    const n = MAX_INTERFACES_PER_SECTION + 5000;
    const idbs: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(20);
      b.writeUInt32LE(1, 0); // block_type: IDB
      b.writeUInt32LE(20, 4); // block_total_length
      b.writeUInt16LE(i & 0xffff, 8); // linktype; reserved and snaplen stay 0
      b.writeUInt32LE(20, 16); // trailing block_total_length
      idbs.push(b);
    }
    // A packet on the last interface the cap let in, then one on an interface past it.
    const epb = (id: number) => {
      const file = new PcapngWriter().section().iface({ linkType: 1 }).epb({ time: T0, data: syn }).toBuffer();
      const [start, end] = pcapngBlocks(file).at(-1)!;
      const block = Buffer.from(file.subarray(start, end));
      block.writeUInt32LE(id, 8); // interface_id
      return block;
    };
    const bytes = Buffer.concat([new PcapngWriter().section().toBuffer(), ...idbs, epb(MAX_INTERFACES_PER_SECTION - 1), epb(MAX_INTERFACES_PER_SECTION)]);
    const r = await bounded(bytes.length, () => readCaptureBuffer(bytes, () => undefined, 1 << 20));
    expect(r.info.linkTypes.length).toBe(65536);
    expect(r.packets).toBe(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['too_many_interfaces', 'unknown_interface']);
  });
});

describe('large records arriving in small chunks', () => {
  it('a 4 MiB record pushed 1 KiB at a time costs linear time', async () => {
    const data = frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 1, dport: 2, flags: ['SYN'] }).build();
    const big = Buffer.concat([data, Buffer.alloc(4 * 1024 * 1024)]);
    const bytes = writePcap([{ time: T0, data: big }, { time: T0 + 1, data }]);
    let frames = 0;
    await bounded(bytes.length, () => {
      const p = new CaptureStreamParser(() => void frames++);
      for (let i = 0; i < bytes.length; i += 1024) p.push(bytes.subarray(i, i + 1024));
      p.finish();
    });
    expect(frames).toBe(2);
  });
});

describe('gzip', () => {
  const capture = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2).tcp('c', 1, ['SYN'], 1).toPcap();
  const z = gzipSync(capture);

  it('a gzip stream that ends early: what was decompressed is reported, or a one-line error', async () => {
    for (let cut = 0; cut < z.length; cut++) {
      const outcome = await checkPipeline(z.subarray(0, cut));
      if (outcome.outcome === 'report') expect(outcome.warnings.some((w) => w === 'gzip_error' || w === 'truncated_record'), `cut ${cut}`).toBe(true);
      else expect(['bad_gzip', 'not_a_capture', 'truncated_header'], `cut ${cut}`).toContain(outcome.code);
    }
  });

  it('a gzip bomb (200 MB of zero records from 200 KB) streams in bounded memory', async () => {
    // Compress the bomb incrementally: holding 200 MB here would hide what the reader holds.
    const gz = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gz.on('data', (d: Buffer) => parts.push(d));
    const ended = new Promise((resolve) => gz.on('end', resolve));
    gz.write(new PcapWriter().header());
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 200; i++) if (!gz.write(zeros)) await new Promise((resolve) => gz.once('drain', resolve));
    gz.end();
    await ended;
    const bomb = Buffer.concat(parts);
    expect(bomb.length).toBeLessThan(1 << 20);

    const before = process.memoryUsage().rss;
    let peak = before;
    const report = await bounded(200 << 20, () =>
      analyzeCapture(Readable.from([bomb]), { name: 'bomb.pcap.gz', onProgress: () => void (peak = Math.max(peak, process.memoryUsage().rss)) }),
    );
    peak = Math.max(peak, process.memoryUsage().rss);
    // Zero-length records: 16-byte headers of zeros, each a frame too short for Ethernet.
    expect(report.capture.packets).toBe((200 << 20) / 16);
    expect(report.capture.compression).toBe('gzip');
    expect((peak - before) / (1 << 20)).toBeLessThan(50);
    await checkReport(report);
  }, 60_000);
});

describe('SYN flood with random sources (small version of scripts/synflood.ts)', () => {
  /** `count` SYNs to 10.0.0.1:80 from pseudo-random addresses and ports, 10 µs apart. */
  function synFlood(count: number): Buffer {
    const template = frame().eth().ipv4({ src: '1.0.0.1', dst: '10.0.0.1' }).tcp({ sport: 1024, dport: 80, flags: ['SYN'] }).build();
    const w = new PcapWriter();
    const records: Buffer[] = [w.header()];
    let x = 0x2545f491;
    for (let i = 0; i < count; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const data = Buffer.from(template);
      data.writeUInt32BE((x | 0x01000000) >>> 0, 14 + 12); // IPv4 source address
      data.writeUInt16BE(1024 + ((x >>> 8) % 60000), 14 + 20); // TCP source port
      // Checksums are left stale: the decoders do not verify them.
      records.push(w.encodeRecord({ time: [T0 + Math.floor(i / 100_000), (i % 100_000) * 10_000], data }));
    }
    return Buffer.concat(records);
  }

  it('200,000 SYNs with maxFlows 1000: the table never holds more, and flow_cap_reached is reported', async () => {
    const bytes = synFlood(200_000);
    const maxFlows = 1000;
    const table = new FlowTable(() => undefined, { maxFlows });
    const pkt = createPacket();
    const anomalies = new AnomalyCounter();
    let largest = 0;
    await readCapture(Readable.from([bytes]), (f) => {
      decodeFrame(f, pkt, anomalies);
      table.advance(pkt.time);
      table.tcp(pkt);
      if (table.size > largest) largest = table.size;
    });
    expect(largest).toBeLessThanOrEqual(maxFlows);
    expect(table.evicted).toBeGreaterThan(190_000);

    const report = await bounded(bytes.length, () => analyzeCapture(Readable.from([bytes]), { maxFlows, rules: [] }));
    expect(report.capture.warnings.map((w) => w.code)).toContain('flow_cap_reached');
    expect(report.summary.tcpConversations).toBe(200_000);
  });

  it('20,000 unanswered SYNs with maxFindings 500: every finding counted, 500 kept, finding_cap_reached', async () => {
    let streamed = 0;
    // Without syn-flood, which would make the flood one finding: the cap on kept findings is what is tested.
    const rules = RULES.filter((r) => r.meta.id !== 'syn-flood');
    const report = await analyzeCapture(Readable.from([synFlood(20_000)]), { maxFlows: 150_000, maxFindings: 500, onFinding: () => void streamed++, rules });
    expect(streamed).toBe(20_000);
    expect(report.findings.length).toBe(500);
    expect(report.summary.findings).toBe(20_000);
    expect(report.summary.byRule).toEqual({ 'connect-timeout': 20_000 });
    // Spoofed sources never answered: the capture is one-way, and says so.
    expect(report.capture.warnings.map((w) => w.code)).toEqual(['one_way_capture', 'finding_cap_reached']);
    await checkReport(report);
  });
});

describe('strings from the capture never reach the terminal raw', () => {
  const evilLabel = 'evil\u001b[2J\u0007name';

  it('an NXDOMAIN for a name with ESC [2J and BEL in a label: escaped as \\DDD in every format', async () => {
    expect(dnsName(`${evilLabel}.example`)[0]).toBe(evilLabel.length);
    const s = new Scenario('10.0.0.1:5300', '10.0.0.53:53')
      .udp('c', 0, dnsMessage({ id: 3, name: `${evilLabel}.example` }))
      .udp('s', 0.01, dnsMessage({ id: 3, name: `${evilLabel}.example`, response: true, rcode: 3 }));
    const report = await analyzeCapture(Readable.from([s.toPcap()]), { name: 'dns.pcap' });
    expect(report.findings.map((f) => f.rule)).toEqual(['dns-failure']);
    await checkReport(report);
    for (const unicode of [true, false]) {
      const text = formatText(report, { color: false, unicode, verbose: true });
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(text).toContain('evil\\027[2J\\007name.example');
    }
  });

  it('a file name with control characters is escaped in the text header', async () => {
    const name = 'cap\u001b]0;owned\u0007\r\n\u009b31m.pcap';
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2);
    const report = await analyzeCapture(Readable.from([s.toPcap()]), { name });
    const text = formatText(report, { color: true, unicode: true });
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('cap\\x1b]0;owned\\x07\\x0d\\x0a\\x9b31m.pcap');
  });
});
