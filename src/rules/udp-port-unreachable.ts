import { codesFor } from './codes.js';
import { lateDnsAnswers } from './dns-failure.js';
import { hostPort, splitTime, type Rule } from './engine.js';
import { isPortUnreachable } from '../flow/udp.js';

/** `udp-port-unreachable`: a UDP datagram answered by ICMP port unreachable quoting it. */
export const udpPortUnreachable: Rule = {
  meta: {
    id: 'udp-port-unreachable',
    description: 'A UDP datagram answered by ICMP port unreachable: nothing listens on that UDP port.',
    severity: 'error',
    onTheWire: 'The client sends a UDP datagram; the target answers with ICMP destination unreachable, code 3 port unreachable (ICMPv6 type 1 code 4), quoting the datagram.',
    codes: codesFor('udp-port-unreachable'),
    causes: [
      'No process listens on that UDP port on the target (service stopped or on another port).',
      'A firewall rejects the datagram with icmp-port-unreachable (the default of iptables REJECT).',
      'The client sends to the wrong host or port.',
    ],
    checks: [
      'On the server: list UDP sockets (ss -lunp on Linux, netstat -ano -p udp on Windows).',
      'Check that the service runs and listens on the address the client uses.',
      'Check firewall REJECT rules for the port.',
      'Windows reports this on the next recvfrom() as 10054 WSAECONNRESET; Linux reports ECONNREFUSED only on a connected UDP socket.',
    ],
    differsFrom:
      'UDP has no handshake: without the ICMP error, a missing service looks like silence (a timeout in the application). A DNS server that answers with an error code is dns-failure, not this; so is a DNS answer that came after the client gave up (at least 1 s after its last query) and found the client\'s port closed.',
    gist: 'UDP answered by ICMP port unreachable',
    signatures: [
      { signature: 'udp-port-unreachable', meaning: 'UDP datagram answered by ICMP port unreachable' },
    ],
    failureKind: 'unreachable',
  },
  create(ctx) {
    return {
      onUdpExchangeEnd(u) {
        // A DNS answer that came after the client gave up is bounced by the client's closed port:
        // that tells of a slow server (dns-failure), not of a missing service.
        const late = lateDnsAnswers(u.dnsResponsesAtClosedPort());
        const errors = u.icmp.filter((l) => isPortUnreachable(l.ipVersion, l.type, l.code) && !late.some((x) => x.icmp === l));
        if (errors.length === 0) return;
        const first = errors[0]!;
        const last = errors[errors.length - 1]!;
        // The failed datagram's sender is the client of this failure, whichever side spoke first.
        const sender = first.quotedFromClient ? u.client : u.server;
        const target = first.quotedFromClient ? u.server : u.client;
        const datagrams = sender.frames.filter((f) => f < last.frame);
        const startT = sender.times[0] !== undefined && sender.times[0]! <= first.time ? sender.times[0]! : first.time;
        ctx.report({
          frames: [...datagrams.slice(0, 16), ...errors.map((e) => e.frame)],
          client: sender,
          server: target,
          summary: `${hostPort(sender)} → ${hostPort(target)}: UDP answered by ICMP${first.ipVersion === 6 ? 'v6' : ''} port unreachable from ${first.reporter}${errors.length > 1 ? ` (${errors.length} times)` : ''}: nothing listens on UDP port ${target.port}.`,
          details: {
            icmpErrors: errors.length,
            datagramsSent: sender.packets,
            targetReplied: target.packets > 0,
            reporter: first.reporter,
            icmpFrames: errors.map((e) => e.frame).slice(0, 64),
          },
          start: splitTime(startT),
          end: [last.tsSec, last.tsNsec],
        });
      },
    };
  },
};
