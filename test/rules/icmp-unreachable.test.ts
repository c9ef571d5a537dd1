import { icmpUnreachable, PROTOCOL_SCAN } from '../../src/rules/icmp-unreachable.js';
import { frame } from '../../dev/packet-builder.js';
import type { WriterRecord } from '../../dev/pcap-writer.js';
import { runRuleTests } from '../helpers/rule-tester.js';

const T0 = 1_700_000_000;
const PINGER = '10.2.10.2';
const TARGET = '10.4.88.88';
const ROUTER = '10.2.99.99';

/** An echo request (ICMP type 8; RFC 792: identifier and sequence in the rest of the header). */
function echoRequest(seq: number, v6 = false): Buffer {
  return v6
    ? frame().eth().ipv6({ src: 'fd00::2', dst: 'fd00:4::88' }).icmpv6({ type: 128, code: 0, rest: (0x1234 << 16) | seq, payload: Buffer.alloc(32) }).buildIp()
    : frame().ipv4({ src: PINGER, dst: TARGET }).icmp({ type: 8, code: 0, rest: (0x1234 << 16) | seq, payload: Buffer.alloc(32) }).buildIp();
}

/** A ping: request at t, and the router's destination unreachable (code) quoting it 1 ms later. */
function pingAnsweredBy(code: number, seq: number, t: number): WriterRecord[] {
  return [
    { time: T0 + t, data: frame().eth().ipv4({ src: PINGER, dst: TARGET }).icmp({ type: 8, code: 0, rest: (0x1234 << 16) | seq, payload: Buffer.alloc(32) }).build() },
    { time: T0 + t + 0.001, data: frame().eth().ipv4({ src: ROUTER, dst: PINGER }).icmp({ type: 3, code, quote: echoRequest(seq) }).build() },
  ];
}

