import { icmpUnreachableEffect, icmpUnreachableName } from './codes.js';
import { hostPort, splitTime, type Rule } from './engine.js';
import type { IcmpLink } from '../flow/tcp.js';
import { TCP_SYN } from '../decode/packet.js';
import { isDestinationUnreachable, isPortUnreachable } from '../flow/udp.js';

function isUnreachable(l: IcmpLink): boolean {
  return isDestinationUnreachable(l.ipVersion, l.type);
}

/** `destination-unreachable`: an ICMP destination unreachable quoting a TCP SYN or a UDP datagram. */
export const destinationUnreachable: Rule = {
  meta: {
    id: 'destination-unreachable',
    description: 'An ICMP destination unreachable (network, host, protocol, port for TCP, administratively prohibited) answered the connection attempt.',
    severity: 'error',
    onTheWire: 'The client sends SYN (or a UDP datagram); a router, firewall or the target answers with ICMP type 3 (ICMPv6 type 1) quoting it, with a code that says why: network or host unreachable, administratively prohibited (codes 9, 10, 13; ICMPv6 code 1), or port unreachable for TCP (a firewall REJECT rule).',
    codes: icmpUnreachableEffect(4, 1, 'tcp').codes,
    causes: [
      'A firewall rejects the traffic with an ICMP error (iptables REJECT --reject-with icmp-admin-prohibited / icmp-host-unreachable / icmp-port-unreachable).',
      'A router has no route to the destination network (network unreachable) or the last hop cannot resolve the host (host unreachable: ARP/NDP gets no answer).',
      'The target host is down or the address is unused.',
    ],
    checks: [
      'Look at who sent the ICMP error (the address after "from" in the summary): the target itself, a firewall, or a router on the path.',
      'For administratively prohibited: find the firewall rule or ACL on that device.',
      'For network/host unreachable: check routes (ip route / route print) and whether the host is up on its subnet.',
    ],
    differsFrom: 'An ICMP error comes back quickly from the reporter; a timeout (10060/ETIMEDOUT) is silence; a refusal (10061/ECONNREFUSED) is a TCP RST from the target. For UDP, port unreachable is its own rule, udp-port-unreachable.',
    gist: 'ICMP unreachable for the SYN or datagram',
    failureKind: (f) => {
      if (f.protocol === 'udp') return 'unreachable';
      // TCP: Windows turns ICMP port unreachable into a refusal and host-type codes into
      // WSAEHOSTUNREACH; for other codes no client text is known.
      const windows = f.codes.find((c) => c.os === 'windows')?.name;
      if (windows === 'WSAECONNREFUSED') return 'refused';
      if (windows === 'WSAEHOSTUNREACH') return 'unreachable';
      return undefined;
    },
    icmpCodes: { shownCase: 'host unreachable', note: 'For UDP the codes are the same, except port unreachable: that is udp-port-unreachable.' },
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        if (c.synAckSeen || c.established) return;
        const errors = c.icmp.filter((l) => isUnreachable(l) && l.quotedFromClient && (l.quotedTcpFlags < 0 || (l.quotedTcpFlags & TCP_SYN) !== 0));
        if (errors.length === 0) return;
        const first = errors[0]!;
        const v = first.ipVersion === 6 ? 6 : 4;
        const effect = icmpUnreachableEffect(v, first.code, 'tcp');
        const name = icmpUnreachableName(v, first.code);
        const synBefore = c.client.synFrames.filter((f) => f < first.frame);
        const startT = c.client.synTimes[0] ?? first.time;
        ctx.report({
          frames: [...c.client.synFrames, ...errors.map((e) => e.frame)],
          codes: effect.codes,
          summary: `${hostPort(c.client)} → ${hostPort(c.server)}: SYN answered by ICMP${v === 6 ? 'v6' : ''} ${name} from ${first.reporter}${errors.length > 1 ? ` (${errors.length} times)` : ''}.`,
          details: {
            icmpType: first.type,
            icmpCode: first.code,
            icmpName: name,
            reporter: first.reporter,
            reporterIsTarget: first.reporter === c.server.address,
            icmpErrors: errors.length,
            synCount: c.client.synCount,
            synsBeforeError: synBefore.length,
            abortsConnectImmediately: effect.abortsConnectImmediately,
          },
          start: splitTime(Math.min(startT, first.time)),
          end: [errors[errors.length - 1]!.tsSec, errors[errors.length - 1]!.tsNsec],
        });
      },
      onUdpExchangeEnd(u) {
        const errors = u.icmp.filter((l) => isUnreachable(l) && !isPortUnreachable(l.ipVersion, l.type, l.code));
        if (errors.length === 0) return;
        const first = errors[0]!;
        const v = first.ipVersion === 6 ? 6 : 4;
        const effect = icmpUnreachableEffect(v, first.code, 'udp');
        const name = icmpUnreachableName(v, first.code);
        const sender = first.quotedFromClient ? u.client : u.server;
        const target = first.quotedFromClient ? u.server : u.client;
        const startT = sender.times[0] !== undefined && sender.times[0]! <= first.time ? sender.times[0]! : first.time;
        ctx.report({
          frames: [...sender.frames.filter((f) => f < errors[errors.length - 1]!.frame).slice(0, 16), ...errors.map((e) => e.frame)],
          codes: effect.codes,
          client: sender,
          server: target,
          summary: `${hostPort(sender)} → ${hostPort(target)}: UDP answered by ICMP${v === 6 ? 'v6' : ''} ${name} from ${first.reporter}${errors.length > 1 ? ` (${errors.length} times)` : ''}.`,
          details: {
            icmpType: first.type,
            icmpCode: first.code,
            icmpName: name,
            reporter: first.reporter,
            reporterIsTarget: first.reporter === target.address,
            icmpErrors: errors.length,
          },
          start: splitTime(startT),
          end: [errors[errors.length - 1]!.tsSec, errors[errors.length - 1]!.tsNsec],
        });
      },
    };
  },
};
