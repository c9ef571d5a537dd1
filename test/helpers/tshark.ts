/**
 * tshark as an oracle: its per-frame fields (`-T fields`) and our decoding of the same file, in the
 * same terms, plus stream numbering per frame.
 */
import { execFileSync } from 'node:child_process';
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame, isSupportedLinkType } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket, formatAddress } from '../../src/decode/packet.js';
import { streamsPerFrame } from './streams.js';
import { findTool } from './tools.js';

export const TSHARK = findTool('tshark');

const FIELDS = [
  'frame.number',
  'vlan.id',
  'ieee8021ad.id',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'tcp.stream',
  'udp.stream',
  'ip.frag_offset',
  'ip.flags.mf',
] as const;
type Field = (typeof FIELDS)[number];
type Row = Record<Field, string[]>;

/** tshark's fields per frame (all occurrences: an ICMP error holds the quoted packet's too). */
export function tsharkRows(file: string): Map<number, Row> {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of FIELDS) args.push('-e', f);
  const out = execFileSync(TSHARK!, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const rows = new Map<number, Row>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const cells = line.split('\t');
    const row = Object.fromEntries(FIELDS.map((f, i) => [f, cells[i] ? cells[i]!.split(',') : []])) as Row;
    rows.set(Number(row['frame.number'][0]), row);
  }
  return rows;
}

/** Our view of a frame in tshark's terms. */
interface Ours {
  vlan: number[];
  src: string | null;
  dst: string | null;
  ipv6: boolean;
  quotedSrc: string | null;
  quotedDst: string | null;
  sport: number | null;
  dport: number | null;
  proto: 'tcp' | 'udp' | null;
  flags: number | null;
  seq: number | null;
  ack: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  fragment: boolean;
}

async function ourRows(file: string): Promise<Map<number, Ours>> {
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  const rows = new Map<number, Ours>();
  await readCapture(file, (frame) => {
    if (!isSupportedLinkType(frame.linkType)) return;
    decodeFrame(frame, pkt, anomalies);
    const q = pkt.quoted;
    const isIcmp = pkt.l4 === 1 || pkt.l4 === 58;
    const vlan = [pkt.vlanOuter, pkt.vlanInner].filter((v) => v >= 0);
    rows.set(pkt.frame, {
      vlan,
      src: pkt.ipVersion ? formatAddress(pkt.ipVersion, pkt.addr, 0) : null,
      dst: pkt.ipVersion ? formatAddress(pkt.ipVersion, pkt.addr, 4) : null,
      ipv6: pkt.ipVersion === 6,
      quotedSrc: q && q.ipVersion ? formatAddress(q.ipVersion, q.addr, 0) : null,
      quotedDst: q && q.ipVersion ? formatAddress(q.ipVersion, q.addr, 4) : null,
      sport: isIcmp ? (q && q.srcPort >= 0 ? q.srcPort : null) : pkt.srcPort >= 0 ? pkt.srcPort : null,
      dport: isIcmp ? (q && q.dstPort >= 0 ? q.dstPort : null) : pkt.dstPort >= 0 ? pkt.dstPort : null,
      proto: isIcmp ? (q?.protocol === 6 ? 'tcp' : q?.protocol === 17 ? 'udp' : null) : pkt.l4 === 6 ? 'tcp' : pkt.l4 === 17 ? 'udp' : null,
      flags: pkt.l4 === 6 ? pkt.tcpFlags : null,
      seq: pkt.l4 === 6 ? pkt.tcpSeq : null,
      ack: pkt.l4 === 6 ? pkt.tcpAck : null,
      icmpType: isIcmp ? pkt.icmpType : null,
      icmpCode: isIcmp ? pkt.icmpCode : null,
      fragment: pkt.isFragment,
    });
  });
  return rows;
}

