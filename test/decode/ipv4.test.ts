import { describe, expect, it } from 'vitest';
import { frame } from '../../dev/packet-builder.js';
import { addresses, decode } from './support.js';

const SRC = '192.0.2.1';
const DST = '198.51.100.7';

describe('IPv4', () => {
  it('fills version, offset, addresses (words 3 and 7 only), TTL and protocol', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, ttl: 57 }).udp({ sport: 1234, dport: 9999, payload: 'hi' }).build());
    expect(anomalies).toEqual({});
    expect(pkt.ipVersion).toBe(4);
    expect(pkt.ipOffset).toBe(14);
    expect(Array.from(pkt.addr)).toEqual([0, 0, 0, 0xc0000201, 0, 0, 0, 0xc6336407]);
    expect(addresses(pkt)).toEqual([SRC, DST]);
    expect(pkt.ttl).toBe(57);
    expect(pkt.protocol).toBe(17);
    expect(pkt.isFragment).toBe(false);
    expect(pkt.isNonFirstFragment).toBe(false);
  });

  it('reads addresses above 127.255.255.255 as unsigned words', () => {
    const { pkt } = decode(frame().eth().ipv4({ src: '255.255.255.254', dst: '224.0.0.251' }).udp({ sport: 1, dport: 2 }).build());
    expect(pkt.addr[3]).toBe(0xfffffffe);
    expect(pkt.addr[7]).toBe(0xe00000fb);
  });

  it('skips options by the header length (IHL 6 with Router Alert)', () => {
    const options = Buffer.from([0x94, 0x04, 0x00, 0x00]); // RFC 2113 Router Alert
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, options }).tcp({ sport: 5000, dport: 80, payload: 'GET' }).build());
    expect(anomalies).toEqual({});
    expect(pkt.l4).toBe(6);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([5000, 80]);
    expect(pkt.payloadOffset).toBe(14 + 24 + 20);
    expect(pkt.buf.toString('latin1', pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLength)).toBe('GET');
  });

  it('takes the payload end from the total length, ignoring Ethernet padding', () => {
    const data = frame().eth().ipv4({ src: SRC, dst: DST }).udp({ sport: 1, dport: 2, payload: 'x' }).build();
    const padded = Buffer.concat([data, Buffer.alloc(60 - data.length, 0xee)]);
    const { pkt, anomalies } = decode(padded);
    expect(anomalies).toEqual({});
    expect(pkt.payloadLength).toBe(1);
    expect(pkt.wirePayloadLength).toBe(1);
  });

  it('accepts a total length beyond the captured bytes (snaplen) and keeps the wire length', () => {
    const data = frame().eth().ipv4({ src: SRC, dst: DST }).tcp({ sport: 1, dport: 2, payload: 1000 }).build();
    const { pkt, anomalies } = decode(data.subarray(0, 96));
    expect(anomalies).toEqual({});
    expect(pkt.l4).toBe(6);
    expect(pkt.payloadLength).toBe(96 - 54);
    expect(pkt.wirePayloadLength).toBe(1000);
  });

  it('reads a total length of 0 (segmentation offload) to the end of the frame', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, totalLength: 0 }).tcp({ sport: 1, dport: 2, payload: 3000 }).build());
    expect(anomalies).toEqual({});
    expect(pkt.payloadLength).toBe(3000);
    expect(pkt.wirePayloadLength).toBe(3000);
  });

  it('counts IHL below 5 as bad_ip_header_len', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, ihl: 4 }).tcp({ sport: 1, dport: 2 }).build());
    expect(anomalies).toEqual({ bad_ip_header_len: 1 });
    expect(pkt.ipVersion).toBe(0);
    expect(pkt.l4).toBe(0);
  });

  it('counts a total length below the header length as bad_ip_total_length', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, totalLength: 19 }).tcp({ sport: 1, dport: 2 }).build());
    expect(anomalies).toEqual({ bad_ip_total_length: 1 });
    expect(pkt.ipVersion).toBe(4);
    expect(pkt.l4).toBe(0);
    expect(pkt.srcPort).toBe(-1);
  });

  it('counts options cut off as truncated_ip_header but keeps the fixed header', () => {
    const data = frame().eth().ipv4({ src: SRC, dst: DST, options: Buffer.alloc(8, 1) }).tcp({ sport: 1, dport: 2 }).build();
    const { pkt, anomalies } = decode(data.subarray(0, 14 + 24));
    expect(anomalies).toEqual({ truncated_ip_header: 1 });
    expect(pkt.ipVersion).toBe(4);
    expect(addresses(pkt)).toEqual([SRC, DST]);
    expect(pkt.l4).toBe(0);
    expect(pkt.payloadLength).toBe(0);
  });
});

describe('IPv4 fragments', () => {
  it('decodes the transport header of a first fragment (MF set, offset 0)', () => {
    // The UDP length covers the whole datagram, beyond this fragment: not an anomaly.
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, mf: true }).udp({ sport: 4000, dport: 4500, length: 3000, payload: 1472 }).build());
    expect(anomalies).toEqual({});
    expect(pkt.isFragment).toBe(true);
    expect(pkt.isNonFirstFragment).toBe(false);
    expect(pkt.l4).toBe(17);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([4000, 4500]);
    expect(pkt.payloadLength).toBe(1472);
    expect(pkt.wirePayloadLength).toBe(2992);
  });

  it('never decodes a non-first fragment as TCP/UDP', () => {
    for (const mf of [true, false]) {
      // The fragment data happens to look like a TCP header: it must not be read as one.
      const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, mf, fragOffset: 185 }).tcp({ sport: 1111, dport: 2222 }).build());
      expect(anomalies).toEqual({});
      expect(pkt.isFragment).toBe(true);
      expect(pkt.isNonFirstFragment).toBe(true);
      expect(pkt.protocol).toBe(6);
      expect(pkt.l4).toBe(0);
      expect([pkt.srcPort, pkt.dstPort]).toEqual([-1, -1]);
      expect(pkt.payloadOffset).toBe(34);
      expect(pkt.payloadLength).toBe(20);
    }
  });

  it('does not call a packet with DF set a fragment', () => {
    const { pkt } = decode(frame().eth().ipv4({ src: SRC, dst: DST, df: true }).tcp({ sport: 1, dport: 2 }).build());
    expect(pkt.isFragment).toBe(false);
  });
});

describe('transport protocols without a decoder', () => {
  it('keep the protocol and the IP payload (GRE 47)', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: SRC, dst: DST, protocol: 47 }).payload(Buffer.alloc(12)).build());
    expect(anomalies).toEqual({});
    expect(pkt.protocol).toBe(47);
    expect(pkt.l4).toBe(0);
    expect([pkt.payloadOffset, pkt.payloadLength]).toEqual([34, 12]);
  });
});
