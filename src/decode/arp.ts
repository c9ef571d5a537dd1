/**
 * ARP for IPv4 over Ethernet: who asked for which address, and whether anyone answered.
 * Ref: RFC 826 (0 hardware type, 2 protocol type, 4 hardware length, 5 protocol length,
 * 6 operation, 8 sender hardware address, 14 sender protocol address, 18 target hardware
 * address, 24 target protocol address).
 */
import type { AnomalyCounter, ArpMessage, Packet } from './packet.js';

export const ETHERTYPE_ARP = 0x0806;

/** Ethernet (1) hardware, IPv4 (0x0800) protocol, 6- and 4-byte addresses: 28 bytes. */
const ARP_ETHERNET_IPV4_LEN = 28;

function hex2(b: number): string {
  return b < 16 ? `0${b.toString(16)}` : b.toString(16);
}

/**
 * ARP decoder: fills `pkt.arp` (a fresh object: rules may keep it) for IPv4 over Ethernet and
 * returns -1 (nothing follows ARP). Other hardware or protocol types are left undecoded.
 */
export function decodeArp(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const o = pkt.payloadOffset;
  if (pkt.payloadLength < ARP_ETHERNET_IPV4_LEN) {
    anomalies.add('truncated_arp', pkt.frame);
    return -1;
  }
  const hardware = (buf[o]! << 8) | buf[o + 1]!;
  const protocol = (buf[o + 2]! << 8) | buf[o + 3]!;
  if (hardware !== 1 || protocol !== 0x0800 || buf[o + 4] !== 6 || buf[o + 5] !== 4) return -1;
  const mac: string[] = [];
  for (let i = 0; i < 6; i++) mac.push(hex2(buf[o + 8 + i]!));
  const arp: ArpMessage = {
    operation: (buf[o + 6]! << 8) | buf[o + 7]!,
    senderIp: buf.readUInt32BE(o + 14),
    targetIp: buf.readUInt32BE(o + 24),
    senderMac: mac.join(':'),
  };
  pkt.arp = arp;
  return -1;
}
