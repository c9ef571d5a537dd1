import { formatAddress, type Packet } from '../decode/packet.js';
import { communityIdOfIcmp } from '../model/community-id.js';
import { icmpUnreachableCodes, icmpUnreachableName, pingUnreachableCodes } from './codes.js';
import { humanDuration, type Rule } from './engine.js';
import { BoundedMap } from './probe-shape.js';

/** Unreachables followed at once (one per pinger, target, reporter and code). */
const MAX_GROUPS = 256;
/** Frames cited per finding at most. */
const MAX_FRAMES = 16;
/** Distinct IP protocols answered as unreachable that make an IP protocol scan (nmap -sO tries all 256). */
export const PROTOCOL_SCAN = 10;
/** Capture seconds after its last error when a group is reported (ping sends one request a second). */
const GROUP_QUIET = 10;

/** Destination unreachables about one pinger's packets to one target, from one reporter, with one code. */
interface UnreachableGroup {
  ipVersion: 4 | 6;
  code: number;
  /** The quoted packet's protocol: 1 or 58 for an echo request, else what it was. */
  quotedProtocol: number;
  echo: boolean;
  /** The quoted protocols (more than one only for packets that are not pings). */
  protocols: Set<number>;
  sender: string;
  target: string;
  reporter: string;
  /** Where the first error went (the sender, unless an address was translated on the way). */
  errorTo: string;
  /** The first error's ICMP type (3, or 1 for ICMPv6): with `code`, its Community ID. */
  errorType: number;
  errors: number;
  frames: number[];
  first: [number, number];
  last: [number, number];
  lastTime: number;
  reported: boolean;
}

/** The ICMP type of the quoted packet when it is ICMP (read from the quote), or -1. */
function quotedIcmpType(p: Packet): number {
  const o = p.payloadOffset;
  const end = o + p.payloadLength;
  const q = p.quoted!;
  let at: number;
  if (q.ipVersion === 4) at = o + ((p.buf[o]! & 15) << 2);
  // The quoted IPv6 header's next header is ICMPv6 itself when there is no extension header.
  else if (q.ipVersion === 6 && p.buf[o + 6] === 58) at = o + 40;
  else return -1;
  return at < end ? p.buf[at]! : -1;
}

/** The endpoints, frames, times and Wireshark filter of a group's finding. */
function whereAndWhen(g: UnreachableGroup) {
  const field = g.ipVersion === 6 ? 'ipv6.addr' : 'ip.addr';
  return {
    protocol: 'icmp' as const,
    client: { address: g.sender, port: -1 },
    server: { address: g.target, port: -1 },
    stream: -1,
    frames: g.frames,
    start: g.first,
    end: g.last,
    // Wireshark's ip.addr also matches the header an ICMP error quotes.
    filter: `${g.ipVersion === 6 ? 'icmpv6' : 'icmp'} && ${field} == ${g.sender} && ${field} == ${g.target}`,
    // The error's own (a one-way ICMP flow from the reporter), as Zeek, Suricata and Wireshark give it.
    ...communityIdOf(g),
  };
}

/** The Community ID of a group's first error, when its addresses parse (they always do when decoded). */
function communityIdOf(g: UnreachableGroup): { communityId?: string } {
  const id = communityIdOfIcmp(g.reporter, g.errorTo, g.errorType, g.code);
  return id === null ? {} : { communityId: id };
}

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 58: 'ICMPv6', 132: 'SCTP' };

/**
 * `icmp-unreachable`: a destination unreachable about a packet of no TCP conversation or UDP
 * exchange, above all a ping's echo request: what ping prints, per OS.
 */
