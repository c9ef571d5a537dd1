import { describe, expect, it } from 'vitest';
import { hostUnreachable } from '../../src/rules/host-unreachable.js';
import { addressBytes, frame } from '../../dev/packet-builder.js';
import type { WriterRecord } from '../../dev/pcap-writer.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords } from '../helpers/scenario.js';

const T0 = 1_700_000_000;
const ETHERTYPE_ARP = 0x0806;

/** An ARP message for IPv4 over Ethernet (RFC 826), laid out field by field. */
function arp(operation: 1 | 2, senderIp: string, targetIp: string): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // hardware type: Ethernet
  b.writeUInt16BE(0x0800, 2); // protocol type: IPv4
  b[4] = 6; // hardware address length
  b[5] = 4; // protocol address length
  b.writeUInt16BE(operation, 6); // 1 request, 2 reply
  Buffer.from([2, 0, 0, 0, 0, operation]).copy(b, 8); // sender hardware address
  addressBytes(senderIp).copy(b, 14); // sender protocol address
  addressBytes(targetIp).copy(b, 24); // target protocol address (its hardware address stays 0 in a request)
  return b;
}

function arpFrame(t: number, operation: 1 | 2, senderIp: string, targetIp: string): WriterRecord {
  return { time: T0 + t, data: frame().eth({ type: ETHERTYPE_ARP, dst: operation === 1 ? 'ff:ff:ff:ff:ff:ff' : undefined }).payload(arp(operation, senderIp, targetIp)).build() };
}

/** A neighbour solicitation (ICMPv6 135) or advertisement (136) for `target` (RFC 4861 §4.3, §4.4). */
function ndp(t: number, type: 135 | 136, src: string, dst: string, target: string): WriterRecord {
  return { time: T0 + t, data: frame().eth().ipv6({ src, dst, hopLimit: 255 }).icmpv6({ type, code: 0, payload: addressBytes(target) }).build() };
}

/** Something later in the capture, so the asker had time to give up. */
const LATER: WriterRecord = { time: T0 + 10, data: frame().eth().ipv4({ src: '10.99.0.1', dst: '10.99.0.2' }).udp({ sport: 5000, dport: 5001 }).build() };

