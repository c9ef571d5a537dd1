/**
 * TLS: the ClientHello (SNI, offered versions, ALPN), the ServerHello's version, and a
 * plaintext alert sent just before a side closed or reset.
 * Ref: RFC 8446 §4.1.2 (ClientHello), §4.2.1 (supported_versions), §6 (alerts);
 * RFC 5246 §6.2 (record layer), §7.2 (alerts); RFC 6066 §3 (server_name); RFC 7301 (ALPN).
 */
import { ByteReader, endWords, printable } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamOpening, StreamView } from './types.js';

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

/** A plaintext alert with its number (RFC 8446 §6 AlertDescription). */
export interface TlsAlertRecord extends TlsAlert {
  /** The AlertDescription number (40 handshake_failure, 48 unknown_ca, 70 protocol_version…). */
  code: number;
}

/** How a TLS handshake ended without completing, as the kept bytes show it. */
export interface TlsHandshakeFailure {
  /**
   * 'alert': a plaintext alert ended the handshake (TLS 1.2 and earlier at any point before the
   * sender's ChangeCipherSpec; TLS 1.3 before the ServerHello, or a client refusing it).
   * 'encrypted-alert': a TLS 1.3 client answered the server's flight with one short encrypted
   * record instead of its Finished, then closed (an inference: the record's content is not seen).
   */
  kind: 'alert' | 'encrypted-alert';
  sentBy: 'client' | 'server';
  /** The alert, for kind 'alert'. */
  alert?: TlsAlertRecord;
  hello: ClientHelloInfo;
  /** The version the ServerHello chose, when the server sent one. */
  serverVersion: string | null;
}

/** Alerts that do not end a handshake when sent as warnings (RFC 6066 §3 lets a server send unrecognized_name as one). */
const NON_FATAL_WARNINGS = new Set([0, 90, 100, 112]);
const CT_CHANGE_CIPHER_SPEC = 20;
const CT_APPLICATION_DATA = 23;
/**
 * The shortest encrypted record that can hold a client's Finished: a 4-byte handshake header and
 * 32 bytes of verify_data (SHA-256 suites), 1 byte of inner content type and a 16-byte AEAD tag
 * (RFC 8446 §4.4.4, §5.2). An encrypted alert is 19 bytes plus any padding (Java 17 pads it to 35).
 */
const TLS13_SHORTEST_FINISHED_RECORD = 4 + 32 + 1 + 16;

/**
 * The first plaintext alert in a side's leading records, before that side's ChangeCipherSpec or
 * application data (after them an alert is encrypted). When the kept head ends first (a long
 * certificate flight), a 2-byte alert record ending the stream's tail is taken, if the head
 * showed no ChangeCipherSpec.
 */
function plaintextAlert(s: StreamView): { alert: TlsAlertRecord; last: boolean } | null {
  const recs = records(s.head);
  let walked = 0;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    walked += 5 + r.body.length;
    if (r.type === CT_CHANGE_CIPHER_SPEC || r.type === CT_APPLICATION_DATA) return null;
    if (r.type === CT_ALERT) {
      if (r.body.length !== 2 || r.truncated) return null;
      const a = alertFromBody(r.body);
      return { alert: { ...a, code: r.body[1]! }, last: i === recs.length - 1 && walked === s.length };
    }
  }
  // The head was cut inside the records: look at the end of the stream.
  if (walked < s.length && walked >= s.head.length - 5) {
    const t = s.tail;
    const at = t.length - 7;
    if (at >= 0 && t[at] === CT_ALERT && isRecordHeader(t, at) && t[at + 4] === 2) {
      const body = t.subarray(at + 5);
      return { alert: { ...alertFromBody(body), code: body[1]! }, last: true };
    }
  }
  return null;
}

/** Whether an alert ends the handshake: fatal, or a warning other than the benign ones that is the sender's last record. */
function endsHandshake(a: { alert: TlsAlertRecord; last: boolean }): boolean {
  if (a.alert.level === 'fatal') return true;
  return a.alert.level === 'warning' && a.last && !NON_FATAL_WARNINGS.has(a.alert.code);
}

/** The conversations `tlsHandshakeFailure` reads open with the client's handshake record (a ClientHello). */
export const TLS_HANDSHAKE_FAILURE_OPENS: readonly StreamOpening[] = [{ side: 'client', offset: 0, bytes: [CT_HANDSHAKE] }];

/**
 * Whether a TLS handshake ended without completing, and how: a plaintext alert (who sent it and
 * which), or a TLS 1.3 client's lone short encrypted record after the server's flight. Null when
 * the client's stream does not start with a ClientHello or nothing says the handshake failed.
 * Ref: RFC 8446 §4.1 (handshake), §5.1 (plaintext records), §6 (alerts); RFC 5246 §7.2.
 */
export function tlsHandshakeFailure(streams: ConversationStreams): TlsHandshakeFailure | null {
  const { client, server } = streams;
  const clientRecs = records(client.head);
  if (clientRecs.length === 0 || clientRecs[0]!.type !== CT_HANDSHAKE) return null;
  const hello = parseClientHello(handshakeBytes(clientRecs));
  if (!hello) return null;
  const serverRecs = records(server.head);
  const serverVersion = serverRecs.length > 0 && serverRecs[0]!.type === CT_HANDSHAKE ? parseServerHelloVersion(handshakeBytes(serverRecs)) : null;
  const serverAlert = plaintextAlert(server);
  const clientAlert = plaintextAlert(client);
  // A server that refuses the ClientHello alerts before any ServerHello; a client that refuses the
  // server's flight alerts after it. When both alerted, the server's first record says who began.
  const serverFirst = serverAlert !== null && serverRecs[0]?.type === CT_ALERT;
  const first = serverFirst ? { a: serverAlert, by: 'server' as const } : clientAlert ? { a: clientAlert, by: 'client' as const } : serverAlert ? { a: serverAlert, by: 'server' as const } : null;
  if (first && endsHandshake(first.a)) return { kind: 'alert', sentBy: first.by, alert: first.a.alert, hello, serverVersion };
  if (serverVersion === 'TLS 1.3' && client.ended !== 'open' && client.complete && lonelyEncryptedRecord(clientRecs, client.head.length)) {
    return { kind: 'encrypted-alert', sentBy: 'client', hello, serverVersion };
  }
  return null;
}

/**
 * After its ClientHello (and the optional middlebox-compatibility ChangeCipherSpec), the client
 * sent exactly one encrypted record, too short for a Finished, and nothing else.
 */
function lonelyEncryptedRecord(recs: Record_[], headLength: number): boolean {
  let i = 1;
  while (i < recs.length && recs[i]!.type === CT_HANDSHAKE) i++;
  if (i !== 1) return false; // a second ClientHello (HelloRetryRequest) or more handshake: not this shape
  if (recs[i]?.type === CT_CHANGE_CIPHER_SPEC) i++;
  const r = recs[i];
  return r !== undefined && r.type === CT_APPLICATION_DATA && r.body.length < TLS13_SHORTEST_FINISHED_RECORD && !r.truncated && i === recs.length - 1 && sumRecordLengths(recs) === headLength;
}
