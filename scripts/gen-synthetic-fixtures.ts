/**
 * Writes fixtures/synthetic/: captures made with the project's own writer and packet builder, for
 * what the Linux kernel here does not produce (Windows retry timing, VLAN and QinQ tags, BSD
 * loopback, cooked and raw link types, PPP, IPv6 extension headers, port reuse, sequence
 * wraparound, every file-format variant). Deterministic: the same bytes on every run.
 *
 *   npx tsx scripts/gen-synthetic-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dnsMessage, frame, type FrameBuilder, type TcpFlagName } from '../dev/packet-builder.js';
import { PcapngWriter, writePcap, writePcapng, type WriterRecord } from '../dev/pcap-writer.js';
import { Scenario, mergeScenarios } from '../test/helpers/scenario.js';

const OUT = resolve(import.meta.dirname, '../fixtures/synthetic');
const T0 = 1_700_000_000;

/** name → [bytes, one-line description] */
const files: Array<[string, Buffer, string]> = [];
const add = (name: string, bytes: Buffer, what: string): void => void files.push([name, bytes, what]);

/** A later unrelated ICMP echo so the capture visibly goes on after the failure. */
function marker(t: number): WriterRecord {
  return { time: T0 + t, data: frame().eth().ipv4({ src: '192.0.2.200', dst: '192.0.2.201' }).icmp({ type: 8, code: 0, rest: 0x00010001 }).build() };
}

// Windows SYN options (p0f): MSS 1460 | NOP | window scale 8 | NOP | NOP | SACK permitted; the
// third SYN leaves window scale out (MSS | NOP | NOP | SACK permitted). With TTL 128 they say
// "Windows", whose retry schedule wirewhy then applies.
const WINDOWS_SYN = Buffer.from([2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2]);
const WINDOWS_THIRD_SYN = Buffer.from([2, 4, 5, 0xb4, 1, 1, 4, 2]);

// Windows: SYN at 0, 3, 9 s (TcpMaxConnectRetransmissions = 2), gives up at 21 s.
{
  const s = new Scenario('192.168.1.20:50311', '192.168.1.5:1433', { t0: T0, clientTtl: 128 });
  s.tcp('c', 0, ['SYN'], 0x1000, 0, { options: WINDOWS_SYN });
  s.tcp('c', 3, ['SYN'], 0x1000, 0, { options: WINDOWS_SYN });
  s.tcp('c', 9, ['SYN'], 0x1000, 0, { options: WINDOWS_THIRD_SYN });
  add('windows-syn-timeout.pcap', writePcap([...s.records, marker(30)]), 'Windows (TTL 128, its option order) connect to SQL Server (tcp/1433): SYN at 0, 3, 9 s, no answer; capture goes on to 30 s, past the give-up at 21 s');
}

// Windows: two SYNs 3 s apart and the capture ends 4 s after the second, before the third SYN
// (due 6 s after the second): still retrying, not timed out.
{
  const s = new Scenario('192.168.1.21:50400', '192.168.1.5:443', { t0: T0, clientTtl: 128 });
  s.tcp('c', 0, ['SYN'], 0x1800, 0, { options: WINDOWS_SYN });
  s.tcp('c', 3, ['SYN'], 0x1800, 0, { options: WINDOWS_SYN });
  add('windows-syn-still-retrying.pcap', writePcap([...s.records, marker(7)]), 'Windows: SYN at 0 and 3 s, the capture ends at 7 s, before the third SYN due at 9 s: still retrying (warning)');
}

// Windows: a refused SYN retried from the same port 0.5 s later, three attempts in all.
{
  const s = new Scenario('172.16.0.8:1074', '172.16.0.102:1433', { t0: T0, clientTtl: 128 });
  for (const t of [0, 0.5, 1.0]) {
    s.tcp('c', t, ['SYN'], 0x2000, 0, { options: WINDOWS_SYN });
    s.tcp('s', t + 0.0002, ['RST', 'ACK'], 0, 0x2001, { window: 0 });
  }
  add('windows-refused-retries.pcapng', writePcapng(s.records), 'Windows: three refused SYNs from one port 0.5 s apart (one finding, attempts 3), SQL Server port');
  add('windows-refused-gzip.pcap.gz', gzipSync(writePcap(s.records)), 'the same as gzip-compressed classic pcap');
}

