/**
 * UDP.
 * Ref: RFC 768: 0 source port, 2 destination port, 4 length (header + data), 6 checksum.
 */
import type { AnomalyCounter, Packet } from './packet.js';

const UDP_HEADER_LEN = 8;

/**
 * UDP decoder. Reads the datagram at `pkt.payloadOffset` (bytes up to the IP payload end in
 * `pkt.payloadLength`) and leaves its data in `pkt.payloadOffset/Length`, bounded by both the
 * IP payload and the UDP length.
 */
export function decodeUdp(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): void {
  const o = pkt.payloadOffset;
  const available = pkt.payloadLength;
  const wire = pkt.wirePayloadLength;
  if (available < UDP_HEADER_LEN) {
    anomalies.add('truncated_udp_header', pkt.frame);
    return;
  }
  pkt.l4 = 17;
  pkt.srcPort = (buf[o]! << 8) | buf[o + 1]!;
  pkt.dstPort = (buf[o + 2]! << 8) | buf[o + 3]!;
  let udpLength = (buf[o + 4]! << 8) | buf[o + 5]!;
  if (udpLength === 0 && pkt.ipVersion === 6 && wire > 0xffff) {
    // RFC 2675 §4: a UDP jumbogram sets length 0 and takes its length from IPv6.
    udpLength = wire;
  } else if (udpLength < UDP_HEADER_LEN || (udpLength > wire && !pkt.isFragment)) {
    // (A first fragment carries only the start of the datagram its UDP length describes.)
    anomalies.add('bad_udp_length', pkt.frame);
    udpLength = wire;
  }
  const end = udpLength < available ? udpLength : available;
  pkt.payloadOffset = o + UDP_HEADER_LEN;
  pkt.payloadLength = end - UDP_HEADER_LEN;
  pkt.wirePayloadLength = udpLength - UDP_HEADER_LEN;
}
