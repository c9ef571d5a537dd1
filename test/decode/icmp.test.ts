import { describe, expect, it } from 'vitest';
import { formatAddress, TCP_SYN, type QuotedPacket } from '../../src/decode/packet.js';
import { frame } from '../../dev/packet-builder.js';
import { decode } from './support.js';

const CLIENT = '10.0.0.5';
const SERVER = '203.0.113.9';
const ROUTER = '10.0.0.1';
const CLIENT6 = '2001:db8:1::5';
const SERVER6 = '2001:db8:2::9';
const ROUTER6 = '2001:db8:1::1';

/** Quoted fields as plain values, addresses as text. */
function quoteSummary(q: QuotedPacket | null) {
  if (q === null) return null;
  return {
    ipVersion: q.ipVersion,
    src: q.ipVersion ? formatAddress(q.ipVersion, q.addr, 0) : null,
    dst: q.ipVersion ? formatAddress(q.ipVersion, q.addr, 4) : null,
    protocol: q.protocol,
    srcPort: q.srcPort,
    dstPort: q.dstPort,
    tcpSeq: q.tcpSeq,
    tcpFlags: q.tcpFlags,
  };
}

const udpProbe = () => frame().ipv4({ src: CLIENT, dst: SERVER, ttl: 1 }).udp({ sport: 33434, dport: 53, payload: 32 }).buildIp();
const tcpSyn = () => frame().ipv4({ src: CLIENT, dst: SERVER }).tcp({ sport: 51000, dport: 443, seq: 0xdeadbeef, flags: ['SYN'], options: { mss: 1460 } }).buildIp();
const udpProbe6 = () => frame().ipv6({ src: CLIENT6, dst: SERVER6 }).udp({ sport: 40000, dport: 33435, payload: 20 }).buildIp();
const tcpSyn6 = (extensions?: Array<{ type: number; body?: Buffer }>) =>
  frame().ipv6({ src: CLIENT6, dst: SERVER6, extensions }).tcp({ sport: 51000, dport: 443, seq: 7, flags: ['SYN'] }).buildIp();

const icmpError = (type: number, code: number, quote: Buffer) => frame().eth().ipv4({ src: ROUTER, dst: CLIENT }).icmp({ type, code, quote }).build();
const icmp6Error = (type: number, code: number, quote: Buffer) => frame().eth().ipv6({ src: ROUTER6, dst: CLIENT6 }).icmpv6({ type, code, quote }).build();

describe('ICMP (IPv4)', () => {
  it('echo request/reply: type and code only', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: CLIENT, dst: SERVER }).icmp({ type: 8, code: 0, rest: 0x00010001, payload: Buffer.alloc(56) }).build());
    expect(anomalies).toEqual({});
    expect(pkt.l4).toBe(1);
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([8, 0]);
    expect(pkt.quoted).toBeNull();
    expect([pkt.srcPort, pkt.dstPort]).toEqual([-1, -1]);
    expect([pkt.payloadOffset, pkt.payloadLength]).toEqual([42, 56]);
  });

  it('port unreachable quoting UDP (RFC 792 minimum: IP header + 8 bytes)', () => {
    const { pkt, anomalies } = decode(icmpError(3, 3, udpProbe().subarray(0, 28)));
    expect(anomalies).toEqual({});
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([3, 3]);
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 4, src: CLIENT, dst: SERVER, protocol: 17, srcPort: 33434, dstPort: 53, tcpSeq: -1, tcpFlags: -1 });
    expect(Array.from(pkt.quoted!.addr)).toEqual([0, 0, 0, 0x0a000005, 0, 0, 0, 0xcb007109]);
  });

  it('host unreachable quoting TCP: 8 bytes give ports and seq, not flags', () => {
    const { pkt } = decode(icmpError(3, 1, tcpSyn().subarray(0, 28)));
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 4, src: CLIENT, dst: SERVER, protocol: 6, srcPort: 51000, dstPort: 443, tcpSeq: 0xdeadbeef, tcpFlags: -1 });
  });

  it('time exceeded quoting the whole TCP SYN gives the flags too', () => {
    const { pkt } = decode(icmpError(11, 0, tcpSyn()));
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 4, src: CLIENT, dst: SERVER, protocol: 6, srcPort: 51000, dstPort: 443, tcpSeq: 0xdeadbeef, tcpFlags: TCP_SYN });
  });

  it('fills what a short quote holds and marks the rest -1', () => {
    const cases: Array<[number, Partial<ReturnType<typeof quoteSummary>>]> = [
      [20, { srcPort: -1, dstPort: -1, tcpSeq: -1, tcpFlags: -1 }],
      [23, { srcPort: -1, dstPort: -1, tcpSeq: -1, tcpFlags: -1 }],
      [24, { srcPort: 51000, dstPort: 443, tcpSeq: -1, tcpFlags: -1 }],
      [33, { srcPort: 51000, dstPort: 443, tcpSeq: 0xdeadbeef, tcpFlags: -1 }],
      [34, { srcPort: 51000, dstPort: 443, tcpSeq: 0xdeadbeef, tcpFlags: TCP_SYN }],
    ];
    for (const [len, expected] of cases) {
      const { pkt, anomalies } = decode(icmpError(3, 13, tcpSyn().subarray(0, len)));
      expect(anomalies).toEqual({});
      expect(quoteSummary(pkt.quoted)).toMatchObject({ ipVersion: 4, protocol: 6, ...expected });
    }
  });

  it('counts a quote shorter than an IP header as truncated_icmp_quote', () => {
    for (const len of [0, 1, 19]) {
      const { pkt, anomalies } = decode(icmpError(3, 3, udpProbe().subarray(0, len)));
      expect(anomalies).toEqual({ truncated_icmp_quote: 1 });
      expect(pkt.l4).toBe(1);
      expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 0, src: null, dst: null, protocol: -1, srcPort: -1, dstPort: -1, tcpSeq: -1, tcpFlags: -1 });
    }
  });

  it('counts a quote that is not an IP header as bad_icmp_quote', () => {
    const { pkt, anomalies } = decode(icmpError(3, 3, Buffer.alloc(28, 0x11)));
    expect(anomalies).toEqual({ bad_icmp_quote: 1 });
    expect(pkt.quoted!.ipVersion).toBe(0);
  });

  it('does not read transport fields from a quoted non-first fragment', () => {
    const fragment = frame().ipv4({ src: CLIENT, dst: SERVER, fragOffset: 100 }).udp({ sport: 1, dport: 2, payload: 8 }).buildIp();
    const { pkt } = decode(icmpError(11, 1, fragment));
    expect(quoteSummary(pkt.quoted)).toMatchObject({ ipVersion: 4, protocol: 17, srcPort: -1, dstPort: -1 });
  });

  it('records a quoted ICMP error by protocol only (no error of an error)', () => {
    const inner = frame().ipv4({ src: SERVER, dst: CLIENT }).icmp({ type: 3, code: 3, quote: udpProbe().subarray(0, 28) }).buildIp();
    const { pkt, anomalies } = decode(icmpError(11, 0, inner));
    expect(anomalies).toEqual({});
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 4, src: SERVER, dst: CLIENT, protocol: 1, srcPort: -1, dstPort: -1, tcpSeq: -1, tcpFlags: -1 });
  });

  it('quotes for source quench, redirect and parameter problem too; not for other types', () => {
    for (const type of [4, 5, 12]) expect(decode(icmpError(type, 0, udpProbe().subarray(0, 28))).pkt.quoted?.srcPort).toBe(33434);
    for (const type of [0, 13, 14]) expect(decode(icmpError(type, 0, udpProbe().subarray(0, 28))).pkt.quoted).toBeNull();
  });

  it('counts a message shorter than 8 bytes as truncated_icmp_header', () => {
    const data = icmpError(3, 3, udpProbe().subarray(0, 28));
    for (let cut = 34; cut < 42; cut++) {
      const { pkt, anomalies } = decode(data.subarray(0, cut));
      expect(anomalies).toEqual({ truncated_icmp_header: 1 });
      expect(pkt.l4).toBe(0);
      expect(pkt.quoted).toBeNull();
    }
  });
});