export const icmpUnreachable: Rule = {
  meta: {
    id: 'icmp-unreachable',
    description: 'A ping (or any packet outside a TCP conversation or UDP exchange) answered by an ICMP destination unreachable: what ping prints for it on each OS.',
    severity: 'error',
    onTheWire: 'An echo request (ICMP type 8, ICMPv6 128) answered not by an echo reply but by a destination unreachable (ICMP type 3, ICMPv6 type 1) that quotes it, sent by the target\'s last router (host unreachable: its ARP or neighbour discovery for the target went unanswered) or by a router without a route (net unreachable) or a firewall (prohibited). An unreachable quoting a packet of another protocol no conversation holds (GRE, ESP, a TCP or UDP header cut short) is reported the same way, at severity warning.',
    codes: pingUnreachableCodes(4, 1),
    causes: [
      'Host unreachable from the last router: the target is down, unplugged, or not on that subnet (its ARP or neighbour solicitation got no answer).',
      'Net unreachable: a router on the way has no route to the target\'s network (wrong address, missing route, VPN down).',
      'Administratively prohibited: a firewall on the way rejects the traffic with an ICMP error.',
    ],
    checks: [
      'Look at who sent the error (the reporter): the router nearest the target for host unreachable, a router on the way for net unreachable.',
      'Host unreachable: check that the target is up and on the subnet its address says (on the last router: arp -a, ip neigh show).',
      'Net unreachable: check the routing table of the reporter and of the routers before it (traceroute / tracert to the target).',
      'Prohibited: check the firewall rules of the reporter.',
    ],
    gist: 'a ping (or a packet of no conversation) answered by ICMP unreachable',
    differsFrom: 'An unreachable about a TCP SYN or a UDP datagram belongs to that conversation (destination-unreachable, udp-port-unreachable). An ARP request nobody answers on the sender\'s own subnet is host-unreachable: there the sender\'s own stack gives up, and nothing but ARP is on the wire. A ping with no answer at all ("Request timed out") is silence, not an error message.',
  },
  create(ctx) {
    const groups = new BoundedMap<string, UnreachableGroup>(MAX_GROUPS, (g) => report(g));
    /** The latest echo requests per sender and target, cited with the errors that answer them. */
    const requests = new BoundedMap<string, number[]>(MAX_GROUPS);
    let nextCheck = -Infinity;

    function report(g: UnreachableGroup): void {
      if (g.reported) return;
      g.reported = true;
      const name = icmpUnreachableName(g.ipVersion, g.code);
      if (!g.echo && g.protocols.size >= PROTOCOL_SCAN) {
        reportProtocolScan(g);
        return;
      }
      const codes = g.echo ? pingUnreachableCodes(g.ipVersion, g.code) : g.quotedProtocol === 6 || g.quotedProtocol === 17 ? icmpUnreachableCodes(g.ipVersion, g.code, g.quotedProtocol === 6 ? 'tcp' : 'udp') : [];
      const linux = codes.find((c) => c.os === 'linux');
      const what = g.echo ? 'ping' : `${PROTOCOL_NAMES[g.quotedProtocol] ?? `IP protocol ${g.quotedProtocol}`} packet`;
      const times = g.errors === 1 ? 'once' : `${g.errors} times`;
      const span = g.lastTime - (g.first[0] + g.first[1] / 1e9);
      ctx.reportCapture({
        ...whereAndWhen(g),
        ...(g.echo ? {} : { severity: 'warning' as const }),
        codes,
        summary: `${g.sender} → ${g.target}: ${g.echo ? 'echo request' : what} answered by ICMP ${name} from ${g.reporter} ${times}${g.errors > 1 ? ` over ${humanDuration(span)}` : ''}${g.echo && linux ? `: ping prints "${linux.message}"` : ''}.`,
        details: {
          icmpType: g.ipVersion === 6 ? 1 : 3,
          icmpCode: g.code,
          icmpName: name,
          reporter: g.reporter,
          errors: g.errors,
          aboutProtocol: PROTOCOL_NAMES[g.quotedProtocol] ?? g.quotedProtocol,
          echo: g.echo,
        },
      });
    }

    /** Many protocols answered unreachable: the sender is scanning which protocols the target speaks. */
    function reportProtocolScan(g: UnreachableGroup): void {
      ctx.reportCapture({
        ...whereAndWhen(g),
        severity: 'info',
        codes: [],
        summary: `${g.sender} → ${g.target}: ${g.protocols.size} IP protocols answered by ICMP ${icmpUnreachableName(g.ipVersion, g.code)} from ${g.reporter} (${g.errors} errors): an IP protocol scan (nmap -sO), not an application's failure.`,
        details: { icmpType: g.ipVersion === 6 ? 1 : 3, icmpCode: g.code, icmpName: icmpUnreachableName(g.ipVersion, g.code), reporter: g.reporter, errors: g.errors, protocols: g.protocols.size, echo: false },
      });
    }

    /** Report groups quiet for GROUP_QUIET seconds, at most once a second. */
    function reportQuiet(now: number): void {
      if (now < nextCheck) return;
      nextCheck = now + 1;
      for (const g of groups.values()) if (!g.reported && g.lastTime + GROUP_QUIET < now) report(g);
    }

    return {
      onStrayPacket(p) {
        if (p.l4 !== 1 && p.l4 !== 58) return;
        reportQuiet(p.time);
        if (p.icmpType === (p.l4 === 1 ? 8 : 128)) {
          const key = `${formatAddress(p.ipVersion, p.addr, 0)}|${formatAddress(p.ipVersion, p.addr, 4)}`;
          const frames = requests.touch(key) ?? [];
          if (frames.length >= MAX_FRAMES / 2) frames.shift();
          frames.push(p.frame);
          requests.set(key, frames);
          return;
        }
        const unreachable = p.l4 === 1 ? p.icmpType === 3 : p.icmpType === 1;
        const q = p.quoted;
        if (!unreachable || q === null || q.ipVersion === 0) return;
        const version = q.ipVersion as 4 | 6;
        const quotedType = q.protocol === 1 || q.protocol === 58 ? quotedIcmpType(p) : -1;
        const echo = quotedType === (q.protocol === 1 ? 8 : 128);
        // An error about an ICMP error or reply is nobody's failure (RFC 1122 §3.2.2 forbids it anyway).
        if ((q.protocol === 1 || q.protocol === 58) && !echo) return;
        const sender = formatAddress(version, q.addr, 0);
        const target = formatAddress(version, q.addr, 4);
        const reporter = formatAddress(p.ipVersion, p.addr, 0);
        const key = `${sender}|${target}|${reporter}|${p.icmpCode}|${echo ? 'echo' : 'other'}`;
        let g = groups.touch(key);
        const at: [number, number] = [p.tsSec, p.tsNsec];
        if (g === undefined || g.reported) {
          g = { ipVersion: version, code: p.icmpCode, quotedProtocol: q.protocol, echo, protocols: new Set(), sender, target, reporter, errorTo: formatAddress(p.ipVersion, p.addr, 4), errorType: p.icmpType, errors: 0, frames: [], first: at, last: at, lastTime: p.time, reported: false };
          groups.set(key, g);
        }
        g.errors++;
        g.protocols.add(q.protocol);
        g.last = at;
        g.lastTime = p.time;
        if (g.frames.length < MAX_FRAMES) {
          // The request this error answers, when the capture holds it, then the error.
          const asked = echo ? requests.peek(`${sender}|${target}`) : undefined;
          let request = -1;
          for (const f of asked ?? []) if (f < p.frame && !g.frames.includes(f)) request = f;
          if (request >= 0) g.frames.push(request);
          g.frames.push(p.frame);
        }
      },
      onCaptureEnd() {
        for (const g of groups.values()) report(g);
      },
    };
  },
};
