/**
 * Frame → packet decoding: link layer, IPv4/IPv6, TCP/UDP/ICMP, DNS. The layer order is
 * chosen through the tables in registry.ts.
 */
import type { Frame } from '../capture/types.js';
import type { AnomalyCounter, Packet } from './packet.js';
import { resetPacket } from './packet.js';
import { linkDecoderFor, networkDecoderFor, shimDecoderFor, transportDecoderFor, udpApplicationDecoderFor } from './registry.js';

export { linkTypeName } from './link-types.js';
export { BAD_TCP_OPTION_ANOMALY, decodeTcpOptions } from './tcp.js';
export type { TcpOptions } from './tcp.js';
export { decodeQuotedPacket, isIcmpv4Error, isIcmpv6Error } from './icmp.js';
export { DECODE_ANOMALIES } from './anomalies.js';
export type { DecodeAnomaly } from './anomalies.js';
export { MAX_IPV6_EXTENSION_HEADERS } from './ipv6.js';

/** True when frames of this link type are decoded (others yield packets with ipVersion 0). */
export function isSupportedLinkType(linkType: number): boolean {
  return linkDecoderFor(linkType) !== undefined;
}

function clearPayload(pkt: Packet): void {
  pkt.payloadOffset = 0;
  pkt.payloadLength = 0;
  pkt.wirePayloadLength = 0;
}

/**
 * Decode one frame into `pkt` (reset first). Never throws; broken headers are counted in
 * `anomalies`. Frames of unsupported link types are left undecoded without an anomaly: the
 * caller reports the link type once per capture. When decoding stops short of the transport
 * layer (non-first fragment, unknown protocol, broken transport header), the payload fields
 * describe the IP payload; without an IP layer they are 0.
 */
export function decodeFrame(frame: Frame, pkt: Packet, anomalies: AnomalyCounter): void {
  resetPacket(pkt);
  // The frame's bytes where the reader has them (no view per frame), else its own `data`.
  const bytes = frame.bytes;
  const buf = bytes ?? frame.data;
  const start = bytes !== undefined ? frame.dataStart! : 0;
  const length = (bytes !== undefined ? frame.dataEnd! : buf.length) - start;
  pkt.frame = frame.number;
  pkt.tsSec = frame.tsSec;
  pkt.tsNsec = frame.tsNsec;
  pkt.time = frame.tsSec + frame.tsNsec / 1e9;
  pkt.linkType = frame.linkType;
  pkt.buf = buf;
  pkt.originalLength = frame.originalLength;
  // The link decoder reads the frame at payloadOffset/Length and leaves its payload there.
  pkt.payloadOffset = start;
  pkt.payloadLength = length;
  pkt.wirePayloadLength = length;

  const link = linkDecoderFor(frame.linkType);
  if (link === undefined) return;
  let etherType = link(buf, pkt, anomalies);
  const shim = etherType < 0 ? undefined : shimDecoderFor(etherType);
  if (shim !== undefined) etherType = shim(buf, pkt, anomalies);
  if (etherType >= 0) pkt.etherType = etherType;
  const network = etherType < 0 ? undefined : networkDecoderFor(etherType);
  if (network === undefined) {
    // Not IP (ARP, LLDP, ...): there is no IP payload to point at.
    clearPayload(pkt);
    return;
  }
  const protocol = network(buf, pkt, anomalies);
  if (pkt.ipVersion === 0) {
    clearPayload(pkt);
    return;
  }
  if (protocol < 0) return;
  const transport = transportDecoderFor(protocol);
  if (transport === undefined) return;
  transport(buf, pkt, anomalies);
  if (pkt.l4 === 17) {
    const application = udpApplicationDecoderFor(pkt.srcPort, pkt.dstPort);
    if (application !== undefined) application(buf, pkt, anomalies);
  }
}
