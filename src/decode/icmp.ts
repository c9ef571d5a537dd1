/**
 * ICMP (IPv4) and ICMPv6, including the offending packet quoted by an error message.
 * Ref: RFC 792 (ICMP: 0 type, 1 code, 2 checksum, 4 rest of header; errors quote the IP
 * header plus at least 8 bytes of data from offset 8), RFC 1812 §4.3.2.3 (routers may quote
 * more), RFC 4443 §2.1 and §3 (ICMPv6: same 8-byte header; errors quote as much of the
 * invoking packet as fits in the minimum MTU).
 */
import { createIpv6ChainEnd, walkIpv6Extensions } from './ipv6.js';
import type { AnomalyCounter, Packet, QuotedPacket } from './packet.js';

const ICMP_HEADER_LEN = 8;

/** ICMPv4 error types: destination unreachable, source quench, redirect, time exceeded, parameter problem. */
export function isIcmpv4Error(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** ICMPv6 error types: destination unreachable, packet too big, time exceeded, parameter problem. */
export function isIcmpv6Error(type: number): boolean {
  return type >= 1 && type <= 4;
}

/** ICMPv4 decoder: type, code, body; errors also get `pkt.quoted`. */
export function decodeIcmpv4(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): void {
  if (decodeIcmpHeader(buf, pkt, anomalies, 1) && isIcmpv4Error(pkt.icmpType)) {
    pkt.quoted = decodeQuotedPacket(buf, pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLength, pkt.frame, anomalies);
  }
}

/** ICMPv6 decoder: type, code, body; errors also get `pkt.quoted`. */
export function decodeIcmpv6(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): void {
  if (decodeIcmpHeader(buf, pkt, anomalies, 58) && isIcmpv6Error(pkt.icmpType)) {
    pkt.quoted = decodeQuotedPacket(buf, pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLength, pkt.frame, anomalies);
  }
}

/** The shared 8-byte header; the body (the quote, for errors) is left in `pkt.payload*`. */
function decodeIcmpHeader(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter, l4: number): boolean {
  const o = pkt.payloadOffset;
  const available = pkt.payloadLength;
  if (available < ICMP_HEADER_LEN) {
    anomalies.add('truncated_icmp_header', pkt.frame);
    return false;
  }
  pkt.l4 = l4;
  pkt.icmpType = buf[o]!;
  pkt.icmpCode = buf[o + 1]!;
  pkt.payloadOffset = o + ICMP_HEADER_LEN;
  pkt.payloadLength = available - ICMP_HEADER_LEN;
  pkt.wirePayloadLength = pkt.wirePayloadLength > ICMP_HEADER_LEN ? pkt.wirePayloadLength - ICMP_HEADER_LEN : 0;
  return true;
}

const quoteChain = createIpv6ChainEnd();

function u32(buf: Buffer, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

/**
 * Decode the packet quoted in `buf[offset, end)` by an ICMP error: its IP header (walking
 * IPv6 extension headers) and whatever of the first 14 transport bytes are present. Fields
 * the quote does not reach stay -1. A quoted ICMP message is recorded by protocol only.
 */
export function decodeQuotedPacket(buf: Buffer, offset: number, end: number, frame: number, anomalies: AnomalyCounter): QuotedPacket {
  const q: QuotedPacket = { ipVersion: 0, addr: new Uint32Array(8), protocol: -1, srcPort: -1, dstPort: -1, tcpSeq: -1, tcpFlags: -1 };
  const len = end - offset;
  if (len < 1) {
    anomalies.add('truncated_icmp_quote', frame);
    return q;
  }
  const version = buf[offset]! >> 4;
  let l4: number;
  if (version === 4) {
    if (len < 20) {
      anomalies.add('truncated_icmp_quote', frame);
      return q;
    }
    const headerLen = (buf[offset]! & 15) << 2;
    if (headerLen < 20) {
      anomalies.add('bad_icmp_quote', frame);
      return q;
    }
    q.ipVersion = 4;
    q.protocol = buf[offset + 9]!;
    q.addr[3] = u32(buf, offset + 12);
    q.addr[7] = u32(buf, offset + 16);
    // A quoted non-first fragment carries fragment data, not a transport header.
    if ((((buf[offset + 6]! << 8) | buf[offset + 7]!) & 0x1fff) !== 0) return q;
    l4 = offset + headerLen;
  } else if (version === 6) {
    if (len < 40) {
      anomalies.add('truncated_icmp_quote', frame);
      return q;
    }
    q.ipVersion = 6;
    for (let i = 0; i < 8; i++) q.addr[i] = u32(buf, offset + 8 + (i << 2));
    walkIpv6Extensions(buf, offset + 40, end, buf[offset + 6]!, quoteChain);
    q.protocol = quoteChain.protocol;
    if (quoteChain.error !== null || quoteChain.isNonFirstFragment) return q;
    l4 = quoteChain.offset;
  } else {
    anomalies.add('bad_icmp_quote', frame);
    return q;
  }
  if (q.protocol !== 6 && q.protocol !== 17) return q;
  const available = end - l4;
  if (available >= 4) {
    q.srcPort = (buf[l4]! << 8) | buf[l4 + 1]!;
    q.dstPort = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
  }
  if (q.protocol === 6) {
    if (available >= 8) q.tcpSeq = u32(buf, l4 + 4);
    if (available >= 14) q.tcpFlags = ((buf[l4 + 12]! & 1) << 8) | buf[l4 + 13]!;
  }
  return q;
}