runRuleTests(hostUnreachable, {
  valid: [
    { name: 'an ARP request answered', packets: [arpFrame(0, 1, '10.99.0.1', '10.99.0.2'), arpFrame(0.0002, 2, '10.99.0.2', '10.99.0.1'), LATER] },
    { name: 'answered on the third request', packets: [arpFrame(0, 1, '10.99.0.1', '10.99.0.3'), arpFrame(1, 1, '10.99.0.1', '10.99.0.3'), arpFrame(2, 1, '10.99.0.1', '10.99.0.3'), arpFrame(2.001, 2, '10.99.0.3', '10.99.0.1'), LATER] },
    { name: 'a single unanswered request (a probe, or the capture\'s edge)', packets: [arpFrame(0, 1, '10.99.0.1', '10.99.0.3'), LATER] },
    { name: 'gratuitous ARP (sender and target the same address)', packets: [arpFrame(0, 1, '10.99.0.1', '10.99.0.1'), arpFrame(1, 1, '10.99.0.1', '10.99.0.1'), LATER] },
    { name: 'ARP probes of duplicate address detection (sender 0.0.0.0, RFC 5227)', packets: [arpFrame(0, 1, '0.0.0.0', '10.99.0.7'), arpFrame(1, 1, '0.0.0.0', '10.99.0.7'), LATER] },
    {
      name: 'the reply is not in the capture, but the target is heard (a one-way or filtered capture)',
      packets: [
        arpFrame(0, 1, '10.99.0.1', '10.99.0.3'),
        arpFrame(1, 1, '10.99.0.1', '10.99.0.3'),
        { time: T0 + 1.5, data: frame().eth().ipv4({ src: '10.99.0.3', dst: '10.99.0.1' }).udp({ sport: 53, dport: 5353 }).build() },
        LATER,
      ],
    },
    {
      name: 'a router resolving four addresses of clients that left (stale routes): no finding each',
      packets: [...[51, 52, 53, 54].flatMap((h, i) => [0, 1, 2].map((t) => arpFrame(i * 0.1 + t, 1, '10.99.0.254', `10.99.0.${h}`))), LATER],
    },
    {
      name: 'an ARP sweep of the subnet (arp-scan): its addresses get no finding each',
      packets: [...Array.from({ length: 40 }, (_, i) => [arpFrame(i * 0.01, 1, '10.99.0.1', `10.99.0.${i + 10}`), arpFrame(1 + i * 0.01, 1, '10.99.0.1', `10.99.0.${i + 10}`)]).flat(), LATER],
    },
    { name: 'a neighbour solicitation answered by an advertisement', packets: [ndp(0, 135, 'fd00:99::1', 'ff02::1:ff00:2', 'fd00:99::2'), ndp(0.001, 136, 'fd00:99::2', 'fd00:99::1', 'fd00:99::2'), LATER] },
    { name: 'duplicate address detection (from ::)', packets: [ndp(0, 135, '::', 'ff02::1:ff00:3', 'fd00:99::3'), ndp(1, 135, '::', 'ff02::1:ff00:3', 'fd00:99::3'), LATER] },
  ],
  invalid: [
    {
      name: 'Linux: three ARP requests 1 s apart, no reply',
      packets: [arpFrame(0, 1, '10.99.0.1', '10.99.0.3'), arpFrame(1, 1, '10.99.0.1', '10.99.0.3'), arpFrame(2, 1, '10.99.0.1', '10.99.0.3'), LATER],
      findings: [
        {
          rule: 'host-unreachable',
          severity: 'error',
          protocol: 'arp',
          client: { address: '10.99.0.1', port: -1 },
          server: { address: '10.99.0.3', port: -1 },
          stream: -1,
          frames: [1, 2, 3],
          filter: 'arp.dst.proto_ipv4 == 10.99.0.3',
          codes: [
            { os: 'windows', code: 10065, name: 'WSAEHOSTUNREACH', message: 'A socket operation was attempted to an unreachable host.' },
            { os: 'linux', code: 113, name: 'EHOSTUNREACH', message: 'No route to host' },
            { os: 'macos', code: 65, name: 'EHOSTUNREACH', message: 'No route to host' },
          ],
          details: { requests: 3, via: 'ARP' },
        },
      ],
    },
    {
      name: 'IPv6: three neighbour solicitations to the solicited-node address, no advertisement',
      packets: [0, 1, 2].map((t) => ndp(t, 135, 'fd00:99::1', 'ff02::1:ff00:3', 'fd00:99::3')).concat([LATER]),
      findings: [{ protocol: 'icmp', client: { address: 'fd00:99::1', port: -1 }, server: { address: 'fd00:99::3', port: -1 }, filter: 'icmpv6.nd.ns.target_address == fd00:99::3 || icmpv6.nd.na.target_address == fd00:99::3', details: { requests: 3, via: 'NDP' },
          // The solicitations' flow (asker → solicited-node address, type 135 paired with 136): tshark
          // 4.0 gives this ID to the same solicitations in fixtures/kernel/ndp-no-reply.pcap.
          communityId: '1:tvFCOUCEd1k9NLyNSv3Ah+kLQOQ=',
        },
      ],
    },
  ],
});

describe('host-unreachable: Community ID', () => {
  it('an ARP finding has none: ARP is below IP, and Community ID v1 defines no ID for it', async () => {
    const report = await analyzeRecords([arpFrame(0, 1, '10.99.0.1', '10.99.0.3'), arpFrame(1, 1, '10.99.0.1', '10.99.0.3'), arpFrame(2, 1, '10.99.0.1', '10.99.0.3'), LATER], { rules: [hostUnreachable] });
    expect(report.findings.map((f) => [f.protocol, 'communityId' in f])).toEqual([['arp', false]]);
  });
});
