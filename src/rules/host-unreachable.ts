import { formatAddress, type Packet } from '../decode/packet.js';
import { communityIdOfIcmp } from '../model/community-id.js';
import { codesFor } from './codes.js';
import { humanDuration, round3, type Rule } from './engine.js';
import { BoundedMap, hostKey } from './probe-shape.js';

/**
 * Unanswered requests that make a verdict: Linux asks mcast_solicit (3) times, 1 s apart, before
 * it fails the connect(); Windows and macOS ask 3 to 5 times. One unanswered request is a
 * probe, an address going away, or the capture's edge.
 */
const MIN_UNANSWERED = 2;
/** Capture seconds of silence after the last request before a target is judged (Linux gives up 1 s after its third). */
const GIVE_UP_AFTER = 3;
/** Targets followed at once. */
const MAX_TARGETS = 1024;
/**
 * Addresses one asker may leave unanswered before its requests are not one application's
 * connection: a sweep (arp-scan, nmap -sn), or a router or server resolving the addresses of
 * clients that left (stale routes, DHCP checks). Their addresses get no finding each.
 */
const SWEEP_TARGETS = 3;
/** Frames cited per finding at most. */
const MAX_FRAMES = 8;

/** Requests for one address on the local link. */
interface NeighbourRequests {
  kind: 'arp' | 'ndp';
  /** The target as probe-shape's hostKey gives it for IP packets. */
  key: number | string;
  asker: string;
  target: string;
  /** NDP: where the first solicitation went (the target's solicited-node multicast address, or the target); null for ARP. */
  solicitedAt: string | null;
  requests: number;
  frames: number[];
  first: [number, number];
  last: [number, number];
  firstTime: number;
  lastTime: number;
  answered: boolean;
  reported: boolean;
}

/** IPv6 address of the target in a neighbour solicitation or advertisement (RFC 4861 §4.3, §4.4), or null. */
function ndpTarget(p: Packet): string | null {
  // The 8-byte ICMPv6 header (type, code, checksum, reserved or flags) is behind payloadOffset.
  const o = p.payloadOffset;
  if (p.payloadLength < 16) return null;
  const words = new Uint32Array(8);
  for (let i = 0; i < 4; i++) words[i] = p.buf.readUInt32BE(o + 4 * i);
  return formatAddress(6, words, 0);
}

function ipv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * `host-unreachable`: ARP requests (IPv6: neighbour solicitations) for an address on the local
 * link that nobody answers, so the sender never sends the packet it meant to: connect() fails
 * with "No route to host".
 */
