/**
 * Which decoder handles the next layer: link type → link decoder, ethertype → network
 * decoder, IP protocol → transport decoder, UDP port → application decoder. Decoders never
 * choose their successor; they only report the number that selects it.
 *
 * The layer contract: each decoder reads its header at `pkt.payloadOffset`, with
 * `pkt.payloadLength` captured bytes (and `pkt.wirePayloadLength` announced ones) available,
 * and on success leaves its own payload in those same fields for the next layer.
 */
import { decodeArp, ETHERTYPE_ARP } from './arp.js';
import { decodeDns } from './dns.js';
import { decodeEthernet, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import { decodeIcmpv4, decodeIcmpv6 } from './icmp.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_PPP,
  LINKTYPE_PPP_HDLC,
  LINKTYPE_RAW,
  LINKTYPE_RAW_BSD,
  LINKTYPE_RAW_OPENBSD,
} from './link-types.js';
import { decodeMplsStack, ETHERTYPE_MPLS, ETHERTYPE_MPLS_MULTICAST } from './mpls.js';
import { decodeLoop, decodeNull } from './null.js';
import type { AnomalyCounter, Packet } from './packet.js';
import { decodePpp } from './ppp.js';
import { decodeRawIp } from './raw-ip.js';
import { decodeSll } from './sll.js';
import { decodeSll2 } from './sll2.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';

/** Decodes the link header at byte 0; returns the ethertype of the payload, or -1. */
export type LinkDecoder = (buf: Buffer, pkt: Packet, anomalies: AnomalyCounter) => number;
/** Decodes an IP header; returns the protocol of a transport header to decode next, or -1. */
export type NetworkDecoder = (buf: Buffer, pkt: Packet, anomalies: AnomalyCounter) => number;
/** Decodes a transport header (TCP, UDP, ICMP). */
export type TransportDecoder = (buf: Buffer, pkt: Packet, anomalies: AnomalyCounter) => void;
/** Decodes an application message in the transport payload. */
export type ApplicationDecoder = (buf: Buffer, pkt: Packet, anomalies: AnomalyCounter) => void;

/** Link types are small numbers: an array indexed by LINKTYPE_*. */
const linkDecoders: Array<LinkDecoder | undefined> = [];
linkDecoders[LINKTYPE_NULL] = decodeNull;
linkDecoders[LINKTYPE_ETHERNET] = decodeEthernet;
linkDecoders[LINKTYPE_PPP] = decodePpp;
linkDecoders[LINKTYPE_RAW_BSD] = decodeRawIp;
linkDecoders[LINKTYPE_RAW_OPENBSD] = decodeRawIp;
linkDecoders[LINKTYPE_PPP_HDLC] = decodePpp;
linkDecoders[LINKTYPE_RAW] = decodeRawIp;
linkDecoders[LINKTYPE_LOOP] = decodeLoop;
linkDecoders[LINKTYPE_LINUX_SLL] = decodeSll;
linkDecoders[LINKTYPE_IPV4] = decodeRawIp;
linkDecoders[LINKTYPE_IPV6] = decodeRawIp;
linkDecoders[LINKTYPE_LINUX_SLL2] = decodeSll2;

/**
 * Shims between the link and the network layer (MPLS label stacks): given the ethertype the link
 * announced, they step over their header and return the ethertype of what follows.
 */
const shimDecoders = new Map<number, LinkDecoder>([
  [ETHERTYPE_MPLS, decodeMplsStack],
  [ETHERTYPE_MPLS_MULTICAST, decodeMplsStack],
]);

const networkDecoders = new Map<number, NetworkDecoder>([
  [ETHERTYPE_IPV4, decodeIpv4],
  [ETHERTYPE_IPV6, decodeIpv6],
  [ETHERTYPE_ARP, decodeArp],
]);

/** IP protocol numbers are bytes: an array of 256. */
const transportDecoders: Array<TransportDecoder | undefined> = new Array<TransportDecoder | undefined>(256).fill(undefined);
transportDecoders[1] = decodeIcmpv4;
transportDecoders[6] = decodeTcp;
transportDecoders[17] = decodeUdp;
transportDecoders[58] = decodeIcmpv6;

const udpPortDecoders = new Map<number, ApplicationDecoder>([
  [53, decodeDns],
  // Multicast DNS (RFC 6762) uses the DNS message format.
  [5353, decodeDns],
]);

/** The decoder for a link type, or undefined when it is not supported. */
export function linkDecoderFor(linkType: number): LinkDecoder | undefined {
  return linkDecoders[linkType];
}

/** The shim decoder for an ethertype (MPLS), or undefined. */
export function shimDecoderFor(etherType: number): LinkDecoder | undefined {
  return shimDecoders.get(etherType);
}

/** The decoder for an ethertype (after VLAN tags), or undefined. */
export function networkDecoderFor(etherType: number): NetworkDecoder | undefined {
  return networkDecoders.get(etherType);
}

/** The decoder for an IP protocol number (after IPv6 extension headers), or undefined. */
export function transportDecoderFor(protocol: number): TransportDecoder | undefined {
  return transportDecoders[protocol];
}

/** The decoder for a UDP payload, chosen by either port, or undefined. */
export function udpApplicationDecoderFor(srcPort: number, dstPort: number): ApplicationDecoder | undefined {
  return udpPortDecoders.get(dstPort) ?? udpPortDecoders.get(srcPort);
}
