/**
 * An application's refusal that ends a connection, read from the kept bytes: a PostgreSQL FATAL
 * ErrorResponse at startup, a MySQL ERR packet during the handshake, a SQL Server TDS ERROR token
 * answering LOGIN7, an SMTP or FTP 4xx/5xx reply left unanswered, an HTTP 502/503/504 from a
 * gateway. The recognisers say what was said; this says whether it was a refusal, and its code.
 * Ref: PostgreSQL protocol §55.2 (startup: ErrorResponse then close); MySQL ERR_Packet and the
 * connection phase (sequence ids); [MS-TDS] §2.2.7.10 (ERROR token); RFC 5321 §4.2.5 (421),
 * RFC 959 §4.2 (reply codes); RFC 9110 §15.6.3-5 (502, 503, 504).
 */
import { ByteReader, printableString } from './bytes.js';
import { recogniseFtp } from './ftp.js';
import { isHttp, recogniseHttp } from './http.js';
import { recogniseMysql } from './mysql.js';
import { recognisePostgresql } from './postgresql.js';
import { recogniseSmtp } from './smtp.js';
import type { ConversationStreams, StreamOpening, StreamView } from './types.js';

/** What the server said when it refused. */
export interface ApplicationRefusal {
  protocol: 'postgresql' | 'mysql' | 'tds' | 'smtp' | 'ftp' | 'http';
  /** The code as the protocol writes it: SQLSTATE "28P01", MySQL "1045", SQL Server "18456", reply "554", status "503". */
  code: string;
  /** The code as a number, where it is one (MySQL, SQL Server, SMTP, FTP, HTTP). */
  number?: number;
  /** The server's own text (printable, bounded). */
  message: string;
  /** PostgreSQL severity (FATAL, PANIC); SQL Server state and class; MySQL SQLSTATE. */
  severity?: string;
  state?: number;
  errorClass?: number;
  sqlState?: string;
}

/** PostgreSQL: a FATAL (or PANIC) ErrorResponse; the server closes after it (§55.2). */
function postgresql(streams: ConversationStreams): ApplicationRefusal | null {
  const ctx = recognisePostgresql(streams);
  const err = ctx?.error as { severity?: string; code?: string; message?: string } | undefined;
  if (!err || (err.severity !== 'FATAL' && err.severity !== 'PANIC')) return null;
  return { protocol: 'postgresql', code: err.code ?? '', message: err.message ?? '', severity: err.severity };
}

/**
 * MySQL: an ERR packet in the connection phase. Its sequence id tells the phase: 0 before the
 * server's greeting (host not allowed, too many connections), 2 or more after the client's
 * handshake response; in the command phase an ERR answers a command with sequence id 1, and the
 * session goes on.
 */
function mysql(streams: ConversationStreams): ApplicationRefusal | null {
  const ctx = recogniseMysql(streams);
  const err = ctx?.error as { code: number; sqlState?: string; message: string } | undefined;
  if (!err) return null;
  const seq = errSequence(streams.server);
  if (seq === 1 || seq < 0) return null;
  return { protocol: 'mysql', code: String(err.code), number: err.code, message: err.message, ...(err.sqlState ? { sqlState: err.sqlState } : {}) };
}

/** The sequence id of the ERR packet that is the server's first packet or ends its stream; -1 if none. */
function errSequence(s: StreamView): number {
  if (s.head.length > 5 && s.head[4] === 0xff) return s.head[3]!;
  const t = s.tail;
  for (let i = Math.max(0, t.length - 1024); i + 7 <= t.length; i++) {
    const len = t[i]! | (t[i + 1]! << 8) | (t[i + 2]! << 16);
    if (t[i + 4] === 0xff && i + 4 + len === t.length) return t[i + 3]!;
  }
  return -1;
}

const TDS_TABULAR_RESULT = 0x04;
const TDS_ERROR_TOKEN = 0xaa;

/**
 * SQL Server: a tabular-result packet whose first token is ERROR (class 14 or more: the login or
 * the database was refused), as the answer to LOGIN7. With ENCRYPT_OFF only the LOGIN7 itself is
 * encrypted, so the answer is in clear; with ENCRYPT_ON nothing after PRELOGIN can be read.
 */
function tds(streams: ConversationStreams): ApplicationRefusal | null {
  if (!isTdsClient(streams.client)) return null;
  for (const part of [streams.server.tail, streams.server.head]) {
    for (let at = 0; at + 9 <= part.length; at++) {
      if (part[at] !== TDS_TABULAR_RESULT || part[at + 8] !== TDS_ERROR_TOKEN || part[at + 1]! > 0x1f) continue;
      const found = errorToken(part, at + 9);
      if (found) return found;
    }
  }
  return null;
}

