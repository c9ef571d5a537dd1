/**
 * MySQL / MariaDB: the server's initial handshake (protocol 10 and version string) or an
 * ERR packet (code, SQLSTATE, message) — "Host '…' is not allowed to connect", "Access
 * denied for user …". Ref: MySQL client/server protocol, Protocol::HandshakeV10, ERR_Packet.
 */
import { printable } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamView } from './types.js';

/** Header: payload_length (3 bytes, little-endian) and sequence_id. */
const HEADER = 4;

interface MysqlError {
  code: number;
  sqlState?: string;
  message: string;
}

function errPacket(b: Uint8Array, at: number): MysqlError | null {
  if (at + HEADER + 3 > b.length) return null;
  const len = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  if (b[at + HEADER] !== 0xff || len < 3 || len > 65536) return null;
  const end = Math.min(b.length, at + HEADER + len);
  const code = b[at + HEADER + 1]! | (b[at + HEADER + 2]! << 8);
  let msgAt = at + HEADER + 3;
  const e: MysqlError = { code, message: '' };
  if (b[msgAt] === 0x23 && msgAt + 6 <= end) {
    e.sqlState = printable(b.subarray(msgAt + 1, msgAt + 6), 5);
    msgAt += 6;
  }
  e.message = printable(b.subarray(msgAt, end));
  return e;
}

function lastErr(s: StreamView): MysqlError | null {
  const t = s.tail;
  for (let i = Math.max(0, t.length - 1024); i + HEADER + 3 <= t.length; i++) {
    const len = t[i]! | (t[i + 1]! << 8) | (t[i + 2]! << 16);
    if (t[i + HEADER] === 0xff && i + HEADER + len === t.length) return errPacket(t, i);
  }
  return null;
}

/** The MySQL recogniser: the server's stream starts with a protocol-10 handshake or an ERR packet. */
export function recogniseMysql(streams: ConversationStreams): ApplicationContext | null {
  const { server, serverPort } = streams;
  const b = server.head;
  if (b.length < HEADER + 2 || b[3] !== 0) return null; // sequence_id 0
  const len = b[0]! | (b[1]! << 8) | (b[2]! << 16);
  if (len < 2 || len > 65536) return null;
  const ctx: ApplicationContext = { protocol: 'mysql', summary: '' };
  const parts: string[] = [];
  if (b[HEADER] === 10) {
    const end = b.indexOf(0, HEADER + 1);
    if (end < 0 || end - HEADER - 1 > 64) return null;
    const version = b.subarray(HEADER + 1, end);
    // A version string is printable and starts with a digit ("8.0.36", "5.5.5-10.11.6-MariaDB").
    if (version.length === 0 || version[0]! < 0x30 || version[0]! > 0x39 || version.some((c) => c < 0x20 || c > 0x7e)) return null;
    ctx.serverVersion = printable(version, 64);
    parts.push(`MySQL server ${ctx.serverVersion as string}`);
  } else if (b[HEADER] === 0xff && (serverPort === 3306 || serverPort === 33060)) {
    // Refused before the handshake (host not allowed, too many connections).
  } else {
    return null;
  }
  const err = errPacket(b, 0) ?? (b[HEADER] === 10 ? lastErr(server) : null);
  if (err) {
    ctx.error = err;
    parts.push(`${parts.length > 0 ? 'error' : 'MySQL error'} ${err.code}${err.sqlState ? ` (${err.sqlState})` : ''} ${err.message}`);
  }
  ctx.summary = parts.join('; ');
  return ctx;
}
