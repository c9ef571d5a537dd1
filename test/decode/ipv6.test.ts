import { describe, expect, it } from 'vitest';
import { MAX_IPV6_EXTENSION_HEADERS } from '../../src/decode/index.js';
import { frame } from '../../dev/packet-builder.js';
import { addresses, decode } from './support.js';

const SRC = '2001:db8:0:1::10';
const DST = 'fe80::1:2';

/** Fragment header body: offset (8-byte units) and M flag, then the identification. */
function fragmentBody(offsetUnits: number, more: boolean, id = 0x12345678): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE((offsetUnits << 3) | (more ? 1 : 0), 0);
  b.writeUInt32BE(id, 2);
  return b;
}

describe('IPv6', () => {
  it('fills version, addresses (words 0..7), hop limit and protocol', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv6({ src: SRC, dst: DST, hopLimit: 3 }).udp({ sport: 546, dport: 547, payload: 'x' }).build());
    expect(anomalies).toEqual({});
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.ipOffset).toBe(14);
    expect(Array.from(pkt.addr)).toEqual([0x20010db8, 0x00000001, 0, 0x10, 0xfe800000, 0, 0, 0x00010002]);
    expect(addresses(pkt)).toEqual([SRC, DST]);
    expect(pkt.ttl).toBe(3);
    expect(pkt.protocol).toBe(17);
    expect(pkt.l4).toBe(17);
    expect([pkt.payloadOffset, pkt.payloadLength]).toEqual([14 + 40 + 8, 1]);
  });

  it('walks hop-by-hop, routing, destination options and AH to the transport header', () => {
    const extensions = [{ type: 0 }, { type: 43, body: Buffer.alloc(22) }, { type: 60 }, { type: 51, body: Buffer.alloc(14) }];
    const { pkt, anomalies } = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions }).tcp({ sport: 33000, dport: 22, payload: 'ssh' }).build());
    expect(anomalies).toEqual({});
    expect(pkt.protocol).toBe(6);
    expect(pkt.l4).toBe(6);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([33000, 22]);
    expect(pkt.payloadOffset).toBe(14 + 40 + 8 + 24 + 8 + 16 + 20);
    expect(pkt.payloadLength).toBe(3);
  });

  it('decodes the transport header of a first fragment', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions: [{ type: 44, body: fragmentBody(0, true) }] }).udp({ sport: 4433, dport: 40000, length: 2000, payload: 100 }).build());
    expect(anomalies).toEqual({});
    expect(pkt.isFragment).toBe(true);
    expect(pkt.isNonFirstFragment).toBe(false);
    expect(pkt.l4).toBe(17);
    expect(pkt.srcPort).toBe(4433);
    expect(pkt.payloadLength).toBe(100);
  });

  it('never decodes a non-first fragment, and keeps its protocol', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions: [{ type: 0 }, { type: 44, body: fragmentBody(181, false) }] }).udp({ sport: 53, dport: 40000, payload: 100 }).build());
    expect(anomalies).toEqual({});
    expect(pkt.isFragment).toBe(true);
    expect(pkt.isNonFirstFragment).toBe(true);
    expect(pkt.protocol).toBe(17);
    expect(pkt.l4).toBe(0);
    expect(pkt.srcPort).toBe(-1);
    expect([pkt.payloadOffset, pkt.payloadLength]).toEqual([14 + 40 + 16, 108]);
  });

  it('does not call an atomic fragment (offset 0, no M flag) a fragment', () => {
    const { pkt } = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions: [{ type: 44, body: fragmentBody(0, false) }] }).tcp({ sport: 1, dport: 2 }).build());
    expect(pkt.isFragment).toBe(false);
    expect(pkt.l4).toBe(6);
  });

  it('stops at No Next Header (59) with protocol 59 and no transport', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions: [{ type: 60 }] }).build());
    expect(anomalies).toEqual({});
    expect(pkt.protocol).toBe(59);
    expect(pkt.l4).toBe(0);
  });

  it(`walks ${MAX_IPV6_EXTENSION_HEADERS} extension headers but counts one more as ipv6_ext_chain_too_long`, () => {
    expect(MAX_IPV6_EXTENSION_HEADERS).toBe(8);
    const chain = (n: number) => Array.from({ length: n }, () => ({ type: 60 }));
    const ok = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions: chain(8) }).tcp({ sport: 1, dport: 2 }).build());
    expect(ok.anomalies).toEqual({});
    expect(ok.pkt.l4).toBe(6);
    const long = decode(frame().eth().ipv6({ src: SRC, dst: DST, extensions: chain(9) }).tcp({ sport: 1, dport: 2 }).build());
    expect(long.anomalies).toEqual({ ipv6_ext_chain_too_long: 1 });
    expect(long.pkt.ipVersion).toBe(6);
    expect(long.pkt.protocol).toBe(-1);
    expect(long.pkt.l4).toBe(0);
  });

  it('counts an extension header running past the payload as truncated_ipv6_ext_header', () => {
    const data = frame().eth().ipv6({ src: SRC, dst: DST, extensions: [{ type: 0 }, { type: 43, body: Buffer.alloc(22) }] }).tcp({ sport: 1, dport: 2 }).build();
    for (const cut of [14 + 40 + 1, 14 + 40 + 8 + 1, 14 + 40 + 8 + 23]) {
      const { pkt, anomalies } = decode(data.subarray(0, cut));
      expect(anomalies).toEqual({ truncated_ipv6_ext_header: 1 });
      expect(pkt.ipVersion).toBe(6);
      expect(pkt.protocol).toBe(-1);
      expect(pkt.l4).toBe(0);
    }
  });

  it('bounds the payload by the payload length (trailing bytes ignored)', () => {
    const data = frame().eth().ipv6({ src: SRC, dst: DST }).udp({ sport: 1, dport: 2, payload: 'abc' }).build();
    const { pkt, anomalies } = decode(Buffer.concat([data, Buffer.alloc(4)]));
    expect(anomalies).toEqual({});
    expect(pkt.payloadLength).toBe(3);
  });

  it('counts a header shorter than 40 bytes as truncated_ip_header', () => {
    const data = frame().eth().ipv6({ src: SRC, dst: DST }).tcp({ sport: 1, dport: 2 }).build();
    for (let cut = 14; cut < 54; cut++) {
      const { pkt, anomalies } = decode(data.subarray(0, cut));
      expect(anomalies).toEqual({ truncated_ip_header: 1 });
      expect(pkt.ipVersion).toBe(0);
    }
  });
});
