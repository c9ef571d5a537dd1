/**
 * Ethernet II and IEEE 802.1Q / 802.1ad (QinQ) VLAN tags.
 * Ref: IEEE 802.3 §3.1.1 (MAC frame: destination, source, type); IEEE 802.1Q §9.6 (tag: TPID,
 * then PCP(3) DEI(1) VID(12)).
 */
import type { AnomalyCounter, Packet } from './packet.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Customer VLAN tag (802.1Q). */
export const ETHERTYPE_VLAN = 0x8100;
/** Service VLAN tag (802.1ad, the outer tag of QinQ). */
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ outer tag still sent by some switches. */
export const ETHERTYPE_QINQ_LEGACY = 0x9100;

/** Destination MAC (6), source MAC (6), type (2). */
const ETHERNET_HEADER_LEN = 14;
/** TPID (2), TCI (2); the next type follows. */
const VLAN_TAG_LEN = 4;
/** Type field values below this are 802.3 lengths (LLC frames), not ethertypes. */
const ETHERTYPE_MIN = 0x0600;

/** True for a TPID that starts a VLAN tag. */
export function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_LEGACY;
}

/**
 * Walk VLAN tags at `offset` (the first one announced by `type`; none when `type` is not a VLAN
 * TPID; the frame ends at `end`), recording the outermost two VLAN ids. Leaves the payload
 * after the tags in `pkt.payloadOffset/Length` and returns the ethertype that follows them, or
 * -1 when a tag is cut off. Link decoders end with it, tagged or not.
 */
export function decodeVlanTags(buf: Buffer, offset: number, end: number, type: number, pkt: Packet, anomalies: AnomalyCounter): number {
  let o = offset;
  let t = type;
  while (isVlanTpid(t)) {
    if (o + VLAN_TAG_LEN > end) {
      anomalies.add('truncated_vlan_tag', pkt.frame);
      return -1;
    }
    const vid = ((buf[o]! << 8) | buf[o + 1]!) & 0x0fff;
    if (pkt.vlanOuter < 0) pkt.vlanOuter = vid;
    else if (pkt.vlanInner < 0) pkt.vlanInner = vid;
    t = (buf[o + 2]! << 8) | buf[o + 3]!;
    o += VLAN_TAG_LEN;
  }
  pkt.payloadOffset = o;
  pkt.payloadLength = end - o;
  pkt.wirePayloadLength = end - o;
  return t;
}

/** Ethernet II link decoder (LINKTYPE_ETHERNET): returns the ethertype after any VLAN tags. */
export function decodeEthernet(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const s = pkt.payloadOffset;
  const len = pkt.payloadLength;
  if (len < ETHERNET_HEADER_LEN) {
    anomalies.add('truncated_ethernet_header', pkt.frame);
    return -1;
  }
  const type = (buf[s + 12]! << 8) | buf[s + 13]!;
  if (type < ETHERTYPE_MIN) {
    // 802.3 length + LLC (spanning tree, CDP): not carrying IP the way we decode.
    pkt.etherType = 0;
    return -1;
  }
  return decodeVlanTags(buf, s + ETHERNET_HEADER_LEN, s + len, type, pkt, anomalies);
}
