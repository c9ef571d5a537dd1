/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL), as captured on the "any" interface.
 * Ref: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 *   0 packet type (2), 2 ARPHRD type (2), 4 link-layer address length (2),
 *   6 link-layer address (8, zero padded), 14 protocol type (2): an ethertype for IP.
 */
import { decodeVlanTags } from './ethernet.js';
import type { AnomalyCounter, Packet } from './packet.js';

const SLL_HEADER_LEN = 16;
/** ARPHRD_NETLINK: the protocol field holds a netlink family, not an ethertype. */
export const ARPHRD_NETLINK = 824;

/** SLL link decoder: returns the ethertype of the payload (after VLAN tags, if any). */
export function decodeSll(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): number {
  const s = pkt.payloadOffset;
  const len = pkt.payloadLength;
  if (len < SLL_HEADER_LEN) {
    anomalies.add('truncated_sll_header', pkt.frame);
    return -1;
  }
  const hatype = (buf[s + 2]! << 8) | buf[s + 3]!;
  if (hatype === ARPHRD_NETLINK) return -1;
  const type = (buf[s + 14]! << 8) | buf[s + 15]!;
  return decodeVlanTags(buf, s + SLL_HEADER_LEN, s + len, type, pkt, anomalies);
}