// 802.1Q and QinQ: a refusal in VLAN 100 inside service VLAN 10; a healthy handshake in VLAN 20;
// a reply that comes back untagged (asymmetric tagging) belongs to its request's conversation.
{
  const qinq = new Scenario('10.10.0.1:40000', '10.10.0.2:8080', { t0: T0, vlans: [10, 100] }).tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2);
  const vlan = new Scenario('10.20.0.1:40001', '10.20.0.2:443', { t0: T0, vlans: [20] }).tcp('c', 0.1, ['SYN'], 100).tcp('s', 0.101, ['SYN', 'ACK'], 500, 101).tcp('c', 0.102, ['ACK'], 101, 501).tcp('c', 0.2, ['FIN', 'ACK'], 101, 501).tcp('s', 0.201, ['FIN', 'ACK'], 501, 102).tcp('c', 0.202, ['ACK'], 102, 502);
  const asym = new Scenario('10.30.0.1:40002', '10.30.0.2:22', { t0: T0, vlans: [30] }).tcp('c', 0.3, ['SYN'], 7);
  asym.records.push(...new Scenario('10.30.0.1:40002', '10.30.0.2:22', { t0: T0 }).tcp('s', 0.301, ['SYN', 'ACK'], 70, 8).records);
  asym.tcp('c', 0.302, ['ACK'], 8, 71);
  add('vlan-qinq.pcap', writePcap(mergeScenarios(qinq, vlan, asym)), 'QinQ (10/100) refusal, 802.1Q (20) healthy connection, a reply untagged while its request was tagged 30');
}

// The same addresses and ports on three VLANs: three conversations (Wireshark merges them).
{
  const parts = [1, 2, 3].map((v, i) => new Scenario('10.0.0.1:40000', '10.0.0.2:80', { t0: T0, vlans: [v] }).tcp('c', i * 0.01, ['SYN'], 10 + v).tcp('s', i * 0.01 + 0.001, ['RST', 'ACK'], 0, 11 + v));
  add('vlan-same-tuple.pcap', writePcap(mergeScenarios(...parts)), 'one address/port pair refused on VLANs 1, 2 and 3: three findings');
}

/** Build frames of a link type from IP bytes. */
function linkCapture(linkType: number, wrap: (b: FrameBuilder) => FrameBuilder, packets: Array<(b: FrameBuilder) => FrameBuilder>, opts: { bigEndian?: boolean } = {}): Buffer {
  return writePcap(packets.map((p, i) => ({ time: T0 + i * 0.001, data: p(wrap(frame())).build() })), { linkType, bigEndian: opts.bigEndian });
}
const refusedV4 = [
  (b: FrameBuilder) => b.ipv4({ src: '127.0.0.1', dst: '127.0.0.1' }).tcp({ sport: 50000, dport: 6379, seq: 5, flags: ['SYN'] }),
  (b: FrameBuilder) => b.ipv4({ src: '127.0.0.1', dst: '127.0.0.1' }).tcp({ sport: 6379, dport: 50000, ack: 6, flags: ['RST', 'ACK'] }),
];
const refusedV6 = [
  (b: FrameBuilder) => b.ipv6({ src: '::1', dst: '::1' }).tcp({ sport: 50001, dport: 5432, seq: 9, flags: ['SYN'] }),
  (b: FrameBuilder) => b.ipv6({ src: '::1', dst: '::1' }).tcp({ sport: 5432, dport: 50001, ack: 10, flags: ['RST', 'ACK'] }),
];
// BSD loopback: the address family is in the capturing host's byte order.
add('bsd-null-le.pcap', linkCapture(0, (b) => b.null(), [...refusedV4, ...refusedV6.map((p) => (b: FrameBuilder) => p(b))].map((p, i) => (b: FrameBuilder) => (i >= 2 ? p(frame().null({ family: 30 })) : p(b)))), 'BSD loopback (NULL), little-endian families 2 and 30: Redis and PostgreSQL refusals');
add('bsd-null-be.pcap', linkCapture(0, (b) => b.null({ bigEndian: true }), refusedV4, { bigEndian: true }), 'BSD loopback (NULL) from a big-endian host, family 2 in network order');
add('bsd-loop.pcap', linkCapture(108, (b) => b.null({ bigEndian: true, family: 24 }), refusedV6), 'OpenBSD LOOP (108): family 24 in network order, IPv6 refusal');

