/**
 * TCP.
 * Ref: RFC 9293 §3.1: 0 source port, 2 destination port, 4 sequence number,
 * 8 acknowledgment number, 12 data offset(4) reserved(3) NS/AE(1), 13 flags (CWR ECE URG ACK
 * PSH RST SYN FIN), 14 window, 16 checksum, 18 urgent pointer, 20 options.
 * Options: RFC 9293 §3.2 (EOL 0, NOP 1, MSS 2), RFC 7323 (window scale 3, timestamps 8),
 * RFC 2018 (SACK-permitted 4, SACK 5).
 */
import type { AnomalyCounter, Packet } from './packet.js';

const TCP_MIN_HEADER_LEN = 20;

/**
 * TCP decoder. Reads the segment at `pkt.payloadOffset` (bytes up to the IP payload end in
 * `pkt.payloadLength`) and leaves the segment data in `pkt.payloadOffset/Length`.
 */
export function decodeTcp(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): void {
  const o = pkt.payloadOffset;
  const available = pkt.payloadLength;
  const wire = pkt.wirePayloadLength;
  if (available < TCP_MIN_HEADER_LEN) {
    // Without the data offset byte the header length is unknown; a bad one is the named problem.
    if (available > 12 && buf[o + 12]! >> 4 < 5) anomalies.add('bad_tcp_header_len', pkt.frame);
    else anomalies.add('truncated_tcp_header', pkt.frame);
    return;
  }
  const headerLen = (buf[o + 12]! >> 4) << 2;
  if (headerLen < TCP_MIN_HEADER_LEN) {
    anomalies.add('bad_tcp_header_len', pkt.frame);
    return;
  }
  pkt.l4 = 6;
  pkt.srcPort = (buf[o]! << 8) | buf[o + 1]!;
  pkt.dstPort = (buf[o + 2]! << 8) | buf[o + 3]!;
  pkt.tcpSeq = ((buf[o + 4]! << 24) | (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!) >>> 0;
  pkt.tcpAck = ((buf[o + 8]! << 24) | (buf[o + 9]! << 16) | (buf[o + 10]! << 8) | buf[o + 11]!) >>> 0;
  pkt.tcpFlags = ((buf[o + 12]! & 1) << 8) | buf[o + 13]!;
  pkt.tcpWindow = (buf[o + 14]! << 8) | buf[o + 15]!;
  pkt.tcpOptionsOffset = o + TCP_MIN_HEADER_LEN;
  if (available < headerLen) {
    // Options cut off (a small snaplen): keep the fixed header, expose the options we have.
    anomalies.add('truncated_tcp_header', pkt.frame);
    pkt.tcpOptionsLength = available - TCP_MIN_HEADER_LEN;
    pkt.payloadOffset = o + available;
    pkt.payloadLength = 0;
    pkt.wirePayloadLength = wire > headerLen ? wire - headerLen : 0;
    return;
  }
  pkt.tcpOptionsLength = headerLen - TCP_MIN_HEADER_LEN;
  pkt.payloadOffset = o + headerLen;
  pkt.payloadLength = available - headerLen;
  pkt.wirePayloadLength = wire > headerLen ? wire - headerLen : 0;
}

/** The anomaly a caller of `decodeTcpOptions` counts when `malformed` is set. */
export const BAD_TCP_OPTION_ANOMALY = 'bad_tcp_option';

/** The TCP options that matter for explaining a connection. */
export interface TcpOptions {
  /** Maximum segment size (kind 2). */
  mss?: number;
  /** Window scale shift count as sent (kind 3); RFC 7323 §2.3 caps its use at 14. */
  wscale?: number;
  /** SACK-permitted (kind 4) present. */
  sackPermitted: boolean;
  /** SACK blocks (kind 5) as [left edge, right edge] pairs. */
  sackBlocks?: Array<[number, number]>;
  /** Timestamps (kind 8). */
  tsVal?: number;
  tsEcr?: number;
  /** An option had a bad length or ran past the options area (count BAD_TCP_OPTION_ANOMALY). */
  malformed: boolean;
}

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_MSS = 2;
const TCPOPT_WSCALE = 3;
const TCPOPT_SACK_PERMITTED = 4;
const TCPOPT_SACK = 5;
const TCPOPT_TIMESTAMPS = 8;

function u32(buf: Buffer, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

/**
 * Parse the options area `buf[offset, offset + length)` (as given by `tcpOptionsOffset/Length`).
 * Stops at EOL, at a length byte below 2, or at an option running past the area; an option
 * of a known kind with the wrong length is skipped. Either sets `malformed`.
 */
export function decodeTcpOptions(buf: Buffer, offset: number, length: number): TcpOptions {
  const result: TcpOptions = { sackPermitted: false, malformed: false };
  const end = Math.min(offset + length, buf.length);
  let o = Math.max(offset, 0);
  while (o < end) {
    const kind = buf[o]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      o++;
      continue;
    }
    if (o + 1 >= end) {
      result.malformed = true;
      break;
    }
    const len = buf[o + 1]!;
    if (len < 2 || o + len > end) {
      result.malformed = true;
      break;
    }
    switch (kind) {
      case TCPOPT_MSS:
        if (len === 4) result.mss = (buf[o + 2]! << 8) | buf[o + 3]!;
        else result.malformed = true;
        break;
      case TCPOPT_WSCALE:
        if (len === 3) result.wscale = buf[o + 2]!;
        else result.malformed = true;
        break;
      case TCPOPT_SACK_PERMITTED:
        if (len === 2) result.sackPermitted = true;
        else result.malformed = true;
        break;
      case TCPOPT_SACK:
        if (len >= 10 && (len - 2) % 8 === 0) {
          const blocks: Array<[number, number]> = [];
          for (let b = o + 2; b < o + len; b += 8) blocks.push([u32(buf, b), u32(buf, b + 4)]);
          result.sackBlocks = blocks;
        } else result.malformed = true;
        break;
      case TCPOPT_TIMESTAMPS:
        if (len === 10) {
          result.tsVal = u32(buf, o + 2);
          result.tsEcr = u32(buf, o + 6);
        } else result.malformed = true;
        break;
      default:
        break;
    }
    o += len;
  }
  return result;
}
