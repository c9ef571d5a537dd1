/**
 * Raw IP link types (LINKTYPE_RAW 101, IPV4 228, IPV6 229, and DLT_RAW's 12/14): the frame
 * starts with the IP header, whose version nibble says which one.
 * Ref: https://www.tcpdump.org/linktypes/LINKTYPE_RAW.html
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import type { AnomalyCounter, Packet } from './packet.js';

/** Raw-IP link decoder: returns the ethertype for the IP version nibble, or -1. */
export function decodeRawIp(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  // The whole frame is the IP packet: payloadOffset/Length already describe it.
  if (pkt.payloadLength < 1) {
    anomalies.add('truncated_ip_header', pkt.frame);
    return -1;
  }
  const version = buf[pkt.payloadOffset]! >> 4;
  if (version === 4) return ETHERTYPE_IPV4;
  if (version === 6) return ETHERTYPE_IPV6;
  anomalies.add('bad_ip_version', pkt.frame);
  return -1;
}
