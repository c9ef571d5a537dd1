/**
 * A finding's evidence packets (`Finding.evidence`): the facts a ladder diagram draws for
 * each cited frame, read from the conversation's bounded packet log and its ICMP links when
 * the finding is reported. Nothing here runs per packet.
 */
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../decode/packet.js';
import type { Flow } from '../flow/table.js';
import type { IcmpLink } from '../flow/tcp.js';
import { isDestinationUnreachable } from '../flow/udp.js';
import { icmpUnreachableName } from './codes.js';
import type { EvidencePacket, EvidenceSide } from './types.js';

// In the order Wireshark lists them ("[FIN, PSH, ACK]").
const FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [TCP_SYN, 'SYN'],
  [TCP_FIN, 'FIN'],
  [TCP_RST, 'RST'],
  [TCP_PSH, 'PSH'],
  [TCP_ACK, 'ACK'],
  [TCP_URG, 'URG'],
  [TCP_ECE, 'ECE'],
  [TCP_CWR, 'CWR'],
];

const flagLabels: string[] = [];

/** TCP flags as one label: "SYN", "SYN-ACK", "RST-ACK", "FIN-PSH-ACK"; "none" for no flag. */
export function tcpFlagsLabel(flags: number): string {
  const byte = flags & 0xff;
  // One string per flag combination, shared by every finding (a scan makes thousands).
  let label = flagLabels[byte];
  if (label === undefined) {
    const names = FLAG_NAMES.filter(([bit]) => (byte & bit) !== 0).map(([, name]) => name);
    label = names.length > 0 ? names.join('-') : 'none';
    flagLabels[byte] = label;
  }
  return label;
}

const RCODE_NAMES: Readonly<Record<number, string>> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

/** "port unreachable" for a destination unreachable, else "type 11 code 0". */
export function icmpName(ipVersion: number, type: number, code: number): string {
  const v6 = ipVersion === 6;
  return isDestinationUnreachable(ipVersion, type) ? icmpUnreachableName(v6 ? 6 : 4, code) : `type ${type} code ${code}`;
}

