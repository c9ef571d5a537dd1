/**
 * The anomalies the decoders count, by name. A decoder never throws: odd or broken bytes
 * become one of these names, counted per capture with the first frame it was seen in.
 */
export const DECODE_ANOMALIES = {
  truncated_ethernet_header: 'Frame shorter than the 14-byte Ethernet header',
  truncated_vlan_tag: 'An 802.1Q/802.1ad tag announced but cut off',
  truncated_sll_header: 'Frame shorter than the 16-byte Linux cooked (SLL) header',
  truncated_sll2_header: 'Frame shorter than the 20-byte Linux cooked v2 (SLL2) header',
  truncated_loopback_header: 'Frame shorter than the 4-byte BSD loopback header',
  truncated_ppp_header: 'Frame too short for the PPP address/control/protocol fields',
  truncated_mpls_label: 'MPLS label stack cut off before its bottom entry',
  mpls_stack_too_deep: 'More MPLS label stack entries than the decoder walks',
  bad_ip_version: 'IP version nibble does not match the protocol the link layer announced',
  truncated_ip_header: 'IP header cut off before its end',
  bad_ip_header_len: 'IPv4 header length (IHL) below 5 words',
  bad_ip_total_length: 'IPv4 total length smaller than the header itself',
  truncated_ipv6_ext_header: 'IPv6 extension header cut off before its end',
  ipv6_ext_chain_too_long: 'More IPv6 extension headers than the decoder walks',
  truncated_tcp_header: 'TCP header (with options) cut off before its end',
  bad_tcp_header_len: 'TCP data offset below 5 words',
  bad_tcp_option: 'TCP option with a bad length or running past the header (counted by callers of decodeTcpOptions)',
  truncated_udp_header: 'UDP header cut off before its 8 bytes',
  bad_udp_length: 'UDP length field below 8 or beyond the IP payload',
  truncated_icmp_header: 'ICMP/ICMPv6 message shorter than its 8-byte header',
  truncated_icmp_quote: 'ICMP error quoting less than an IP header of the offending packet',
  bad_icmp_quote: 'ICMP error quoting bytes that are not an IPv4 or IPv6 header',
  truncated_arp: 'ARP message shorter than the 28 bytes of IPv4 over Ethernet',
  truncated_dns_header: 'DNS message shorter than its 12-byte header',
  dns_compression_loop: 'DNS name compression pointers that lead back to a pointer already followed',
  dns_malformed: 'DNS question that cannot be read (bad label, name too long, cut off)',
} as const;

/** Name of an anomaly counted by the decoders. */
export type DecodeAnomaly = keyof typeof DECODE_ANOMALIES;
