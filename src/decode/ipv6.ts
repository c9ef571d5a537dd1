/**
 * IPv6 and its extension-header chain.
 * Ref: RFC 8200 §3: 0 version(4) traffic class(8) flow label(20), 4 payload length,
 * 6 next header, 7 hop limit, 8 source (16), 24 destination (16).
 * Extension headers: RFC 8200 §4 (hop-by-hop 0, routing 43, fragment 44, destination
 * options 60: length in 8-byte units not counting the first 8), RFC 4302 §2.2 (AH 51: length
 * in 4-byte units minus 2), RFC 7045 §3 (Mobility 135, HIP 139, Shim6 140 use the 8-byte form).
 */
import type { AnomalyCounter, Packet } from './packet.js';

const IPV6_HEADER_LEN = 40;
const IPV6_FRAGMENT_HEADER_LEN = 8;

const NH_HOP_BY_HOP = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DEST_OPTS = 60;
const NH_MOBILITY = 135;
const NH_HIP = 139;
const NH_SHIM6 = 140;

/**
 * How many extension headers the walk follows before giving up. RFC 8200 §4.1 allows each
 * header once (destination options twice), so a real chain stays well under this.
 */
export const MAX_IPV6_EXTENSION_HEADERS = 8;

/** True for a next-header value that is an extension header the walk steps over. */
export function isIpv6ExtensionHeader(nh: number): boolean {
  return (
    nh === NH_HOP_BY_HOP || nh === NH_ROUTING || nh === NH_FRAGMENT || nh === NH_DEST_OPTS ||
    nh === NH_AH || nh === NH_MOBILITY || nh === NH_HIP || nh === NH_SHIM6
  );
}

/** Where an extension-header chain ends. Callers own one instance each and reuse it. */
export interface Ipv6ChainEnd {
  /** Upper-layer protocol after the chain; -1 when the chain could not be walked. */
  protocol: number;
  /** Offset of the upper-layer header (or of the fragment data of a non-first fragment). */
  offset: number;
  /** A fragment header with MF set or a non-zero offset was seen. */
  isFragment: boolean;
  /** The fragment offset is non-zero: what follows is not an upper-layer header. */
  isNonFirstFragment: boolean;
  /** Anomaly name when the chain is broken (`truncated_ipv6_ext_header`, `ipv6_ext_chain_too_long`). */
  error: string | null;
}

/** A fresh chain result, for callers to keep and reuse. */
export function createIpv6ChainEnd(): Ipv6ChainEnd {
  return { protocol: -1, offset: 0, isFragment: false, isNonFirstFragment: false, error: null };
}

/**
 * Walk the extension headers starting at `offset` (announced by `nextHeader`) up to `end`,
 * bounded by MAX_IPV6_EXTENSION_HEADERS, and record where the chain ends in `out`.
 */
export function walkIpv6Extensions(buf: Buffer, offset: number, end: number, nextHeader: number, out: Ipv6ChainEnd): void {
  out.isFragment = false;
  out.isNonFirstFragment = false;
  out.error = null;
  let nh = nextHeader;
  let o = offset;
  let count = 0;
  while (isIpv6ExtensionHeader(nh)) {
    if (count === MAX_IPV6_EXTENSION_HEADERS) {
      out.error = 'ipv6_ext_chain_too_long';
      out.protocol = -1;
      out.offset = o;
      return;
    }
    count++;
    let headerLen: number;
    if (nh === NH_FRAGMENT) {
      if (o + IPV6_FRAGMENT_HEADER_LEN > end) break;
      // 2: fragment offset (13 bits, 8-byte units), reserved (2), M flag (1).
      const offsetAndFlags = (buf[o + 2]! << 8) | buf[o + 3]!;
      const fragOffset = offsetAndFlags >> 3;
      if (fragOffset !== 0 || (offsetAndFlags & 1) !== 0) out.isFragment = true;
      if (fragOffset !== 0) {
        out.isNonFirstFragment = true;
        out.protocol = buf[o]!;
        out.offset = o + IPV6_FRAGMENT_HEADER_LEN;
        return;
      }
      headerLen = IPV6_FRAGMENT_HEADER_LEN;
    } else {
      if (o + 2 > end) break;
      headerLen = nh === NH_AH ? (buf[o + 1]! + 2) << 2 : (buf[o + 1]! + 1) << 3;
      if (o + headerLen > end) break;
    }
    nh = buf[o]!;
    o += headerLen;
  }
  if (isIpv6ExtensionHeader(nh)) {
    // The loop left early: the header at `o` does not fit before `end`.
    out.error = 'truncated_ipv6_ext_header';
    out.protocol = -1;
    out.offset = o;
    return;
  }
  out.protocol = nh;
  out.offset = o;
}

const chain = createIpv6ChainEnd();

/**
 * IPv6 network decoder. Reads the packet at `pkt.payloadOffset` (captured bytes
 * `pkt.payloadLength`), walks the extension headers and leaves the upper-layer payload in
 * `pkt.payloadOffset/Length`. Returns the upper-layer protocol to decode next, or -1.
 */
export function decodeIpv6(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const o = pkt.payloadOffset;
  const captured = pkt.payloadLength;
  if (captured < 1) {
    anomalies.add('truncated_ip_header', pkt.frame);
    return -1;
  }
  if (buf[o]! >> 4 !== 6) {
    anomalies.add('bad_ip_version', pkt.frame);
    return -1;
  }
  if (captured < IPV6_HEADER_LEN) {
    anomalies.add('truncated_ip_header', pkt.frame);
    return -1;
  }
  pkt.ipVersion = 6;
  pkt.ipOffset = o;
  pkt.ttl = buf[o + 7]!;
  const addr = pkt.addr;
  for (let i = 0; i < 8; i++) {
    const a = o + 8 + (i << 2);
    addr[i] = ((buf[a]! << 24) | (buf[a + 1]! << 16) | (buf[a + 2]! << 8) | buf[a + 3]!) >>> 0;
  }
  const payloadLength = (buf[o + 4]! << 8) | buf[o + 5]!;
  const nextHeader = buf[o + 6]!;
  const capturedEnd = o + captured;
  let wireEnd = o + IPV6_HEADER_LEN + payloadLength;
  // RFC 2675: a jumbogram has payload length 0 and its real length in a hop-by-hop option.
  if (payloadLength === 0 && nextHeader === NH_HOP_BY_HOP) wireEnd = capturedEnd;
  const end = wireEnd < capturedEnd ? wireEnd : capturedEnd;

  let protocol = nextHeader;
  let l4Offset = o + IPV6_HEADER_LEN;
  if (isIpv6ExtensionHeader(nextHeader)) {
    walkIpv6Extensions(buf, l4Offset, end, nextHeader, chain);
    pkt.isFragment = chain.isFragment;
    pkt.isNonFirstFragment = chain.isNonFirstFragment;
    protocol = chain.protocol;
    l4Offset = chain.offset;
    if (chain.error !== null) anomalies.add(chain.error, pkt.frame);
  }
  pkt.protocol = protocol;
  pkt.payloadOffset = l4Offset;
  pkt.payloadLength = end > l4Offset ? end - l4Offset : 0;
  pkt.wirePayloadLength = wireEnd > l4Offset ? wireEnd - l4Offset : 0;
  if (protocol < 0 || pkt.isNonFirstFragment) return -1;
  return protocol;
}