// Linux cooked captures with a UDP port unreachable.
const udpUnreachable = (b: FrameBuilder, i: number): FrameBuilder => {
  const q = frame().ipv4({ src: '10.1.0.1', dst: '10.1.0.9' }).udp({ sport: 41000, dport: 514, payload: 'hello' }).buildIp();
  return i === 0 ? b.ipv4({ src: '10.1.0.1', dst: '10.1.0.9' }).udp({ sport: 41000, dport: 514, payload: 'hello' }) : b.ipv4({ src: '10.1.0.9', dst: '10.1.0.1' }).icmp({ type: 3, code: 3, quote: q });
};
add('linux-sll.pcap', writePcap([0, 1].map((i) => ({ time: T0 + i * 0.0005, data: udpUnreachable(frame().sll({ packetType: i === 0 ? 4 : 0 }), i).build() })), { linkType: 113 }), 'Linux cooked v1 (tcpdump -i any): syslog datagram answered by ICMP port unreachable');
add('linux-sll2.pcap', writePcap([0, 1].map((i) => ({ time: T0 + i * 0.0005, data: udpUnreachable(frame().sll2({ ifindex: 3, packetType: i === 0 ? 4 : 0 }), i).build() })), { linkType: 276 }), 'Linux cooked v2: the same exchange');

// Raw IP link types.
add('raw-ip-101.pcap', writePcap(refusedV4.map((p, i) => ({ time: T0 + i * 0.001, data: p(frame()).buildIp() })), { linkType: 101 }), 'raw IP (101), IPv4 refusal');
add('raw-ipv4-228.pcap', writePcap(refusedV4.map((p, i) => ({ time: T0 + i * 0.001, data: p(frame()).buildIp() })), { linkType: 228 }), 'raw IPv4 (228), refusal');
add('raw-ipv6-229.pcap', writePcap(refusedV6.map((p, i) => ({ time: T0 + i * 0.001, data: p(frame()).buildIp() })), { linkType: 229 }), 'raw IPv6 (229), refusal');
add('ppp.pcap', linkCapture(9, (b) => b.ppp(), refusedV4), 'PPP (9) with HDLC-like framing, refusal');

// IPv6 extension headers: hop-by-hop and destination options before TCP; a routing header on
// the reply; an ICMPv6 port unreachable quoting a UDP datagram behind a destination-options header.
{
  const ext = [{ type: 0 }, { type: 60 }];
  const recs: WriterRecord[] = [
    { time: T0, data: frame().eth().ipv6({ src: '2001:db8::10', dst: '2001:db8::20', extensions: ext }).tcp({ sport: 50500, dport: 8443, seq: 1000, flags: ['SYN'] }).build() },
    { time: T0 + 0.001, data: frame().eth().ipv6({ src: '2001:db8::20', dst: '2001:db8::10', extensions: [{ type: 43, body: Buffer.from([0, 0, 0, 0, 0, 0]) }] }).tcp({ sport: 8443, dport: 50500, ack: 1001, flags: ['RST', 'ACK'] }).build() },
  ];
  const quoted = frame().ipv6({ src: '2001:db8::10', dst: '2001:db8::30', extensions: [{ type: 60 }] }).udp({ sport: 50600, dport: 4789, payload: 16 }).buildIp();
  recs.push({ time: T0 + 0.5, data: frame().eth().ipv6({ src: '2001:db8::10', dst: '2001:db8::30', extensions: [{ type: 60 }] }).udp({ sport: 50600, dport: 4789, payload: 16 }).build() });
  recs.push({ time: T0 + 0.5004, data: frame().eth().ipv6({ src: '2001:db8::30', dst: '2001:db8::10' }).icmpv6({ type: 1, code: 4, quote: quoted }).build() });
  add('ipv6-ext-headers.pcap', writePcap(recs), 'IPv6 with hop-by-hop, destination-options and routing headers: a refusal and an ICMPv6 port unreachable quoting UDP behind an extension header');
}

