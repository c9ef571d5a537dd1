/**
 * BSD loopback encapsulation: a 4-byte protocol family before the IP packet.
 * Ref: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html and LINKTYPE_LOOP.html.
 * LINKTYPE_NULL stores the family in the capturing host's byte order, which the file does not
 * record, so both orders are accepted; LINKTYPE_LOOP (OpenBSD) stores it in network order.
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import type { AnomalyCounter, Packet } from './packet.js';

const LOOPBACK_HEADER_LEN = 4;

/** AF_INET is 2 everywhere. */
const AF_INET = 2;

/**
 * The ethertype for a loopback protocol family: AF_INET, or AF_INET6 as numbered by
 * Linux (10), Windows (23), NetBSD/OpenBSD (24), FreeBSD/DragonFly (28), macOS (30); else -1.
 */
function familyEtherType(family: number): number {
  if (family === AF_INET) return ETHERTYPE_IPV4;
  if (family === 10 || family === 23 || family === 24 || family === 28 || family === 30) return ETHERTYPE_IPV6;
  return -1;
}

function setPayload(pkt: Packet): void {
  pkt.payloadOffset += LOOPBACK_HEADER_LEN;
  pkt.payloadLength -= LOOPBACK_HEADER_LEN;
  pkt.wirePayloadLength = pkt.payloadLength;
}

/** LINKTYPE_NULL link decoder: family in either byte order. */
export function decodeNull(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const s = pkt.payloadOffset;
  if (pkt.payloadLength < LOOPBACK_HEADER_LEN) {
    anomalies.add('truncated_loopback_header', pkt.frame);
    return -1;
  }
  // Families are small numbers: whichever end holds the non-zero byte is the low-order end.
  let family = -1;
  if (buf[s + 1] === 0 && buf[s + 2] === 0) {
    if (buf[s + 3] === 0) family = buf[s]!;
    else if (buf[s] === 0) family = buf[s + 3]!;
  }
  setPayload(pkt);
  return familyEtherType(family);
}

/** LINKTYPE_LOOP link decoder: family in network byte order. */
export function decodeLoop(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const s = pkt.payloadOffset;
  if (pkt.payloadLength < LOOPBACK_HEADER_LEN) {
    anomalies.add('truncated_loopback_header', pkt.frame);
    return -1;
  }
  const family = ((buf[s]! << 24) | (buf[s + 1]! << 16) | (buf[s + 2]! << 8) | buf[s + 3]!) >>> 0;
  setPayload(pkt);
  return familyEtherType(family);
}
