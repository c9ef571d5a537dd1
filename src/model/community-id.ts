/**
 * Community ID v1: the flow hash that Zeek, Suricata, Arkime, Elastic and Wireshark print for a
 * conversation, so a finding can be joined with their records by one string.
 *
 * Ref: https://github.com/corelight/community-id-spec (README "Pseudo code" and "Technical
 * details"; community-id.py for the ICMP port equivalents, taken from Zeek's ICMP analyzer).
 */
import { hash } from 'node:crypto';

/** IP protocol numbers the spec gives port semantics to. */
export const IP_PROTO = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 } as const;

/** Bytes of an address are compared as unsigned big-endian numbers: memcmp on equal lengths. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Community ID v1 of a flow given as one packet's tuple (either direction gives the same ID).
 * `saddr`/`daddr` are 4 or 16 bytes in network order; ports are null for protocols without ports.
 * `oneWay` keeps the given order (unidirectional ICMP messages, see {@link communityIdIcmp}).
 */
export function communityIdV1(proto: number, saddr: Uint8Array, daddr: Uint8Array, sport: number | null, dport: number | null, seed = 0, oneWay = false): string {
  // "Flip the endpoints as needed so the smaller IP:port tuple comes first. If the IP addresses
  // are equal, the ports decide."
  const order = compareBytes(saddr, daddr);
  const flip = !oneWay && (order > 0 || (order === 0 && sport !== null && dport !== null && sport > dport));
  const [a, b] = flip ? [daddr, saddr] : [saddr, daddr];
  const [pa, pb] = flip ? [dport, sport] : [sport, dport];
  const hasPorts = pa !== null && pb !== null;
  // seed (2) . saddr . daddr . proto (1) . 0 (1) [. sport (2) . dport (2)], all in network order.
  const buf = Buffer.alloc(2 + a.length + b.length + 2 + (hasPorts ? 4 : 0));
  let at = buf.writeUInt16BE(seed & 0xffff, 0);
  buf.set(a, at);
  at += a.length;
  buf.set(b, at);
  at += b.length;
  at = buf.writeUInt8(proto & 0xff, at);
  at = buf.writeUInt8(0, at);
  if (hasPorts) {
    at = buf.writeUInt16BE(pa & 0xffff, at);
    buf.writeUInt16BE(pb & 0xffff, at);
  }
  // crypto.hash: the one-shot digest, a third of createHash's cost per call (a finding or a listed conversation each).
  return `1:${hash('sha1', buf, 'base64')}`;
}

/** Request/reply pairs as a map from each type to the other. */
function counterparts(pairs: ReadonlyArray<readonly [number, number]>): ReadonlyMap<number, number> {
  return new Map(pairs.flatMap(([a, b]) => [[a, b] as const, [b, a] as const]));
}

/**
 * ICMP message types answered by a counterpart type (Zeek's ICMP4_counterpart); any other type is
 * one-way: echo, timestamp, information, router solicitation/advertisement, address mask.
 */
const ICMP4_COUNTERPART = counterparts([[8, 0], [13, 14], [15, 16], [10, 9], [17, 18]]);

/**
 * ICMPv6 message types answered by a counterpart type (Zeek's ICMP6_counterpart): echo, router and
 * neighbour solicitation/advertisement, multicast listener query/report, node information
 * ("who are you"), home agent address discovery.
 */
const ICMP6_COUNTERPART = counterparts([[128, 129], [133, 134], [135, 136], [130, 131], [139, 140], [144, 145]]);

/**
 * The port equivalents of an ICMP or ICMPv6 message: a request/reply type maps to (type,
 * counterpart type) and hashes like a two-way flow; any other type maps to (type, code) and is
 * one-way (kept in the packet's direction).
 */
export function icmpPortEquivalents(v6: boolean, type: number, code: number): { sport: number; dport: number; oneWay: boolean } {
  const counterpart = (v6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART).get(type);
  return counterpart === undefined ? { sport: type, dport: code, oneWay: true } : { sport: type, dport: counterpart, oneWay: false };
}

/** Community ID v1 of an ICMP (`v6` false) or ICMPv6 message from `saddr` to `daddr`. */
export function communityIdIcmp(v6: boolean, saddr: Uint8Array, daddr: Uint8Array, type: number, code: number, seed = 0): string {
  const { sport, dport, oneWay } = icmpPortEquivalents(v6, type, code);
  return communityIdV1(v6 ? IP_PROTO.icmpv6 : IP_PROTO.icmp, saddr, daddr, sport, dport, seed, oneWay);
}

/**
 * The bytes of a textual IPv4 or IPv6 address (RFC 4291 §2.2 forms, including "::" and a trailing
 * dotted quad), or null when it is neither.
 */
export function addressBytes(text: string): Uint8Array | null {
  const v4 = ipv4Bytes(text);
  if (v4) return v4;
  if (!text.includes(':') || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (i === fields.length - 1 && f.includes('.')) {
        const q = ipv4Bytes(f);
        if (!q) return null;
        out.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(f)) out.push(parseInt(f, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >>> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function ipv4Bytes(text: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? Uint8Array.from(octets) : null;
}

/**
 * Community ID v1 of one ICMP message (ICMPv6 between IPv6 addresses) from `source` to
 * `destination`, by its type and code, as Zeek, Suricata and Wireshark give the message: an
 * error (destination unreachable) is a one-way flow of its own, from the router that sent it;
 * a solicitation is paired with its advertisement. Null when an address does not parse.
 */
export function communityIdOfIcmp(source: string, destination: string, type: number, code: number, seed = 0): string | null {
  const x = addressBytes(source);
  const y = addressBytes(destination);
  if (!x || !y || x.length !== y.length) return null;
  return communityIdIcmp(x.length === 16, x, y, type, code, seed);
}

/** Community ID v1 of a TCP or UDP conversation between two textual endpoints (null when an address does not parse). */
export function communityIdOf(protocol: 'tcp' | 'udp', a: { address: string; port: number }, b: { address: string; port: number }, seed = 0): string | null {
  const x = addressBytes(a.address);
  const y = addressBytes(b.address);
  if (!x || !y || x.length !== y.length) return null;
  return communityIdV1(IP_PROTO[protocol], x, y, a.port, b.port, seed);
}
