import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { frame } from '../../dev/packet-builder.js';

/** One MPLS label stack entry: label(20) TC(3) S(1) TTL(8) (RFC 3032 §2.1). */
function label(value: number, bottom: boolean, ttl = 64): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(((value << 12) | (bottom ? 0x100 : 0) | ttl) >>> 0);
  return b;
}

function decode(linkType: number, data: Buffer) {
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  decodeFrame({ number: 1, tsSec: 0, tsNsec: 0, linkType, interfaceId: 0, originalLength: data.length, data, offset: 0 }, pkt, anomalies);
  return { pkt, anomalies: anomalies.toRecord() };
}

const udp = frame().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).udp({ sport: 33434, dport: 33435, payload: 12 }).buildIp();

describe('MPLS', () => {
  it('PPP 0x0281 with a two-label stack carries IPv4/UDP', () => {
    const ppp = Buffer.from([0xff, 0x03, 0x02, 0x81]); // address, control, protocol MPLS unicast
    const { pkt, anomalies } = decode(9, Buffer.concat([ppp, label(100, false), label(200, true), udp]));
    expect(anomalies).toEqual({});
    expect(pkt).toMatchObject({ ipVersion: 4, l4: 17, srcPort: 33434, dstPort: 33435 });
  });
  it('Ethernet 0x8847 with one label', () => {
    const eth = frame().eth().build().subarray(0, 14);
    eth.writeUInt16BE(0x8847, 12);
    const { pkt } = decode(1, Buffer.concat([eth, label(16, true), udp]));
    expect(pkt).toMatchObject({ ipVersion: 4, l4: 17 });
  });
  it('a stack cut off before its bottom entry is an anomaly, not a crash', () => {
    const ppp = Buffer.from([0xff, 0x03, 0x02, 0x81]);
    const { pkt, anomalies } = decode(9, Buffer.concat([ppp, label(100, false), Buffer.from([0, 1])]));
    expect(pkt.ipVersion).toBe(0);
    expect(anomalies).toEqual({ truncated_mpls_label: 1 });
  });
  it('a stack deeper than the bound stops', () => {
    const ppp = Buffer.from([0xff, 0x03, 0x02, 0x81]);
    const { anomalies } = decode(9, Buffer.concat([ppp, ...Array.from({ length: 40 }, (_, i) => label(i, false)), udp]));
    expect(anomalies).toEqual({ mpls_stack_too_deep: 1 });
  });
});