export const hostUnreachable: Rule = {
  meta: {
    id: 'host-unreachable',
    description: 'ARP requests (IPv6: neighbour solicitations) for an address on the local link that nobody answers: the connection fails with "No route to host" before any packet of it is sent.',
    severity: 'error',
    onTheWire: `A host asks "who has" an address of its own subnet (ARP request, or an ICMPv6 neighbour solicitation for IPv6) and gets no reply; it asks again about a second apart (Linux three times, net.ipv4.neigh.*.mcast_solicit), then gives up: the application's connect() or send fails after about 3 s with EHOSTUNREACH, and no SYN or datagram of it is ever on the wire. Reported once at least ${MIN_UNANSWERED} requests for one address went unanswered for ${GIVE_UP_AFTER} s. A target heard in the capture, or sent a packet, resolved. A host asking for more than ${SWEEP_TARGETS} addresses that nobody holds is sweeping the subnet (arp-scan, nmap -sn) or is a router resolving clients that left: its addresses get no finding.`,
    codes: codesFor('host-unreachable'),
    causes: [
      'The target host is down, asleep or unplugged, or its network interface is disabled.',
      'The address is not in use (wrong address in the configuration, a DHCP lease that moved, a stale DNS record).',
      'The target is on another VLAN or subnet than its address says (wrong netmask on one side, a switch port in the wrong VLAN).',
      'A host firewall or switch security (dynamic ARP inspection, port security) drops the ARP requests or replies.',
    ],
    checks: [
      'Check that the target is up and holds the address (on the target: ip addr, ipconfig).',
      'Compare both hosts\' subnet masks and VLANs: the sender believes the target is on its own link.',
      'From the sender: ip neigh show (Linux), arp -a (Windows, macOS): the entry is FAILED or incomplete.',
      'Check switch security features (DAI, port security) and host firewalls that filter ARP or ICMPv6.',
    ],
    gist: 'ARP or neighbour solicitations never answered',
    signatures: [{ signature: 'host-unreachable', meaning: 'ARP requests (IPv6: neighbour solicitations) for a local address, never answered: no packet is sent at all' }],
    differsFrom: 'connect-timeout is SYNs sent and never answered: the address resolved (or the router took the packet). Here no SYN is sent at all. An ICMP host unreachable from a router (destination-unreachable, icmp-unreachable) is the same failure seen from the router\'s side, when the target is on a remote subnet.',
  },
  create(ctx) {
    const targets = new BoundedMap<string, NeighbourRequests>(MAX_TARGETS, (t) => {
      judge(t);
      pending.delete(t.key);
    });
    /** Targets not answered yet, by host key: an IP packet from one (or to one) shows it resolved. */
    const pending = new Map<number | string, NeighbourRequests>();
    /** Unanswered addresses per asker, to tell a sweep from connections. */
    const unansweredByAsker = new BoundedMap<string, number>(MAX_TARGETS);
    let nextCheck = -Infinity;

    function judge(t: NeighbourRequests): void {
      if (t.reported || t.answered || t.requests < MIN_UNANSWERED) return;
      if ((unansweredByAsker.peek(t.asker) ?? 0) > SWEEP_TARGETS) return;
      t.reported = true;
      const span = t.lastTime - t.firstTime;
      const ask = t.kind === 'arp' ? 'ARP requests' : 'neighbour solicitations';
      // ARP is below IP: no Community ID. A solicitation's is its ICMPv6 flow's (type 135, paired with 136).
      const communityId = t.solicitedAt !== null ? communityIdOfIcmp(t.asker, t.solicitedAt, 135, 0) : null;
      ctx.reportCapture({
        protocol: t.kind === 'arp' ? 'arp' : 'icmp',
        client: { address: t.asker, port: -1 },
        server: { address: t.target, port: -1 },
        stream: -1,
        frames: t.frames,
        start: t.first,
        end: t.last,
        summary: `${t.asker} asked ${t.requests} times in ${humanDuration(span)} who has ${t.target} (${ask}) and nobody answered: ${t.target} is not on the link, so whatever ${t.asker} meant to send there was never sent, and its connect() or send failed with "No route to host".`,
        details: { requests: t.requests, askedOverSeconds: round3(span), via: t.kind === 'arp' ? 'ARP' : 'NDP' },
        filter: t.kind === 'arp' ? `arp.dst.proto_ipv4 == ${t.target}` : `icmpv6.nd.ns.target_address == ${t.target} || icmpv6.nd.na.target_address == ${t.target}`,
        ...(communityId !== null ? { communityId } : {}),
      });
    }

    /** Judge targets whose last request is GIVE_UP_AFTER seconds old, at most once a second. */
    function judgeQuiet(now: number): void {
      if (now < nextCheck) return;
      nextCheck = now + 1;
      for (const t of targets.values()) if (!t.reported && !t.answered && t.lastTime + GIVE_UP_AFTER < now) judge(t);
    }

    function request(kind: 'arp' | 'ndp', asker: string, target: string, targetKey: number | string, p: Packet): void {
      const key = `${kind}|${target}`;
      let t = targets.touch(key);
      const at: [number, number] = [p.tsSec, p.tsNsec];
      if (t === undefined || t.reported || t.answered) {
        t = { kind, key: targetKey, asker, target, solicitedAt: kind === 'ndp' ? formatAddress(6, p.addr, 4) : null, requests: 0, frames: [], first: at, last: at, firstTime: p.time, lastTime: p.time, answered: false, reported: false };
        targets.set(key, t);
        pending.set(targetKey, t);
        unansweredByAsker.set(asker, (unansweredByAsker.peek(asker) ?? 0) + 1);
      }
      t.requests++;
      t.last = at;
      t.lastTime = p.time;
      if (t.frames.length < MAX_FRAMES) t.frames.push(p.frame);
    }

    function answer(kind: 'arp' | 'ndp', target: string): void {
      const t = targets.peek(`${kind}|${target}`);
      if (t !== undefined) answered(t);
    }

    function answered(t: NeighbourRequests): void {
      if (t.answered) return;
      t.answered = true;
      pending.delete(t.key);
      const n = unansweredByAsker.peek(t.asker);
      if (n !== undefined) unansweredByAsker.set(t.asker, Math.max(0, n - 1));
    }

    return {
      onStrayPacket(p) {
        judgeQuiet(p.time);
        const arp = p.arp;
        if (arp !== null) {
          // Gratuitous ARP and probes (RFC 5227: sender 0.0.0.0) ask for nobody else.
          if (arp.senderIp === 0 || arp.senderIp === arp.targetIp) return;
          if (arp.operation === 1) request('arp', ipv4(arp.senderIp), ipv4(arp.targetIp), arp.targetIp | 0, p);
          else if (arp.operation === 2) answer('arp', ipv4(arp.senderIp));
          return;
        }
        if (p.l4 !== 58 || (p.icmpType !== 135 && p.icmpType !== 136)) return;
        const target = ndpTarget(p);
        if (target === null) return;
        const o = p.payloadOffset;
        const targetKey = `${p.buf.readUInt32BE(o)}.${p.buf.readUInt32BE(o + 4)}.${p.buf.readUInt32BE(o + 8)}.${p.buf.readUInt32BE(o + 12)}`;
        if (p.icmpType === 136) {
          answer('ndp', target);
          return;
        }
        // Duplicate address detection (RFC 4862 §5.4.2) solicits from the unspecified address.
        const asker = formatAddress(6, p.addr, 0);
        if (asker === '::') return;
        request('ndp', asker, target, targetKey, p);
      },
      onIpPacket(p) {
        if (pending.size === 0) return;
        // The target was heard, or a packet went to it: its address resolved (the answer may
        // simply not be in the capture).
        const from = pending.get(hostKey(p, 0));
        if (from !== undefined) answered(from);
        // Neighbour solicitations go to the target's solicited-node address, not to the target.
        const to = pending.get(hostKey(p, 4));
        if (to !== undefined) answered(to);
      },
      onCaptureEnd() {
        for (const t of targets.values()) {
          // At the end, a target still being asked for is judged only if the asker had time to give up.
          if (t.lastTime + 1 <= ctx.now()) judge(t);
        }
      },
    };
  },
};
