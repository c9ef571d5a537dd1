/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2).
 * Ref: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
 *   0 protocol type (2), 2 reserved (2), 4 interface index (4), 8 ARPHRD type (2),
 *   10 packet type (1), 11 link-layer address length (1), 12 link-layer address (8).
 */
import { decodeVlanTags } from './ethernet.js';
import type { AnomalyCounter, Packet } from './packet.js';
import { ARPHRD_NETLINK } from './sll.js';

const SLL2_HEADER_LEN = 20;

/** SLL2 link decoder: returns the ethertype of the payload (after VLAN tags, if any). */
export function decodeSll2(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const s = pkt.payloadOffset;
  const len = pkt.payloadLength;
  if (len < SLL2_HEADER_LEN) {
    anomalies.add('truncated_sll2_header', pkt.frame);
    return -1;
  }
  const hatype = (buf[s + 8]! << 8) | buf[s + 9]!;
  if (hatype === ARPHRD_NETLINK) return -1;
  const type = (buf[s]! << 8) | buf[s + 1]!;
  return decodeVlanTags(buf, s + SLL2_HEADER_LEN, s + len, type, pkt, anomalies);
}
