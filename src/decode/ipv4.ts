/**
 * IPv4.
 * Ref: RFC 791 §3.1: 0 version(4) IHL(4), 1 TOS, 2 total length, 4 identification,
 * 6 flags(3) fragment offset(13), 8 TTL, 9 protocol, 10 checksum, 12 source, 16 destination,
 * 20 options (IHL*4 - 20 bytes).
 */
import type { AnomalyCounter, Packet } from './packet.js';

const IPV4_MIN_HEADER_LEN = 20;
/** Flags/fragment-offset word: More Fragments bit and the offset (in 8-byte units). */
const IP_MF = 0x2000;
const IP_OFFSET_MASK = 0x1fff;

/**
 * IPv4 network decoder. Reads the IP packet at `pkt.payloadOffset` (captured bytes
 * `pkt.payloadLength`), fills the IP fields and leaves the IP payload in
 * `pkt.payloadOffset/Length`. Returns the protocol of a transport header that follows, or -1
 * when there is none to decode (broken header, non-first fragment).
 */
export function decodeIpv4(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const o = pkt.payloadOffset;
  const captured = pkt.payloadLength;
  if (captured < 1) {
    anomalies.add('truncated_ip_header', pkt.frame);
    return -1;
  }
  const b0 = buf[o]!;
  if (b0 >> 4 !== 4) {
    anomalies.add('bad_ip_version', pkt.frame);
    return -1;
  }
  const headerLen = (b0 & 15) << 2;
  if (headerLen < IPV4_MIN_HEADER_LEN) {
    anomalies.add('bad_ip_header_len', pkt.frame);
    return -1;
  }
  if (captured < IPV4_MIN_HEADER_LEN) {
    anomalies.add('truncated_ip_header', pkt.frame);
    return -1;
  }
  // The fixed header is whole: its fields are worth keeping even if the options are cut off.
  pkt.ipVersion = 4;
  pkt.ipOffset = o;
  pkt.ttl = buf[o + 8]!;
  const protocol = buf[o + 9]!;
  pkt.protocol = protocol;
  pkt.addr[3] = ((buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]!) >>> 0;
  pkt.addr[7] = ((buf[o + 16]! << 24) | (buf[o + 17]! << 16) | (buf[o + 18]! << 8) | buf[o + 19]!) >>> 0;
  const fragWord = (buf[o + 6]! << 8) | buf[o + 7]!;
  const fragOffset = fragWord & IP_OFFSET_MASK;
  if (fragOffset !== 0 || (fragWord & IP_MF) !== 0) {
    pkt.isFragment = true;
    pkt.isNonFirstFragment = fragOffset !== 0;
  }
  if (captured < headerLen) {
    anomalies.add('truncated_ip_header', pkt.frame);
    pkt.payloadOffset = o + captured;
    pkt.payloadLength = 0;
    pkt.wirePayloadLength = 0;
    return -1;
  }
  let totalLength = (buf[o + 2]! << 8) | buf[o + 3]!;
  if (totalLength === 0) {
    // A sender with TCP segmentation offload hands the capture a super-packet whose total
    // length the NIC fills in later; Wireshark reads it to the end of the frame likewise.
    totalLength = captured;
  } else if (totalLength < headerLen) {
    anomalies.add('bad_ip_total_length', pkt.frame);
    pkt.payloadOffset = o + headerLen;
    pkt.payloadLength = 0;
    pkt.wirePayloadLength = 0;
    return -1;
  }
  // Bytes beyond the total length are link padding (Ethernet minimum frame) or trailer.
  const end = totalLength < captured ? totalLength : captured;
  pkt.payloadOffset = o + headerLen;
  pkt.payloadLength = end - headerLen;
  pkt.wirePayloadLength = totalLength - headerLen;
  // RFC 791: only the first fragment (offset 0) carries the transport header.
  if (pkt.isNonFirstFragment) return -1;
  return protocol;
}