// Port reuse: a completed connection, then a new SYN with another ISN on the same ports is a new
// stream (Wireshark's rule), refused this time; a retransmitted SYN with the same ISN is not.
{
  const s = new Scenario('10.2.0.1:40404', '10.2.0.2:80', { t0: T0 });
  s.tcp('c', 0, ['SYN'], 1000).tcp('s', 0.001, ['SYN', 'ACK'], 5000, 1001).tcp('c', 0.002, ['ACK'], 1001, 5001);
  s.tcp('c', 0.01, ['PSH', 'ACK'], 1001, 5001, { payload: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' }).tcp('s', 0.02, ['PSH', 'ACK'], 5001, 1028, { payload: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' });
  s.tcp('c', 0.03, ['FIN', 'ACK'], 1028, 5039).tcp('s', 0.031, ['FIN', 'ACK'], 5039, 1029).tcp('c', 0.032, ['ACK'], 1029, 5040);
  s.tcp('c', 5, ['SYN'], 900_000).tcp('c', 6, ['SYN'], 900_000).tcp('s', 6.0002, ['RST', 'ACK'], 0, 900_001);
  add('port-reuse.pcap', writePcap([...s.records, marker(20)]), 'a healthy connection, then the same ports reused with a new ISN (new stream), retransmitted once and refused');
}

// UDP conversations resumed after long silences: Wireshark never forgets a UDP conversation, so
// each keeps its udp.stream however long it was idle, and the streams opened meanwhile keep theirs.
// An NTP exchange resumes after 300 s; a syslog sender after 1000 s; an ICMP port unreachable
// quotes a datagram of an exchange decided 90 s before; a reply tagged on another VLAN than its
// request resumes after 400 s.
{
  const ntp = new Scenario('10.7.0.1:123', '10.7.0.2:123', { t0: T0 }).udp('c', 0, 48).udp('s', 0.01, 48).udp('c', 300, 48).udp('s', 300.01, 48);
  const syslog = new Scenario('10.7.0.3:40514', '10.7.0.4:514', { t0: T0 }).udp('c', 10, 'first').udp('c', 1010, 'after 1000 s');
  const snmp = new Scenario('10.7.0.5:40161', '10.7.0.6:161', { t0: T0 }).udp('c', 20, 40).icmpError(110, '10.7.0.6', 3, 3, 'c', 'udp');
  const dns = new Scenario('10.7.0.7:40053', '10.7.0.8:53', { t0: T0 });
  const reply = new Scenario('10.7.0.7:40053', '10.7.0.8:53', { t0: T0, vlans: [30] });
  dns.udp('c', 30, dnsMessage({ id: 1, name: 'a.example' }));
  reply.udp('s', 30.01, dnsMessage({ id: 1, name: 'a.example', response: true, answers: 1 }));
  dns.udp('c', 430, dnsMessage({ id: 2, name: 'a.example' }));
  reply.udp('s', 430.01, dnsMessage({ id: 2, name: 'a.example', response: true, answers: 1 }));
  const later = new Scenario('10.7.0.9:40000', '10.7.0.10:9', { t0: T0 }).udp('c', 500, 'opened after the resumptions');
  add('udp-resumed.pcap', writePcap(mergeScenarios(ntp, syslog, snmp, dns, reply, later)), 'UDP exchanges resumed after 300, 400 and 1000 s of silence and an ICMP error quoting one decided 90 s before: each keeps its udp.stream, as in Wireshark; one udp-port-unreachable');
}

