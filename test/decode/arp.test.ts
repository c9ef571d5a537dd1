import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { addressBytes, frame } from '../../dev/packet-builder.js';

/** An ARP request for IPv4 over Ethernet (RFC 826), field by field. */
function arpRequest(): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // hardware type: Ethernet
  b.writeUInt16BE(0x0800, 2); // protocol type: IPv4
  b[4] = 6; // hardware address length
  b[5] = 4; // protocol address length
  b.writeUInt16BE(1, 6); // operation: request
  Buffer.from([0x02, 0x00, 0x0a, 0x63, 0x00, 0x01]).copy(b, 8); // sender hardware address
  addressBytes('10.99.0.1').copy(b, 14); // sender protocol address
  addressBytes('10.99.0.3').copy(b, 24); // target protocol address
  return b;
}

function decode(bytes: Buffer) {
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  decodeFrame({ number: 1, tsSec: 0, tsNsec: 0, linkType: 1, interfaceId: 0, originalLength: bytes.length, data: bytes, offset: 0 }, pkt, anomalies);
  return { pkt, anomalies: anomalies.toRecord() };
}

describe('ARP decoder', () => {
  it('reads a request: operation, sender and target addresses', () => {
    const { pkt, anomalies } = decode(frame().eth({ type: 0x0806 }).payload(arpRequest()).build());
    expect(pkt.etherType).toBe(0x0806);
    expect(pkt.ipVersion).toBe(0);
    expect(pkt.arp).toEqual({ operation: 1, senderIp: 0x0a630001, targetIp: 0x0a630003, senderMac: '02:00:0a:63:00:01' });
    expect(anomalies).toEqual({});
  });

  it('counts a message cut short, and decodes nothing', () => {
    const { pkt, anomalies } = decode(frame().eth({ type: 0x0806 }).payload(arpRequest().subarray(0, 20)).build());
    expect(pkt.arp).toBeNull();
    expect(anomalies).toEqual({ truncated_arp: 1 });
  });

  it('leaves other hardware or protocol types undecoded', () => {
    const other = arpRequest();
    other.writeUInt16BE(6, 0); // IEEE 802 networks
    expect(decode(frame().eth({ type: 0x0806 }).payload(other).build()).pkt.arp).toBeNull();
  });

  it('records an 802.3 LLC frame as ethertype 0', () => {
    expect(decode(frame().eth({ type: 0x0026 }).payload(Buffer.alloc(38)).build()).pkt.etherType).toBe(0);
  });
});
