/**
 * The decoded view of one frame. The decoder fills one reused `Packet` per frame (the hot
 * path allocates nothing per packet); every field is reset by `resetPacket`. Consumers copy
 * what they keep. Offsets point into `buf`, the frame's bytes.
 */

/** TCP flag bits, as in the TCP header's flags byte (plus the NS bit as 0x100). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** IP protocol numbers used by the decoders. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** The IP + transport header quoted inside an ICMP error (RFC 792, RFC 4443 §3). */
export interface QuotedPacket {
  /** 4 or 6; 0 when the quote was too short to hold an IP header. */
  ipVersion: number;
  /** Quoted source/destination address words, same layout as `Packet.addr`. */
  addr: Uint32Array;
  /** Transport protocol of the quoted packet. */
  protocol: number;
  /** Ports of the quoted TCP/UDP header; -1 when not present in the quote. */
  srcPort: number;
  dstPort: number;
  /** Quoted TCP sequence number (-1 when not present). */
  tcpSeq: number;
  /** Quoted TCP flags (-1 when not present: only the first 8 bytes are guaranteed). */
  tcpFlags: number;
}

/** DNS message header and first question (RFC 1035 §4.1). */
export interface DnsMessage {
  id: number;
  /** true for a response (QR bit). */
  response: boolean;
  opcode: number;
  /** RCODE: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED. */
  rcode: number;
  qdcount: number;
  ancount: number;
  /** First question name, dotted, without trailing dot ("" for the root); null if absent/broken. */
  qname: string | null;
  qtype: number;
  qclass: number;
}

/** An ARP message for IPv4 over Ethernet (RFC 826); addresses as big-endian uint32. */
export interface ArpMessage {
  /** 1 request ("who has"), 2 reply ("is at"). */
  operation: number;
  senderIp: number;
  targetIp: number;
  /** Sender hardware address, "02:00:0a:63:00:01". */
  senderMac: string;
}

/** The decoded packet. Address words: IPv4 uses word 3 only (words 0..2 are 0). */
export interface Packet {
  /** 1-based frame number. */
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** Seconds since the epoch as a double (microsecond-accurate; fine for intervals). */
  time: number;
  linkType: number;
  /** The frame's bytes (a view, valid only during the callback). */
  buf: Buffer;
  originalLength: number;

  /** Outer and inner 802.1Q VLAN ids, -1 when absent. */
  vlanOuter: number;
  vlanInner: number;

  /**
   * The ethertype the link layer announced (after VLAN tags and MPLS), 0 for an 802.3 LLC frame,
   * -1 when the link header was not decoded or names no type.
   */
  etherType: number;
  /** ARP (ethertype 0x0806) for IPv4 over Ethernet, or null. */
  arp: ArpMessage | null;

  /** 4, 6 or 0 (no IP layer decoded). */
  ipVersion: number;
  /** Offset of the IP header in `buf`. */
  ipOffset: number;
  /**
   * Source address in words 0..3, destination in words 4..7, each big-endian uint32.
   * IPv4: src in word 3, dst in word 7, other words 0.
   */
  addr: Uint32Array;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl: number;
  /** Transport protocol number (after IPv6 extension headers), -1 when unknown. */
  protocol: number;
  /** True for any IP fragment (MF set or offset non-zero). */
  isFragment: boolean;
  /** True for a non-first fragment: its payload is not a transport header. */
  isNonFirstFragment: boolean;

  /** Transport: which header was decoded: 0 none, 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. */
  l4: number;
  srcPort: number;
  dstPort: number;

  /** TCP fields (valid when l4 === 6). seq/ack are unsigned 32-bit numbers. */
  tcpSeq: number;
  tcpAck: number;
  tcpFlags: number;
  tcpWindow: number;
  /** Offset and length of the TCP options in `buf` (length 0 when none). */
  tcpOptionsOffset: number;
  tcpOptionsLength: number;

  /** Offset and length of the transport payload in `buf` (TCP/UDP data, ICMP body). */
  payloadOffset: number;
  payloadLength: number;
  /**
   * Payload length announced by the headers (IP total/payload length, UDP length). Equals
   * `payloadLength` unless the capture's snaplen cut the frame short; TCP sequence space
   * advances by this length, not by the captured one.
   */
  wirePayloadLength: number;

  /** ICMP / ICMPv6 type and code (valid when l4 is 1 or 58). */
  icmpType: number;
  icmpCode: number;
  /** The packet quoted by an ICMP error, or null when not an error or not decodable. */
  quoted: QuotedPacket | null;

  /** DNS message for UDP port 53 traffic, or null. */
  dns: DnsMessage | null;
}

/** Create an empty packet, to be reused across frames. */
export function createPacket(): Packet {
  return {
    frame: 0,
    tsSec: 0,
    tsNsec: 0,
    time: 0,
    linkType: 0,
    buf: Buffer.alloc(0),
    originalLength: 0,
    vlanOuter: -1,
    vlanInner: -1,
    etherType: -1,
    arp: null,
    ipVersion: 0,
    ipOffset: 0,
    addr: new Uint32Array(8),
    ttl: 0,
    protocol: -1,
    isFragment: false,
    isNonFirstFragment: false,
    l4: 0,
    srcPort: -1,
    dstPort: -1,
    tcpSeq: 0,
    tcpAck: 0,
    tcpFlags: 0,
    tcpWindow: 0,
    tcpOptionsOffset: 0,
    tcpOptionsLength: 0,
    payloadOffset: 0,
    payloadLength: 0,
    wirePayloadLength: 0,
    icmpType: -1,
    icmpCode: -1,
    quoted: null,
    dns: null,
  };
}

/** Clear every per-frame field (the address array is zeroed in place). */
export function resetPacket(p: Packet): void {
  p.vlanOuter = -1;
  p.vlanInner = -1;
  p.etherType = -1;
  p.arp = null;
  p.ipVersion = 0;
  p.ipOffset = 0;
  p.addr.fill(0);
  p.ttl = 0;
  p.protocol = -1;
  p.isFragment = false;
  p.isNonFirstFragment = false;
  p.l4 = 0;
  p.srcPort = -1;
  p.dstPort = -1;
  p.tcpSeq = 0;
  p.tcpAck = 0;
  p.tcpFlags = 0;
  p.tcpWindow = 0;
  p.tcpOptionsOffset = 0;
  p.tcpOptionsLength = 0;
  p.payloadOffset = 0;
  p.payloadLength = 0;
  p.wirePayloadLength = 0;
  p.icmpType = -1;
  p.icmpCode = -1;
  p.quoted = null;
  p.dns = null;
}

/** Counts named anomalies (snake_case) per capture, with the first frame each was seen in. */
export class AnomalyCounter {
  readonly counts = new Map<string, { count: number; firstFrame: number }>();

  /** Record one occurrence of `name` in `frame`. */
  add(name: string, frame: number): void {
    const entry = this.counts.get(name);
    if (entry) entry.count++;
    else this.counts.set(name, { count: 1, firstFrame: frame });
  }

  /** name → count, sorted by name (stable output). */
  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.counts.keys()].sort()) out[name] = this.counts.get(name)!.count;
    return out;
  }
}

/** Format address words as text: dotted IPv4 or RFC 5952 IPv6. `base` is 0 (src) or 4 (dst). */
export function formatAddress(version: number, addr: Uint32Array, base: number): string {
  if (version === 4) {
    const a = addr[base + 3]!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) {
    const w = addr[base + i]!;
    groups.push(w >>> 16, w & 0xffff);
  }
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const a = addr[base + 3]!;
    return `::ffff:${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