// Sequence wraparound: the client's data crosses 2^32, then a segment is retransmitted with
// backoff and never acknowledged (the comparison must wrap, or nothing looks retransmitted).
{
  const isn = 0xffffff00;
  const s = new Scenario('10.3.0.1:41000', '10.3.0.2:9000', { t0: T0 });
  s.tcp('c', 0, ['SYN'], isn).tcp('s', 0.001, ['SYN', 'ACK'], 77, isn + 1).tcp('c', 0.002, ['ACK'], isn + 1, 78);
  let seq = isn + 1;
  for (let i = 0; i < 4; i++) {
    s.tcp('c', 0.01 + i * 0.001, ['ACK'], seq >>> 0, 78, { payload: 100 });
    seq += 100;
  }
  s.tcp('s', 0.02, ['ACK'], 78, (isn + 1 + 300) >>> 0);
  const stuck = (isn + 1 + 300) >>> 0;
  for (const t of [0.22, 0.62, 1.42, 3.02, 6.22]) s.tcp('c', t, ['PSH', 'ACK'], stuck, 78, { payload: 100 });
  s.tcp('c', 12.62, ['RST', 'ACK'], (stuck + 100) >>> 0, 78);
  add('seq-wraparound.pcap', writePcap([...s.records, marker(30)]), 'client data crosses sequence 2^32, then one segment is retransmitted with backoff until the client resets: connection-aborted');
}

// A spurious retransmission after an orderly close: 1448 bytes of client data, FIN both ways, then
// the same 1448 bytes again 200 ms later. The conversation closed cleanly, so its kept bytes were
// already given back when the copy arrives; it must be ignored, not compared against freed memory.
{
  const s = new Scenario('10.6.0.1:40000', '10.6.0.2:8080', { t0: T0 });
  s.tcp('c', 0, ['ACK', 'PSH'], 1000, 5000, { payload: 1448 });
  s.tcp('c', 0.001, ['FIN', 'ACK'], 2448, 5000);
  s.tcp('s', 0.002, ['FIN', 'ACK'], 5000, 2449);
  s.tcp('c', 0.202, ['ACK', 'PSH'], 1000, 5001, { payload: 1448 });
  add('retransmit-after-close.pcap', writePcap(s.records), 'client data, FIN both ways, then the same data again 200 ms later (a spurious retransmission after the close): no finding, no anomaly');
}

