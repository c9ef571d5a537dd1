/**
 * PPP (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50).
 * Ref: RFC 1661 §2 (protocol field, §6.5 protocol-field compression), RFC 1662 §3.1
 * (HDLC-like framing: address 0xff, control 0x03, which may be omitted: RFC 1661 §6.6).
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import { ETHERTYPE_MPLS } from './mpls.js';
import type { AnomalyCounter, Packet } from './packet.js';

const PPP_ADDRESS = 0xff;
const PPP_CONTROL = 0x03;
/** Internet Protocol version 4 (RFC 1332). */
export const PPP_IPV4 = 0x0021;
/** Internet Protocol version 6 (RFC 5072). */
export const PPP_IPV6 = 0x0057;
/** MPLS unicast (RFC 3032 §5). */
export const PPP_MPLS = 0x0281;

/** PPP link decoder: returns the ethertype equivalent of the PPP protocol, or -1. */
export function decodePpp(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const s = pkt.payloadOffset;
  const len = s + pkt.payloadLength;
  let o = s;
  if (len - s >= 2 && buf[s] === PPP_ADDRESS && buf[s + 1] === PPP_CONTROL) o = s + 2;
  if (o >= len) {
    anomalies.add('truncated_ppp_header', pkt.frame);
    return -1;
  }
  let protocol: number;
  if (buf[o]! & 1) {
    // An odd first byte is the whole (compressed, one-byte) protocol field.
    protocol = buf[o]!;
    o += 1;
  } else {
    if (o + 2 > len) {
      anomalies.add('truncated_ppp_header', pkt.frame);
      return -1;
    }
    protocol = (buf[o]! << 8) | buf[o + 1]!;
    o += 2;
  }
  pkt.payloadOffset = o;
  pkt.payloadLength = len - o;
  pkt.wirePayloadLength = len - o;
  if (protocol === PPP_IPV4) return ETHERTYPE_IPV4;
  if (protocol === PPP_IPV6) return ETHERTYPE_IPV6;
  if (protocol === PPP_MPLS) return ETHERTYPE_MPLS;
  return -1;
}