/** Compare one file; returns a list of differences (empty when equal). */
export async function compareWithTshark(file: string): Promise<string[]> {
  const theirs = tsharkRows(file);
  const ours = await ourRows(file);
  const diffs: string[] = [];
  const note = (frame: number, what: string, o: unknown, t: unknown): void => {
    if (diffs.length < 20) diffs.push(`frame ${frame} ${what}: ours ${JSON.stringify(o)}, tshark ${JSON.stringify(t)}`);
  };
  if (ours.size !== theirs.size) diffs.push(`frame count: ours ${ours.size}, tshark ${theirs.size}`);
  for (const [n, t] of theirs) {
    const o = ours.get(n);
    if (!o) {
      note(n, 'frame', null, 'present');
      continue;
    }
    const v6 = t['ipv6.src'].length > 0 && t['ip.src'].length === 0;
    const srcs = v6 ? t['ipv6.src'] : t['ip.src'];
    const dsts = v6 ? t['ipv6.dst'] : t['ip.dst'];
    // An 802.1ad (0x88a8) outer tag is ieee8021ad.id in tshark; 802.1Q tags are vlan.id.
    const tags = [...t['ieee8021ad.id'], ...t['vlan.id']].map(Number);
    if (JSON.stringify(o.vlan) !== JSON.stringify(tags)) note(n, 'vlan ids', o.vlan, tags);
    if ((o.src ?? undefined) !== srcs[0]) note(n, 'src', o.src, srcs[0]);
    if ((o.dst ?? undefined) !== dsts[0]) note(n, 'dst', o.dst, dsts[0]);
    const icmpType = t['icmp.type'][0] ?? t['icmpv6.type'][0];
    const icmpCode = t['icmp.code'][0] ?? t['icmpv6.code'][0];
    if (icmpType !== undefined || o.icmpType !== null) {
      if (String(o.icmpType) !== icmpType) note(n, 'icmp type', o.icmpType, icmpType);
      if (String(o.icmpCode) !== icmpCode) note(n, 'icmp code', o.icmpCode, icmpCode);
      if (srcs[1] !== undefined && o.quotedSrc !== srcs[1]) note(n, 'quoted src', o.quotedSrc, srcs[1]);
      if (dsts[1] !== undefined && o.quotedDst !== dsts[1]) note(n, 'quoted dst', o.quotedDst, dsts[1]);
    }
    // Fragments: tshark reassembles and shows ports on the last fragment; we never do.
    const fragmented = o.fragment || t['ip.flags.mf'][0] === '1' || (t['ip.frag_offset'][0] ?? '0') !== '0';
    if (fragmented) continue;
    const proto = t['tcp.srcport'].length ? 'tcp' : t['udp.srcport'].length ? 'udp' : null;
    if (o.proto !== proto) {
      note(n, 'transport', o.proto, proto);
      continue;
    }
    if (proto) {
      if (String(o.sport) !== t[`${proto}.srcport`][0]) note(n, `${proto}.srcport`, o.sport, t[`${proto}.srcport`][0]);
      if (String(o.dport) !== t[`${proto}.dstport`][0]) note(n, `${proto}.dstport`, o.dport, t[`${proto}.dstport`][0]);
    }
    if (o.flags !== null && t['tcp.flags'][0] !== undefined) {
      if (o.flags !== parseInt(t['tcp.flags'][0]!, 16)) note(n, 'tcp.flags', o.flags, t['tcp.flags'][0]);
      if (String(o.seq) !== t['tcp.seq_raw'][0]) note(n, 'tcp.seq_raw', o.seq, t['tcp.seq_raw'][0]);
      if (String(o.ack) !== t['tcp.ack_raw'][0]) note(n, 'tcp.ack_raw', o.ack, t['tcp.ack_raw'][0]);
    }
  }
  return diffs;
}

/** Compare stream indexes for TCP/UDP frames (not ICMP errors). */
export async function compareStreams(file: string, rows = tsharkRows(file)): Promise<string[]> {
  const ours = await streamsPerFrame(file);
  const diffs: string[] = [];
  for (const [n, t] of rows) {
    if (t['icmp.type'].length || t['icmpv6.type'].length) continue;
    for (const proto of ['tcp', 'udp'] as const) {
      const theirs = t[`${proto}.stream`][0];
      if (theirs === undefined) continue;
      const o = ours[proto].get(n);
      if (o === undefined) continue; // a fragment tshark reassembled
      if (String(o) !== theirs && diffs.length < 20) diffs.push(`frame ${n} ${proto}.stream: ours ${o}, tshark ${theirs}`);
    }
  }
  return diffs;
}