describe('ICMPv6', () => {
  it('echo request: type and code only', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv6({ src: CLIENT6, dst: SERVER6 }).icmpv6({ type: 128, code: 0, payload: Buffer.alloc(8) }).build());
    expect(anomalies).toEqual({});
    expect(pkt.l4).toBe(58);
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([128, 0]);
    expect(pkt.quoted).toBeNull();
  });

  it('port unreachable quoting UDP', () => {
    const { pkt, anomalies } = decode(icmp6Error(1, 4, udpProbe6()));
    expect(anomalies).toEqual({});
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([1, 4]);
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 6, src: CLIENT6, dst: SERVER6, protocol: 17, srcPort: 40000, dstPort: 33435, tcpSeq: -1, tcpFlags: -1 });
  });

  it('packet too big quoting TCP behind extension headers', () => {
    const { pkt } = decode(icmp6Error(2, 0, tcpSyn6([{ type: 0 }, { type: 60, body: Buffer.alloc(14) }])));
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 6, src: CLIENT6, dst: SERVER6, protocol: 6, srcPort: 51000, dstPort: 443, tcpSeq: 7, tcpFlags: TCP_SYN });
  });

  it('time exceeded and parameter problem quote too', () => {
    for (const type of [3, 4]) expect(decode(icmp6Error(type, 0, udpProbe6())).pkt.quoted?.dstPort).toBe(33435);
  });

  it('a quote cut inside the extension headers keeps the addresses, protocol -1', () => {
    const quote = tcpSyn6([{ type: 0 }, { type: 60, body: Buffer.alloc(14) }]).subarray(0, 50);
    const { pkt, anomalies } = decode(icmp6Error(1, 0, quote));
    expect(anomalies).toEqual({});
    expect(quoteSummary(pkt.quoted)).toEqual({ ipVersion: 6, src: CLIENT6, dst: SERVER6, protocol: -1, srcPort: -1, dstPort: -1, tcpSeq: -1, tcpFlags: -1 });
  });

  it('counts a quote shorter than the IPv6 header as truncated_icmp_quote', () => {
    const { pkt, anomalies } = decode(icmp6Error(1, 3, udpProbe6().subarray(0, 39)));
    expect(anomalies).toEqual({ truncated_icmp_quote: 1 });
    expect(pkt.quoted!.ipVersion).toBe(0);
  });

  it('records a quoted ICMPv6 message by protocol only', () => {
    const echo = frame().ipv6({ src: CLIENT6, dst: SERVER6 }).icmpv6({ type: 128, code: 0, payload: Buffer.alloc(8) }).buildIp();
    expect(quoteSummary(decode(icmp6Error(3, 0, echo)).pkt.quoted)).toMatchObject({ protocol: 58, srcPort: -1, dstPort: -1 });
  });
});