// A SPAN port that records every packet twice (ark_wireshark-retrans.pcap's pattern): copies 5 µs
// to 3 ms after the original with the same IP ID and TCP timestamps, some after the answer that
// acknowledged them. A healthy HTTP POST (no finding: no SYN-ACK "retransmission", no data
// "retransmitted"), one real fast retransmission in it (new IP ID and TSval: it stays one), and a
// refused connection whose finding cites the originals' frame numbers.
{
  const s = new Scenario('172.17.96.143:59221', '172.17.96.77:4000', { t0: T0 });
  const ts = (v: number, e: number) => ({ options: { timestamps: [v, e] as [number, number] } });
  /** The bytes of one segment of this conversation, for a copy recorded out of order. */
  const segment = (from: 'c' | 's', flags: TcpFlagName[], seq: number, ack: number, extra: Parameters<Scenario['tcp']>[5]): Buffer =>
    Buffer.from(new Scenario('172.17.96.143:59221', '172.17.96.77:4000', { t0: T0 }).tcp(from, 0, flags, seq, ack, extra).records[0]!.data);
  s.tcp('c', 0, ['SYN'], 1000, 0, { ipId: 0x0df8, ...ts(685169, 0) }).copy(0.000005);
  s.tcp('s', 0.00292, ['SYN', 'ACK'], 5000, 1001, { ipId: 0xa341, ...ts(1445414287, 685169) }).copy(0.000005);
  s.tcp('c', 0.00325, ['ACK'], 1001, 5001, { ipId: 0x0dfa, ...ts(685169, 1445414287) });
  // The second capture point's copies of the SYN and SYN-ACK, after the handshake completed.
  s.raw(0.005635, segment('c', ['SYN'], 1000, 0, { ipId: 0x0df8, ...ts(685169, 0) }));
  s.raw(0.005641, segment('s', ['SYN', 'ACK'], 5000, 1001, { ipId: 0xa341, ...ts(1445414287, 685169) }));
  s.tcp('c', 0.0063, ['ACK', 'PSH'], 1001, 5001, { ipId: 0x0dfc, payload: 198, ...ts(685170, 1445414287) }).copy(0.00033);
  s.tcp('c', 0.0074, ['ACK', 'PSH'], 1199, 5001, { ipId: 0x0dfd, payload: 1090, ...ts(685170, 1445414287) }).copy(0.001).copy(0.0021);
  // The server saw the first segment only: three duplicate ACKs, then the client resends the
  // second one with a new IP ID and TSval, 0.6 ms after the copies: a retransmission.
  s.tcp('s', 0.0702, ['ACK'], 5001, 1199, { ipId: 0xa342, ...ts(1445414294, 685170) });
  s.tcp('s', 0.0703, ['ACK'], 5001, 1199, { ipId: 0xa343, ...ts(1445414294, 685170) });
  s.tcp('s', 0.0704, ['ACK'], 5001, 1199, { ipId: 0xa344, ...ts(1445414294, 685170) });
  s.tcp('c', 0.071, ['ACK', 'PSH'], 1199, 5001, { ipId: 0x0dfe, payload: 1090, ...ts(685173, 1445414294) });
  s.tcp('s', 0.0809, ['ACK', 'PSH'], 5001, 2289, { ipId: 0xa345, payload: 144, ...ts(1445414295, 685173) }).copy(0.000347);
  s.tcp('c', 0.0816, ['ACK'], 2289, 5145, { ipId: 0x0e00, ...ts(685174, 1445414295) }).copy(0.000005);
  s.tcp('c', 0.09, ['ACK', 'FIN'], 2289, 5145, { ipId: 0x0e01, ...ts(685180, 1445414295) }).copy(0.000005);
  s.tcp('s', 0.0905, ['ACK', 'FIN'], 5145, 2290, { ipId: 0xa346, ...ts(1445414300, 685180) }).copy(0.000005);
  s.tcp('c', 0.091, ['ACK'], 2290, 5146, { ipId: 0x0e02, ...ts(685181, 1445414300) }).copy(0.000005);
  const refused = new Scenario('172.17.96.143:59222', '172.17.96.77:4001', { t0: T0 })
    .tcp('c', 0.2, ['SYN'], 7000, 0, { ipId: 0x0e03 })
    .copy(0.000004)
    .tcp('s', 0.2003, ['RST', 'ACK'], 0, 7001, { ipId: 0xa347 })
    .copy(0.000004);
  add('span-duplicates.pcap', writePcap([...s.records, ...refused.records, marker(5)]), 'SPAN port recording every packet twice (same IP ID and TSval, 5 µs to 5.6 ms apart, some copies after the answer): a healthy POST with one real fast retransmission, and a refusal cited by its original frames; anomaly duplicate_frame');
}

