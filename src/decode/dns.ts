/**
 * DNS message header and first question.
 * Ref: RFC 1035 §4.1.1 (header: 0 ID, 2 QR(1) Opcode(4) AA TC RD RA Z(3) RCODE(4),
 * 4 QDCOUNT, 6 ANCOUNT, 8 NSCOUNT, 10 ARCOUNT), §4.1.2 (question: QNAME, QTYPE, QCLASS),
 * §3.1 (names: at most 255 bytes on the wire), §4.1.4 (compression: a pointer to a prior
 * occurrence of a name, 0b11 then a 14-bit offset from the start of the message).
 */
import type { AnomalyCounter, DnsMessage, Packet } from './packet.js';

const DNS_HEADER_LEN = 12;
/** RFC 1035 §3.1: a name is at most 255 bytes including length bytes and the root label. */
const MAX_NAME_WIRE_LEN = 255;
/** Labels plus pointer jumps followed for one name: 127 one-byte labels fill 255 bytes. */
const MAX_NAME_STEPS = 128;

/** Decoder for a DNS message carried in the UDP payload (`pkt.payloadOffset/Length`). */
export function decodeDns(buf: Buffer, pkt: Packet, anomalies: AnomalyCounter): void {
  const o = pkt.payloadOffset;
  const end = o + pkt.payloadLength;
  if (pkt.payloadLength < DNS_HEADER_LEN) {
    anomalies.add('truncated_dns_header', pkt.frame);
    return;
  }
  const flags = (buf[o + 2]! << 8) | buf[o + 3]!;
  const msg: DnsMessage = {
    id: (buf[o]! << 8) | buf[o + 1]!,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 15,
    rcode: flags & 15,
    qdcount: (buf[o + 4]! << 8) | buf[o + 5]!,
    ancount: (buf[o + 6]! << 8) | buf[o + 7]!,
    qname: null,
    qtype: -1,
    qclass: -1,
  };
  pkt.dns = msg;
  if (msg.qdcount === 0) return;
  const after = readQuestionName(buf, o, end, o + DNS_HEADER_LEN, msg, pkt.frame, anomalies);
  if (after < 0) return;
  if (after + 4 > end) {
    // The name is whole but QTYPE/QCLASS are cut off: keep the name.
    anomalies.add('dns_malformed', pkt.frame);
    return;
  }
  msg.qtype = (buf[after]! << 8) | buf[after + 1]!;
  msg.qclass = (buf[after + 2]! << 8) | buf[after + 3]!;
}

/** Positions of the pointers followed while reading one name (reused; at most MAX_NAME_STEPS). */
const pointerPositions = new Int32Array(MAX_NAME_STEPS);

/**
 * Read the name at `start` into `msg.qname`, following compression pointers. Returns the
 * offset just after the name as it sits in the question, or -1 (anomaly counted) when broken.
 * Following pointers is deterministic, so reaching a pointer a second time means a loop.
 */
function readQuestionName(buf: Buffer, msgStart: number, msgEnd: number, start: number, msg: DnsMessage, frame: number, anomalies: AnomalyCounter): number {
  let pos = start;
  let after = -1;
  let jumps = 0;
  let wireLen = 1;
  let name = '';
  for (let steps = 0; ; steps++) {
    if (pos >= msgEnd || steps === MAX_NAME_STEPS) return malformed(frame, anomalies);
    const len = buf[pos]!;
    if (len === 0) {
      if (after < 0) after = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= msgEnd) return malformed(frame, anomalies);
      for (let i = 0; i < jumps; i++) {
        if (pointerPositions[i] === pos) {
          anomalies.add('dns_compression_loop', frame);
          return -1;
        }
      }
      pointerPositions[jumps++] = pos;
      if (after < 0) after = pos + 2;
      pos = msgStart + (((len & 0x3f) << 8) | buf[pos + 1]!);
      continue;
    }
    // 0b01 and 0b10 label types (RFC 6891 §5 retired the extended ones) are not names.
    if (kind !== 0) return malformed(frame, anomalies);
    wireLen += len + 1;
    if (wireLen > MAX_NAME_WIRE_LEN || pos + 1 + len > msgEnd) return malformed(frame, anomalies);
    if (name.length > 0) name += '.';
    name += labelText(buf, pos + 1, pos + 1 + len);
    pos += 1 + len;
  }
  msg.qname = name;
  return after;
}

function malformed(frame: number, anomalies: AnomalyCounter): number {
  anomalies.add('dns_malformed', frame);
  return -1;
}

/**
 * A label as master-file text, the way dig prints it: printable ASCII as is, `.` and `\`
 * escaped with a backslash, every other byte as `\DDD` (decimal).
 */
function labelText(buf: Buffer, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c > 0x20 && c < 0x7f) {
      text += c === 0x2e || c === 0x5c ? '\\' + String.fromCharCode(c) : String.fromCharCode(c);
    } else {
      text += c < 10 ? '\\00' + c : c < 100 ? '\\0' + c : '\\' + c;
    }
  }
  return text;
}