runRuleTests(icmpUnreachable, {
  valid: [
    {
      name: 'pings answered by echo replies',
      packets: [0, 1, 2].flatMap((i) => [
        { time: T0 + i, data: frame().eth().ipv4({ src: PINGER, dst: TARGET }).icmp({ type: 8, code: 0, rest: i, payload: Buffer.alloc(32) }).build() },
        { time: T0 + i + 0.01, data: frame().eth().ipv4({ src: TARGET, dst: PINGER }).icmp({ type: 0, code: 0, rest: i, payload: Buffer.alloc(32) }).build() },
      ]),
    },
    {
      name: 'traceroute: time exceeded about echo requests is no unreachable',
      packets: [{ time: T0, data: frame().eth().ipv4({ src: ROUTER, dst: PINGER }).icmp({ type: 11, code: 0, quote: echoRequest(1) }).build() }],
    },
    {
      name: 'an unreachable about an echo reply (nobody waits for it)',
      packets: [{ time: T0, data: frame().eth().ipv4({ src: ROUTER, dst: TARGET }).icmp({ type: 3, code: 1, quote: frame().ipv4({ src: TARGET, dst: PINGER }).icmp({ type: 0, code: 0, payload: Buffer.alloc(8) }).buildIp() }).build() }],
    },
  ],
  invalid: [
    {
      name: 'three pings answered by host unreachable from the last router: one finding, with what ping prints',
      packets: [...pingAnsweredBy(1, 1, 0), ...pingAnsweredBy(1, 2, 1), ...pingAnsweredBy(1, 3, 2)],
      findings: [
        {
          rule: 'icmp-unreachable',
          severity: 'error',
          protocol: 'icmp',
          client: { address: PINGER, port: -1 },
          server: { address: TARGET, port: -1 },
          stream: -1,
          frames: [1, 2, 3, 4, 5, 6],
          codes: [
            { os: 'windows', code: 11003, name: 'IP_DEST_HOST_UNREACHABLE', message: 'Destination host unreachable.' },
            { os: 'linux', code: 1, name: 'ping exit status 1', message: 'Destination Host Unreachable' },
            { os: 'macos', code: 2, name: 'ping exit status 2', message: 'Destination Host Unreachable' },
          ],
          filter: `icmp && ip.addr == ${PINGER} && ip.addr == ${TARGET}`,
          // The error's own flow (router → pinger, type 3 code 1, one-way), not the pings': tshark
          // 4.0 gives this ID to the errors of cs_ppa1e_destunreachable.pcap, between the same addresses.
          communityId: '1:DyqgoWXO7keAhPhpg0qyyhSu28A=',
          details: { reporter: ROUTER, errors: 3, icmpCode: 1, echo: true },
        },
      ],
    },
    {
      name: 'net unreachable: "Destination Net Unreachable"',
      packets: pingAnsweredBy(0, 1, 0),
      findings: [{ codes: [{ os: 'windows', code: 11002 }, { os: 'linux', message: 'Destination Net Unreachable' }, { os: 'macos' }] as never, details: { icmpName: 'network unreachable' } }],
    },
    {
      name: 'ICMPv6 address unreachable about an echo request',
      packets: [{ time: T0, data: frame().eth().ipv6({ src: 'fd00::1', dst: 'fd00::2' }).icmpv6({ type: 1, code: 3, quote: echoRequest(1, true) }).build() }],
      findings: [{ client: { address: 'fd00::2', port: -1 }, server: { address: 'fd00:4::88', port: -1 }, filter: 'icmpv6 && ipv6.addr == fd00::2 && ipv6.addr == fd00:4::88', details: { icmpType: 1, icmpName: 'address unreachable' } }],
    },
    {
      name: 'ICMPv6 port unreachable: the Community ID of the error as the spec\'s baseline gives it',
      // baseline_deflt.json of github.com/corelight/community-id-spec: proto 58, this router to this host, type 1 code 4.
      packets: [{ time: T0, data: frame().eth().ipv6({ src: '3ffe:501:410:0:2c0:dfff:fe47:33e', dst: '3ffe:507:0:1:200:86ff:fe05:80da' }).icmpv6({ type: 1, code: 4, quote: frame().ipv6({ src: '3ffe:507:0:1:200:86ff:fe05:80da', dst: '3ffe:501:4819::42' }).icmpv6({ type: 128, code: 0, rest: 1, payload: Buffer.alloc(8) }).buildIp() }).build() }],
      findings: [{ protocol: 'icmp', client: { address: '3ffe:507:0:1:200:86ff:fe05:80da', port: -1 }, communityId: '1:hLZd0XGWojozrvxqE0dWB1iM6R0=' }],
    },
    {
      name: 'an error sent to a translated address: the Community ID of the error as it went, not of the packet it quotes',
      // As in sgr_hs-sh-IPscan.pcapng, where tshark 4.0 gives the errors this ID.
      packets: [{ time: T0, data: frame().eth().ipv4({ src: '10.0.0.2', dst: '10.0.0.128' }).icmp({ type: 3, code: 2, quote: frame().ipv4({ src: '192.168.231.128', dst: '192.168.1.67', protocol: 100 }).payload(Buffer.alloc(8)).buildIp() }).build() }],
      findings: [{ client: { address: '192.168.231.128', port: -1 }, details: { reporter: '10.0.0.2' }, communityId: '1:s3BanlcJvLaPaTc206E35/xFW/c=' }],
    },
    {
      name: 'an unreachable about a GRE packet of no conversation: a warning without a ping text',
      packets: [{ time: T0, data: frame().eth().ipv4({ src: ROUTER, dst: PINGER }).icmp({ type: 3, code: 1, quote: frame().ipv4({ src: PINGER, dst: TARGET, protocol: 47 }).payload(Buffer.alloc(8)).buildIp() }).build() }],
      findings: [{ severity: 'warning', codes: [], details: { aboutProtocol: 'GRE', echo: false } }],
    },
    {
      name: `an IP protocol scan (nmap -sO): ${PROTOCOL_SCAN + 5} protocols answered by protocol unreachable are one info finding`,
      packets: Array.from({ length: PROTOCOL_SCAN + 5 }, (_, i) => ({
        time: T0 + i * 0.001,
        data: frame().eth().ipv4({ src: TARGET, dst: PINGER }).icmp({ type: 3, code: 2, quote: frame().ipv4({ src: PINGER, dst: TARGET, protocol: 100 + i }).payload(Buffer.alloc(8)).buildIp() }).build(),
      })),
      findings: [{ severity: 'info', codes: [], details: { protocols: PROTOCOL_SCAN + 5, errors: PROTOCOL_SCAN + 5, icmpName: 'protocol unreachable' } }],
    },
  ],
});
