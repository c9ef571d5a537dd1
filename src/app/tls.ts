/**
 * TLS: the ClientHello (SNI, offered versions, ALPN), the ServerHello's version, and a
 * plaintext alert sent just before a side closed or reset.
 * Ref: RFC 8446 §4.1.2 (ClientHello), §4.2.1 (supported_versions), §6 (alerts);
 * RFC 5246 §6.2 (record layer), §7.2 (alerts); RFC 6066 §3 (server_name); RFC 7301 (ALPN).
 */
import { ByteReader, endWords, printable } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamView } from './types.js';

// Record content types (RFC 8446 §5.1).
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
// Handshake types.
const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
// Extensions.
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
/** Largest TLSPlaintext/TLSCiphertext fragment: 2^14 + 2048 (RFC 5246 §6.2.3). */
const MAX_RECORD = 16384 + 2048;
/** At most this many records are walked from the start of a stream. */
const MAX_RECORDS = 64;
/** Values listed from a ClientHello (versions, ALPN). */
const MAX_LISTED = 8;

/** Alert descriptions (RFC 8446 §6, RFC 5246 §7.2, IANA TLS Alerts registry). */
const ALERTS: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** "TLS 1.3", "SSL 3.0", or "0x7f1c" for anything else (drafts, private values). */
export function tlsVersionName(v: number): string {
  if (v === 0x0300) return 'SSL 3.0';
  if (v >= 0x0301 && v <= 0x0304) return `TLS 1.${v - 0x0301}`;
  if (v === 0xfeff) return 'DTLS 1.0';
  if (v === 0xfefd) return 'DTLS 1.2';
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a … 0xfafa. */
function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** A TLS alert as seen on the wire. */
export interface TlsAlert {
  level: 'warning' | 'fatal' | 'unknown';
  description: string;
  /** Alerts after ChangeCipherSpec are encrypted: level and description unknown. */
  encrypted?: true;
}

/** What a ClientHello offered. */
export interface ClientHelloInfo {
  sni?: string;
  /** Offered versions, most preferred first (supported_versions, else legacy_version). */
  versions: string[];
  alpn?: string[];
}

interface Record_ {
  type: number;
  version: number;
  body: Uint8Array;
  /** The body was cut by the end of the kept bytes. */
  truncated: boolean;
}

/** Whether bytes at `at` look like a TLS record header (type 20–24, version 3.x, sane length). */
function isRecordHeader(b: Uint8Array, at: number): boolean {
  if (at + 5 > b.length) return false;
  const type = b[at]!;
  const len = (b[at + 3]! << 8) | b[at + 4]!;
  return type >= 20 && type <= 24 && b[at + 1] === 3 && b[at + 2]! <= 4 && len > 0 && len <= MAX_RECORD;
}

/** Records from the start of a stream, as far as the kept bytes go. */
function records(b: Uint8Array): Record_[] {
  const out: Record_[] = [];
  let at = 0;
  while (out.length < MAX_RECORDS && isRecordHeader(b, at)) {
    const len = (b[at + 3]! << 8) | b[at + 4]!;
    const end = Math.min(b.length, at + 5 + len);
    out.push({ type: b[at]!, version: (b[at + 1]! << 8) | b[at + 2]!, body: b.subarray(at + 5, end), truncated: at + 5 + len > b.length });
    at += 5 + len;
  }
  return out;
}

/** Handshake bytes: the bodies of the leading handshake records, joined (a message may span records). */
function handshakeBytes(recs: Record_[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const r of recs) {
    if (r.type !== CT_HANDSHAKE) break;
    parts.push(r.body);
    n += r.body.length;
    if (r.truncated || n > 65536) break;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parse a ClientHello handshake message (bounded; a cut message gives what it holds). */
export function parseClientHello(hs: Uint8Array): ClientHelloInfo | null {
  const r = new ByteReader(hs);
  if (r.u8() !== HS_CLIENT_HELLO) return null;
  const body = r.sub(r.u24());
  const legacyVersion = body.u16();
  if (legacyVersion < 0x0300 || legacyVersion > 0x0304) return null;
  body.view(32); // random
  body.sub(body.u8()); // legacy_session_id
  body.sub(body.u16()); // cipher_suites
  body.sub(body.u8()); // legacy_compression_methods
  const info: ClientHelloInfo = { versions: [] };
  if (body.short) {
    info.versions = [tlsVersionName(legacyVersion)];
    return info;
  }
  const exts = body.sub(body.u16());
  let offered: number[] | null = null;
  while (exts.remaining >= 4) {
    const type = exts.u16();
    const ext = exts.sub(exts.u16());
    if (type === EXT_SERVER_NAME) {
      const list = ext.sub(ext.u16());
      while (list.remaining >= 3) {
        const nameType = list.u8();
        const name = list.view(list.u16());
        if (nameType === 0 && name) {
          info.sni = printable(name);
          break;
        }
      }
    } else if (type === EXT_SUPPORTED_VERSIONS) {
      const list = ext.sub(ext.u8());
      offered = [];
      while (list.remaining >= 2) {
        const v = list.u16();
        if (!isGrease(v) && offered.length < MAX_LISTED) offered.push(v);
      }
    } else if (type === EXT_ALPN) {
      const list = ext.sub(ext.u16());
      const protocols: string[] = [];
      while (list.remaining >= 1 && protocols.length < MAX_LISTED) {
        const p = list.view(list.u8());
        if (!p) break;
        protocols.push(printable(p, 32));
      }
      if (protocols.length > 0) info.alpn = protocols;
    }
  }
  info.versions = (offered && offered.length > 0 ? offered : [legacyVersion]).map(tlsVersionName);
  return info;
}

/** The version a ServerHello selected (supported_versions for TLS 1.3, else its version field). */
export function parseServerHelloVersion(hs: Uint8Array): string | null {
  const r = new ByteReader(hs);
  if (r.u8() !== HS_SERVER_HELLO) return null;
  const body = r.sub(r.u24());
  const legacy = body.u16();
  if (legacy < 0x0300 || legacy > 0x0304) return null;
  body.view(32);
  body.sub(body.u8());
  body.u16(); // cipher_suite
  body.u8(); // legacy_compression_method
  if (body.short) return tlsVersionName(legacy);
  const exts = body.sub(body.u16());
  while (exts.remaining >= 4) {
    const type = exts.u16();
    const ext = exts.sub(exts.u16());
    if (type === EXT_SUPPORTED_VERSIONS) {
      const v = ext.u16();
      if (v > 0) return tlsVersionName(v);
    }
  }
  return tlsVersionName(legacy);
}

function alertFromBody(body: Uint8Array): TlsAlert {
  if (body.length !== 2) return { level: 'unknown', description: 'encrypted', encrypted: true };
  const level = body[0] === 1 ? 'warning' : body[0] === 2 ? 'fatal' : 'unknown';
  return { level, description: ALERTS[body[1]!] ?? `alert ${body[1]}` };
}

/**
 * The alert record that ends this side's stream, if its last bytes are one: a plaintext alert
 * is 7 bytes (header + level + description); an encrypted one is longer.
 */
export function finalAlert(s: StreamView): TlsAlert | null {
  // Whole stream kept: walk the records and take the last if it is an alert.
  if (s.complete) {
    const recs = records(s.head);
    const last = recs[recs.length - 1];
    return last && last.type === CT_ALERT && !last.truncated && sumRecordLengths(recs) === s.head.length ? alertFromBody(last.body) : null;
  }
  const t = s.tail;
  for (let len = 2; len <= 64 && len + 5 <= t.length; len++) {
    const at = t.length - 5 - len;
    if (t[at] === CT_ALERT && isRecordHeader(t, at) && ((t[at + 3]! << 8) | t[at + 4]!) === len) return alertFromBody(t.subarray(at + 5));
  }
  return null;
}

function sumRecordLengths(recs: Record_[]): number {
  let n = 0;
  for (const r of recs) n += 5 + r.body.length;
  return n;
}

/** The TLS recogniser: needs a TLS record at the start of the client's (or server's) stream. */
export function recogniseTls(streams: ConversationStreams): ApplicationContext | null {
  const { client, server } = streams;
  const clientRecs = records(client.head);
  const serverRecs = records(server.head);
  if (clientRecs.length === 0 && serverRecs.length === 0) return null;
  const hello = clientRecs.length > 0 ? parseClientHello(handshakeBytes(clientRecs)) : null;
  // A server alert in reply to the ClientHello is the server's first record.
  const serverVersion = serverRecs.length > 0 && serverRecs[0]!.type === CT_HANDSHAKE ? parseServerHelloVersion(handshakeBytes(serverRecs)) : null;
  if (!hello && !serverVersion && !(serverRecs[0]?.type === CT_ALERT) && !(clientRecs[0]?.type === CT_HANDSHAKE)) return null;
  const serverAlert = finalAlert(server);
  const clientAlert = finalAlert(client);

  const ctx: ApplicationContext = { protocol: 'tls', summary: '' };
  const parts: string[] = [];
  if (hello) {
    ctx.clientHello = hello;
    let p = 'TLS ClientHello';
    if (hello.sni !== undefined) p += ` SNI=${hello.sni}`;
    if (hello.versions.length > 0) p += ` (${hello.versions.map((v, i) => (i > 0 && v.startsWith('TLS ') ? v.slice(4) : v)).join(', ')})`;
    parts.push(p);
  } else {
    parts.push('TLS');
  }
  if (serverVersion) {
    ctx.serverVersion = serverVersion;
    parts.push(`server chose ${serverVersion}`);
  }
  if (serverAlert) {
    ctx.serverAlert = serverAlert;
    parts.push(`server ${alertText(serverAlert)}${endWords(server.ended)}`);
  }
  if (clientAlert) {
    ctx.clientAlert = clientAlert;
    parts.push(`client ${alertText(clientAlert)}${endWords(client.ended)}`);
  }
  if (!serverAlert && !serverVersion && server.length === 0) parts.push(`no reply from the server${endWords(server.ended)}`);
  ctx.summary = parts.join('; ');
  return ctx;
}

function alertText(a: TlsAlert): string {
  if (a.encrypted) return 'sent an encrypted alert';
  return `sent ${a.level === 'unknown' ? '' : `${a.level} `}alert ${a.description}`;
}
