/**
 * MPLS label stack (ethertype 0x8847 unicast, 0x8848 multicast; PPP protocol 0x0281).
 * Ref: RFC 3032 §2.1: each label stack entry is label(20) TC(3) S(1) TTL(8); S marks the bottom.
 * The payload after the bottom entry carries no type: RFC 4385 / common practice is to look at
 * the first nibble (4 → IPv4, 6 → IPv6).
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import type { AnomalyCounter, Packet } from './packet.js';

export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;

/** At most this many label stack entries are walked. */
export const MAX_MPLS_LABELS = 16;

/**
 * Walks the label stack at `pkt.payloadOffset` and leaves the payload there. Returns the
 * ethertype of the payload (IPv4 or IPv6 by its version nibble), or -1.
 */
export function decodeMplsStack(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  let o = pkt.payloadOffset;
  const end = o + pkt.payloadLength;
  for (let i = 0; ; i++) {
    if (i >= MAX_MPLS_LABELS) {
      anomalies.add('mpls_stack_too_deep', pkt.frame);
      return -1;
    }
    if (o + 4 > end) {
      anomalies.add('truncated_mpls_label', pkt.frame);
      return -1;
    }
    const bottom = (buf[o + 2]! & 1) === 1;
    o += 4;
    if (bottom) break;
  }
  const consumed = o - pkt.payloadOffset;
  pkt.payloadOffset = o;
  pkt.payloadLength -= consumed;
  pkt.wirePayloadLength = Math.max(0, pkt.wirePayloadLength - consumed);
  if (o >= end) return -1;
  const version = buf[o]! >> 4;
  return version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : -1;
}
