/**
 * PostgreSQL: the client's startup (SSLRequest, GSSENCRequest or StartupMessage with user and
 * database), the server's answer (SSL yes/no, authentication method) and an ErrorResponse.
 * Ref: PostgreSQL protocol §55.2 (message flow), §55.7 (message formats), §55.8 (error fields).
 */
import { ByteReader, printable } from './bytes.js';
import type { ApplicationContext, ConversationStreams } from './types.js';

const PROTOCOL_3 = 196608; // 3.0
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const AUTH: Readonly<Record<number, string>> = { 0: 'ok', 2: 'Kerberos V5', 3: 'cleartext password', 5: 'MD5 password', 7: 'GSSAPI', 9: 'SSPI', 10: 'SASL' };

interface Startup {
  kind: 'startup' | 'ssl-request' | 'gssenc-request' | 'cancel';
  /** Where the next message starts. */
  next: number;
  user?: string;
  database?: string;
}

function startup(b: Uint8Array, at: number): Startup | null {
  const r = new ByteReader(b, at);
  const len = r.u32();
  const code = r.u32();
  if (r.short || len < 8 || len > 10000) return null;
  const next = at + len;
  if (code === SSL_REQUEST && len === 8) return { kind: 'ssl-request', next };
  if (code === GSSENC_REQUEST && len === 8) return { kind: 'gssenc-request', next };
  if (code === CANCEL_REQUEST && len === 16) return { kind: 'cancel', next };
  if (code !== PROTOCOL_3) return null;
  const s: Startup = { kind: 'startup', next };
  // Parameters: name\0value\0 … \0
  const params = b.subarray(at + 8, Math.min(b.length, next));
  const fields: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < params.length && fields.length < 64; i++) {
    if (params[i] === 0) {
      fields.push(params.subarray(start, i));
      start = i + 1;
    }
  }
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = String.fromCharCode(...fields[i]!.subarray(0, 32));
    if (key === 'user') s.user = printable(fields[i + 1]!, 64);
    else if (key === 'database') s.database = printable(fields[i + 1]!, 64);
  }
  return s;
}

/** Fields of an ErrorResponse ('E'): severity, SQLSTATE code, message. */
function errorResponse(b: Uint8Array, at: number): { severity?: string; code?: string; message?: string } | null {
  const r = new ByteReader(b, at);
  if (r.u8() !== 0x45) return null;
  const len = r.u32();
  if (len < 5 || len > 65536) return null;
  const body = b.subarray(at + 5, Math.min(b.length, at + 1 + len));
  const out: { severity?: string; code?: string; message?: string } = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const type = body[i]!;
    const end = body.indexOf(0, i + 1);
    const value = body.subarray(i + 1, end < 0 ? body.length : end);
    if (type === 0x53 || type === 0x56) out.severity ??= printable(value, 16); // S / V
    else if (type === 0x43) out.code = printable(value, 8); // C
    else if (type === 0x4d) out.message = printable(value); // M
    if (end < 0) break;
    i = end + 1;
  }
  return out.message !== undefined || out.code !== undefined ? out : null;
}

/** The PostgreSQL recogniser: the client's stream starts with a startup-phase message. */
export function recognisePostgresql(streams: ConversationStreams): ApplicationContext | null {
  const { client, server } = streams;
  const first = startup(client.head, 0);
  if (!first) return null;
  if (first.kind !== 'startup' && streams.serverPort !== 5432 && server.head[0] !== 0x53 && server.head[0] !== 0x4e) return null;
  const ctx: ApplicationContext = { protocol: 'postgresql', summary: '' };
  const parts: string[] = [];
  let st: Startup | null = first;
  let serverAt = 0;
  if (first.kind === 'ssl-request' || first.kind === 'gssenc-request') {
    const answer = server.head[0];
    const word = first.kind === 'ssl-request' ? 'SSL' : 'GSS encryption';
    ctx.encryptionRequest = first.kind;
    if (answer === 0x53 || answer === 0x47) {
      ctx.encryptionAccepted = true;
      parts.push(`PostgreSQL ${word} request accepted`);
      ctx.summary = parts.join('; ');
      return ctx; // the rest is encrypted
    }
    if (answer === 0x4e) {
      ctx.encryptionAccepted = false;
      parts.push(`PostgreSQL ${word} request refused by the server`);
      serverAt = 1;
    } else {
      parts.push(`PostgreSQL ${word} request, no answer`);
    }
    st = startup(client.head, first.next);
  }
  if (st && st.kind === 'startup') {
    if (st.user !== undefined) ctx.user = st.user;
    if (st.database !== undefined) ctx.database = st.database;
    parts.push(`PostgreSQL startup${st.user !== undefined ? ` user=${st.user}` : ''}${st.database !== undefined ? ` database=${st.database}` : ''}`);
  } else if (first.kind === 'cancel') {
    parts.push('PostgreSQL cancel request');
  }
  // Server: authentication request 'R', or ErrorResponse 'E'.
  const b = server.head;
  if (b[serverAt] === 0x52 && serverAt + 9 <= b.length) {
    const code = new ByteReader(b, serverAt + 5).u32();
    ctx.authentication = AUTH[code] ?? `method ${code}`;
    parts.push(`server asked for ${ctx.authentication as string}`);
  }
  const err = errorResponse(b, serverAt) ?? errorResponse(server.tail, lastErrorStart(server.tail));
  if (err) {
    ctx.error = err;
    parts.push(`server error ${[err.severity, err.code, err.message].filter((x) => x !== undefined).join(' ')}`);
  }
  ctx.summary = parts.join('; ');
  return ctx;
}

/** Where the last 'E' message might start in a tail (searched from the end, bounded). */
function lastErrorStart(t: Uint8Array): number {
  for (let i = t.length - 6; i >= 0 && i >= t.length - 2048; i--) {
    if (t[i] !== 0x45) continue;
    const len = new ByteReader(t, i + 1).u32();
    if (len >= 5 && i + 1 + len === t.length) return i;
  }
  return t.length;
}
