import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import type { IcmpLink, TcpConversation, TcpEndpoint } from '../flow/tcp.js';
import { seriesAtEnd, seriesListeners, stuckSeries, type ConversationSeries, type RetransmissionSeries } from './retransmission-series.js';

/** At least this many retransmissions of the large segment (a loss or two is not a black hole). */
export const MIN_BLACKHOLE_RETRANSMISSIONS = 2;
/** A segment this large or more can be lost to a smaller MTU on the path; below it, no link of today is smaller (IPv4's 576-byte minimum datagram). */
export const MIN_FULL_SIZE = 536;

/** ICMP "fragmentation needed" (IPv4 type 3 code 4, RFC 1191) or ICMPv6 "packet too big" (type 2, RFC 8201). */
function isTooBig(l: IcmpLink): boolean {
  return l.ipVersion === 4 ? l.type === 3 && l.code === 4 : l.type === 2;
}

interface Blackhole {
  series: RetransmissionSeries;
  sender: TcpEndpoint;
  receiver: TcpEndpoint;
  senderName: 'client' | 'server';
  icmp: IcmpLink[];
}

function findBlackhole(c: TcpConversation, state: ConversationSeries): Blackhole | null {
  for (const [sender, receiver, senderName, series] of [
    [c.server, c.client, 'server', state.server],
    [c.client, c.server, 'client', state.client],
  ] as const) {
    const s = stuckSeries(series);
    // Not compared with the largest segment sent: a capture on the sender's host records its
    // TSO/GSO super-segments (5000 bytes in one frame) and then retransmissions of one MSS.
    if (!s || s.retransmissions < MIN_BLACKHOLE_RETRANSMISSIONS || s.length < MIN_FULL_SIZE) continue;
    const icmp = c.icmp.filter((l) => isTooBig(l) && l.quotedFromClient === (senderName === 'client'));
    // The path carried smaller segments of this sender, and the receiver was alive after the large
    // one went out (it acknowledged or selectively acknowledged what came after it).
    const smallerGotThrough = sender.largestAcknowledgedSegment > 0 && sender.largestAcknowledgedSegment < s.length;
    const receiverAlive = s.sends.length > 0 && receiver.lastTime > s.sends[0]!.time;
    if (icmp.length > 0 || (smallerGotThrough && receiverAlive)) return { series: s, sender, receiver, senderName, icmp };
  }
  return null;
}

/** `pmtu-blackhole`: full-size segments never get through while smaller ones do. */
export const pmtuBlackhole: Rule = {
  meta: {
    id: 'pmtu-blackhole',
    description: 'A connection that works for small segments hangs on the first full-size one: the path carries less than the sender\'s segment size and the sender never learns it (path MTU black hole).',
    severity: 'error',
    onTheWire: 'The handshake and the small segments pass (a request, headers) and are acknowledged; the first full-size segment is retransmitted with growing intervals and never acknowledged, while the receiver still acknowledges or selectively acknowledges smaller segments sent after it. Or a router sends ICMP fragmentation-needed (ICMPv6 packet-too-big) for the large segment and the sender keeps sending the same size. The sender finally gives up.',
    codes: codesFor('connection-aborted'),
    causes: [
      'A link on the path has a smaller MTU (VPN or IPsec tunnel, PPPoE, GRE, VXLAN, a cloud overlay) and the ICMP fragmentation-needed it sends is dropped by a firewall, so path MTU discovery never works.',
      'A middlebox drops packets with the DF bit set that are too large without answering.',
      'Mismatched MTUs on one link (jumbo frames on one side only).',
    ],
    checks: [
      'Find the path MTU: ping -M do -s 1472 HOST (Linux), ping -f -l 1472 HOST (Windows), then smaller sizes until one passes; the finding gives the size that failed and the largest that got through.',
      'Allow ICMP type 3 code 4 (and ICMPv6 type 2) through the firewalls on the path; RFC 4890 lists what ICMPv6 must pass.',
      'Clamp the MSS on the tunnel\'s router (iptables -t mangle … -j TCPMSS --clamp-mss-to-pmtu) or lower the interface MTU.',
      'On Linux, net.ipv4.tcp_mtu_probing=1 lets the sender find the size by itself when ICMP never comes.',
    ],
    gist: 'full-size segments lost while smaller ones pass',
    differsFrom: 'connection-aborted is any data retransmitted into silence (the peer or its path gone); here the path still carries small segments and only full-size ones vanish, or an ICMP error names the size. The application sees the same timeout (Windows 10053, Linux and macOS ETIMEDOUT), or a hang where it waits for the reply.',
  },
  create(ctx) {
    return {
      ...seriesListeners(ctx),
      onTcpConversationEnd(c) {
        const state = seriesAtEnd(ctx, c);
        if (state === undefined) return;
        const b = findBlackhole(c, state);
        if (!b) return;
        const s = b.series;
        const times = s.sends.map((x) => x.time);
        const last = times[times.length - 1]!;
        const passed = b.sender.largestAcknowledgedSegment;
        const icmpText = b.icmp.length > 0 ? `; ${b.icmp.length} ICMP ${b.icmp[0]!.ipVersion === 4 ? 'fragmentation-needed' : 'packet-too-big'} error${b.icmp.length > 1 ? 's' : ''} from ${b.icmp[0]!.reporter} did not make it shrink` : '';
        const rstAfter = b.sender.rstFrame >= 0 && b.sender.rstTime >= last;
        ctx.report({
          seenBy: b.senderName,
          frames: [...s.sends.map((x) => x.frame), ...b.icmp.map((l) => l.frame), ...(rstAfter ? [b.sender.rstFrame] : [])],
          summary: `${hostPort(c.client)} ↔ ${hostPort(c.server)}: the ${b.senderName}'s ${s.length}-byte segment was sent ${s.retransmissions + 1} times over ${humanDuration(last - times[0]!)} and never acknowledged${passed > 0 ? `, while segments of ${passed} bytes got through` : ''}${icmpText}: a path MTU black hole.`,
          details: {
            sender: b.senderName,
            sizes: { failed: s.length, largestAcknowledged: passed },
            retransmissions: s.retransmissions,
            intervals: times.slice(1).map((t, i) => round3(t - times[i]!)),
            icmpTooBig: b.icmp.map((l) => ({ frame: l.frame, reporter: l.reporter, type: l.type, code: l.code })),
            endedWith: rstAfter ? 'rst' : 'silence',
          },
          start: splitTime(times[0]!),
          end: splitTime(rstAfter ? b.sender.rstTime : last),
        });
      },
    };
  },
};