// A one-way capture: only the phone's packets (ndpi_ocs.pcap's kind). A single SYN is no timeout
// there (the SYN-ACK may simply not be in the capture); a series of SYN retries with backoff is;
// a connection whose SYN-ACK is missing but whose client goes on sending is healthy.
{
  const phone = '192.168.180.2';
  const single = new Scenario(`${phone}:47699`, '64.233.184.188:5228', { t0: T0 }).tcp('c', 0, ['SYN'], 0x10000, 0, { ipId: 0x4001, options: { mss: 1460, sackPermitted: true, timestamps: [100, 0], wscale: 7 } });
  const series = new Scenario(`${phone}:46166`, '137.135.131.52:5122', { t0: T0 });
  [0.5, 1.5, 3.5, 7.5, 15.5, 31.5].forEach((t, i) => series.tcp('c', t, ['SYN'], 0x20000, 0, { ipId: 0x4010 + i, options: { mss: 1460, sackPermitted: true, timestamps: [150 + Math.round(t * 100), 0], wscale: 7 } }));
  const unseen = new Scenario(`${phone}:39263`, '23.21.230.199:443', { t0: T0 })
    .tcp('c', 1, ['SYN'], 0x30000, 0, { ipId: 0x4020 })
    .tcp('c', 1.05, ['ACK'], 0x30001, 0x90001, { ipId: 0x4021 })
    .tcp('c', 1.06, ['ACK', 'PSH'], 0x30001, 0x90001, { ipId: 0x4022, payload: 300 })
    .tcp('c', 1.3, ['ACK'], 0x3012d, 0x90801, { ipId: 0x4023 })
    .tcp('c', 100, ['ACK'], 0x3012d, 0x91001, { ipId: 0x4024 });
  add('one-way-syns.pcap', writePcap(mergeScenarios(single, series, unseen)), 'one-way capture (only the client\'s packets): a single SYN (info: the answer may be uncaptured), six SYNs 1, 2, 4, 8, 16 s apart and the capture going on to 100 s (a timeout even one-way), a connection whose SYN-ACK is not in the capture (no finding); warning one_way_capture');
}

// File-format variants: big-endian nanosecond pcap; pcapng with two sections in both byte orders,
// Ethernet and raw-IP interfaces, a 2^-20 s resolution and a time offset.
{
  const s = new Scenario('10.4.0.1:40000', '10.4.0.2:25', { t0: T0 }).tcp('c', 0.000000123, ['SYN'], 1).tcp('s', 0.000350789, ['RST', 'ACK'], 0, 2);
  add('pcap-be-nsec.pcap', writePcap(s.records, { bigEndian: true, nanosecond: true }), 'big-endian nanosecond pcap: an SMTP refusal with nanosecond timestamps');
  const ip = (r: WriterRecord) => ({ ...r, data: Buffer.from(r.data).subarray(14) });
  const w = new PcapngWriter()
    .section()
    .iface({ linkType: 1, name: 'eth0' })
    .iface({ linkType: 101, tsresol: 9, name: 'tun0' })
    .epb({ ...s.records[0]!, interfaceId: 0 })
    .epb({ ...s.records[1]!, interfaceId: 0 })
    .section({ bigEndian: true })
    .iface({ linkType: 101, tsresol: 0x80 | 20, tsoffset: T0 - 100 })
    .epb({ ...ip(new Scenario('10.5.0.1:40000', '10.5.0.2:53', { t0: T0 }).udp('c', 1, dnsMessage({ id: 7, name: 'missing.example' })).records[0]!), interfaceId: 0 })
    .epb({ ...ip(new Scenario('10.5.0.1:40000', '10.5.0.2:53', { t0: T0 }).udp('s', 1.02, dnsMessage({ id: 7, name: 'missing.example', response: true, rcode: 3 })).records[0]!), interfaceId: 0 });
  add('pcapng-sections.pcapng', w.toBuffer(), 'pcapng: a little-endian section (Ethernet and raw-IP interfaces) and a big-endian one (2^-20 s resolution, time offset): an SMTP refusal and an NXDOMAIN');
}

mkdirSync(OUT, { recursive: true });
for (const [name, bytes] of files) writeFileSync(join(OUT, name), bytes);
writeFileSync(
  join(OUT, 'MANIFEST.md'),
  ['# Synthetic fixtures', '', 'Made by `npx tsx scripts/gen-synthetic-fixtures.ts` with the project\'s writer; deterministic.', '', '| file | what it holds |', '| --- | --- |', ...files.map(([n, , w]) => `| ${n} | ${w} |`), ''].join('\n'),
);
console.log(`wrote ${files.length} files to fixtures/synthetic/`);