function isTdsClient(s: StreamView): boolean {
  // PRELOGIN (0x12) packet header with a sane length.
  return s.head.length >= 8 && s.head[0] === 0x12 && ((s.head[2]! << 8) | s.head[3]!) >= 8;
}

/** The ERROR token's fields ([MS-TDS] §2.2.7.10): Length, Number, State, Class, MsgText (US_VARCHAR), all little-endian. */
function errorToken(b: Uint8Array, at: number): ApplicationRefusal | null {
  const r = new ByteReader(b, at);
  const length = r.u16le();
  const low = r.u16le();
  const high = r.u16le();
  const state = r.u8();
  const errorClass = r.u8();
  const chars = r.u16le();
  const text = r.view(Math.max(0, Math.min(chars, 1000)) * 2);
  const n = low + high * 65536;
  if (r.short || text === null || length < 8 || length > 8192 || errorClass < 14 || errorClass > 25 || n === 0) return null;
  let message = '';
  for (let i = 0; i + 1 < text.length; i += 2) message += String.fromCharCode(text[i]! | (text[i + 1]! << 8));
  return { protocol: 'tds', code: String(n), number: n, message: printableString(message), state, errorClass };
}

const REPLY_CODE = /^([45]\d\d)[ -](.*)$/;

/** SMTP and FTP: the greeting or the last reply is 4xx/5xx (a QUIT would have had 221). */
function commandReply(streams: ConversationStreams): ApplicationRefusal | null {
  // A greeting starts with a reply code's digit.
  const first = streams.server.head[0];
  if (first === undefined || first < 0x31 || first > 0x35) return null;
  const ctx = recogniseSmtp(streams) ?? recogniseFtp(streams);
  if (!ctx) return null;
  const line = (ctx.lastReply as string | undefined) ?? (ctx.greeting as string);
  const m = REPLY_CODE.exec(line);
  if (!m) return null;
  return { protocol: ctx.protocol as 'smtp' | 'ftp', code: m[1]!, number: Number(m[1]), message: m[2]!.trim() };
}

const GATEWAY_CODES = [' 502', ' 503', ' 504'];
const GATEWAY_STATUS = /^HTTP\/1\.[01] (50[234])(?: (.*))?$/;

/** HTTP: the last response on the connection is 502, 503 or 504: a gateway or proxy answering for a back end. */
function httpGateway(streams: ConversationStreams): ApplicationRefusal | null {
  // Most conversations are not HTTP, and most HTTP conversations are not gateway errors: ask the
  // first lines, then look for the status code, before reading every line.
  if (!isHttp(streams)) return null;
  const { head, tail } = streams.server;
  const tailBytes = Buffer.from(tail.buffer, tail.byteOffset, tail.length);
  const headBytes = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (!GATEWAY_CODES.some((code) => tailBytes.includes(code) || headBytes.includes(code))) return null;
  const ctx = recogniseHttp(streams);
  const line = ctx?.response as string | undefined;
  const m = line ? GATEWAY_STATUS.exec(line) : null;
  if (!m) return null;
  return { protocol: 'http', code: m[1]!, number: Number(m[1]), message: (m[2] ?? '').trim() };
}

/** A reader of one protocol's refusals, and the bytes the conversations it reads open with. */
export interface RefusalReader {
  name: string;
  opens: readonly StreamOpening[];
  read: (streams: ConversationStreams) => ApplicationRefusal | null;
}

const digits = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The readers, in the order they are tried. */
export const REFUSAL_READERS: readonly RefusalReader[] = [
  // The server's first message: 'R' authentication request, 'E' ErrorResponse, 'N' or 'S'
  // answering an SSLRequest.
  { name: 'postgresql', opens: [{ side: 'server', offset: 0, bytes: [0x52, 0x45, 0x4e, 0x53] }], read: postgresql },
  // After the 4-byte packet header: a protocol-10 handshake or an ERR packet.
  { name: 'mysql', opens: [{ side: 'server', offset: 4, bytes: [10, 0xff] }], read: mysql },
  { name: 'tds', opens: [{ side: 'server', offset: 0, bytes: [TDS_TABULAR_RESULT] }], read: tds },
  // A greeting's reply code: 1xx to 5xx.
  { name: 'smtp-ftp', opens: [{ side: 'server', offset: 0, bytes: digits(0x31, 0x35) }], read: commandReply },
  // "HTTP/1."
  { name: 'http', opens: [{ side: 'server', offset: 0, bytes: [0x48] }], read: httpGateway },
];

/** The refusal the server's bytes end with, if any (never throws on arbitrary bytes). */
export function applicationRefusal(streams: ConversationStreams): ApplicationRefusal | null {
  if (streams.server.length === 0) return null;
  for (const r of REFUSAL_READERS) {
    const found = r.read(streams);
    if (found !== null) return found;
  }
  return null;
}