function micro(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Which side sent a packet, as the finding names its endpoints. */
function sideOf(isClient: boolean, swapped: boolean): 'client' | 'server' {
  return isClient !== swapped ? 'client' : 'server';
}

function opposite(side: EvidenceSide): 'client' | 'server' {
  return side === 'client' ? 'server' : 'client';
}

/** A packet from the conversation's log, or null when the log no longer holds `frame`. */
function fromLog(flow: Flow, frame: number, swapped: boolean): EvidencePacket | null {
  const i = flow.log.indexOf(frame);
  if (i < 0) return null;
  let e: EvidencePacket;
  if (flow.kind === 'tcp') {
    const s = flow.log.segmentAt(i);
    const from = sideOf(s.fromA === flow.clientIsA, swapped);
    e = { frame, offset: s.time, from, to: opposite(from), label: tcpFlagsLabel(s.flags), length: s.length };
    if (s.retransmission) e.retransmission = true;
  } else {
    const d = flow.log.datagramAt(i);
    const from = sideOf(d.fromA === flow.clientIsA, swapped);
    const label = d.dns === null ? 'UDP' : d.dns.response ? `DNS ${RCODE_NAMES[d.dns.rcode] ?? `RCODE ${d.dns.rcode}`}` : 'DNS query';
    e = { frame, offset: d.time, from, to: opposite(from), label, length: d.length };
  }
  return e;
}

/** A TCP frame the log no longer holds, when one of the conversation's bounded lists names it. */
function fromTcpLists(flow: Flow, frame: number, swapped: boolean): EvidencePacket | null {
  if (flow.kind !== 'tcp') return null;
  for (const side of [flow.client, flow.server]) {
    const from = sideOf(side === flow.client, swapped);
    const lists: Array<[readonly number[], readonly number[], string]> = [
      [side.synFrames, side.synTimes, 'SYN'],
      [side.synAckFrames, side.synAckTimes, 'SYN-ACK'],
      [side.rstFrames, side.rstTimes, 'RST'],
    ];
    for (const [frames, times, label] of lists) {
      const i = frames.indexOf(frame);
      if (i < 0) continue;
      const e: EvidencePacket = { frame, offset: times[i]!, from, to: opposite(from), label, length: 0 };
      if (label !== 'RST' && i > 0) e.retransmission = true;
      return e;
    }
  }
  return null;
}

function fromIcmp(flow: Flow, link: IcmpLink, swapped: boolean): EvidencePacket {
  const name = icmpName(link.ipVersion, link.type, link.code);
  // The sender is a third party unless the error came from one of the endpoints themselves.
  const from: EvidenceSide =
    link.reporter === flow.client.address ? sideOf(true, swapped) : link.reporter === flow.server.address ? sideOf(false, swapped) : 'other';
  return {
    frame: link.frame,
    offset: link.time,
    from,
    // The error goes to whoever sent the packet it quotes.
    to: sideOf(link.quotedFromClient, swapped),
    label: `${link.ipVersion === 6 ? 'ICMPv6' : 'ICMP'} ${name}`,
    length: 0,
    icmp: { type: link.type, code: link.code, name, reporter: link.reporter },
  };
}

/**
 * The frames a finding shows (`Finding.frames`, its evidence and ladder): those its rule cites
 * (sorted), and the packets a reader needs around them to follow the exchange as Wireshark
 * shows it:
 * - a cited SYN that began a handshake that completed brings the rest of that handshake (SYN
 *   retries, the SYN-ACK, the ACK that completed it), so a reset connection's ladder does not
 *   read as if there had been no handshake;
 * - a cited RST brings the last packet each side sent before it: what the resetter had last
 *   acknowledged, and what its peer had last sent.
 * Only packets the conversation's log holds are added, and only across packets it holds one
 * after the other. Nothing here runs per packet.
 */
export function evidenceFrames(flow: Flow, cited: readonly number[]): number[] {
  if (flow.kind !== 'tcp' || cited.length === 0) return [...cited];
  const log = flow.log;
  const entries = log.entries();
  const segments = entries.map((i) => log.segmentAt(i));
  const citedSet = new Set(cited);
  const shown = new Set(cited);
  const established = flow.establishedFrame;
  if (established >= 0) {
    // The last cited SYN before the handshake completed began that handshake.
    let start = -1;
    for (const s of segments) {
      if (s.frame > established) break;
      if ((s.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && citedSet.has(s.frame)) start = s.frame;
    }
    if (start >= 0) for (const s of segments) if (s.frame >= start && s.frame <= established) shown.add(s.frame);
  }
  const gap = log.overwrittenAfter();
  segments.forEach((rst, at) => {
    if ((rst.flags & TCP_RST) === 0 || !citedSet.has(rst.frame)) return;
    let resetterFound = false;
    let peerFound = false;
    // Back from the RST while the log holds the packets one after the other.
    for (let i = at - 1; i >= 0 && !(resetterFound && peerFound) && i !== gap; i--) {
      const s = segments[i]!;
      if (s.fromA === rst.fromA ? resetterFound : peerFound) continue;
      shown.add(s.frame);
      if (s.fromA === rst.fromA) resetterFound = true;
      else peerFound = true;
    }
  });
  return [...shown].sort((x, y) => x - y);
}

/**
 * The evidence packets of `frames` (sorted) in `flow`, offsets from the first. `swapped` is true
 * when the finding's client is the conversation's server (an ICMP error about a datagram the
 * server sent). Frames neither the log nor the bounded lists hold are left out.
 */
export function evidenceOf(flow: Flow, frames: readonly number[], swapped: boolean): EvidencePacket[] {
  const out: EvidencePacket[] = [];
  for (const frame of frames) {
    let link: IcmpLink | undefined;
    for (const l of flow.icmp) {
      if (l.frame === frame) {
        link = l;
        break;
      }
    }
    const e = link ? fromIcmp(flow, link, swapped) : (fromLog(flow, frame, swapped) ?? fromTcpLists(flow, frame, swapped));
    if (e) out.push(e);
  }
  // `offset` held the capture time until now.
  const t0 = out.length > 0 ? out[0]!.offset : 0;
  for (const e of out) e.offset = micro(e.offset - t0);
  return out;
}
