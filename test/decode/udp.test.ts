import { describe, expect, it } from 'vitest';
import { frame } from '../../dev/packet-builder.js';
import { decode } from './support.js';

const udp = (spec: { sport: number; dport: number; payload?: string | number; length?: number }) => frame().eth().ipv4({ src: '192.0.2.10', dst: '192.0.2.20' }).udp(spec).build();

describe('UDP', () => {
  it('reads ports and the payload', () => {
    const { pkt, anomalies } = decode(udp({ sport: 5000, dport: 6000, payload: 'ping' }));
    expect(anomalies).toEqual({});
    expect(pkt.l4).toBe(17);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([5000, 6000]);
    expect([pkt.payloadOffset, pkt.payloadLength, pkt.wirePayloadLength]).toEqual([42, 4, 4]);
    expect(pkt.dns).toBeNull();
  });

  it('bounds the payload by a UDP length shorter than the IP payload', () => {
    const { pkt, anomalies } = decode(udp({ sport: 1, dport: 2, payload: 'abcdef', length: 10 }));
    expect(anomalies).toEqual({});
    expect(pkt.payloadLength).toBe(2);
  });

  it('counts a UDP length beyond the IP payload as bad_udp_length and uses the IP payload', () => {
    const { pkt, anomalies } = decode(udp({ sport: 1, dport: 2, payload: 'abcdef', length: 100 }));
    expect(anomalies).toEqual({ bad_udp_length: 1 });
    expect(pkt.l4).toBe(17);
    expect(pkt.payloadLength).toBe(6);
  });

  it('counts a UDP length below 8 as bad_udp_length', () => {
    expect(decode(udp({ sport: 1, dport: 2, payload: 'ab', length: 7 })).anomalies).toEqual({ bad_udp_length: 1 });
    expect(decode(udp({ sport: 1, dport: 2, payload: 'ab', length: 0 })).anomalies).toEqual({ bad_udp_length: 1 });
  });

  it('counts fewer than 8 bytes as truncated_udp_header', () => {
    const data = udp({ sport: 1, dport: 2, payload: 'ab' });
    for (let cut = 34; cut < 42; cut++) {
      const { pkt, anomalies } = decode(data.subarray(0, cut));
      expect(anomalies).toEqual({ truncated_udp_header: 1 });
      expect(pkt.l4).toBe(0);
      expect(pkt.srcPort).toBe(-1);
    }
  });

  it('keeps the announced length when the snaplen cut the datagram', () => {
    const { pkt, anomalies } = decode(udp({ sport: 1, dport: 2, payload: 500 }).subarray(0, 100));
    expect(anomalies).toEqual({});
    expect([pkt.payloadLength, pkt.wirePayloadLength]).toEqual([58, 500]);
  });
});
