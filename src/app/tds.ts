/**
 * SQL Server TDS: the PRELOGIN exchange that opens every connection (client version,
 * encryption wanted, instance), the server's PRELOGIN answer, and whether TLS or LOGIN7 came
 * next — what a client was doing when the connection was reset or timed out.
 * Ref: [MS-TDS] §2.2.3.1 (packet header), §2.2.6.5 (PRELOGIN), §2.2.6.4 (LOGIN7).
 */
import { ByteReader, endWords, printable } from './bytes.js';
import type { ApplicationContext, ConversationStreams } from './types.js';

// Packet types ([MS-TDS] §2.2.3.1.1).
const TDS_TABULAR_RESULT = 0x04;
const TDS_LOGIN7 = 0x10;
const TDS_PRELOGIN = 0x12;
/** Header: Type(1) Status(1) Length(2, big-endian, header included) SPID(2) PacketID(1) Window(1). */
const HEADER = 8;
/** Negotiated packet sizes stay ≤ 32767; a PRELOGIN is far smaller. */
const MAX_PACKET = 32768;

// PRELOGIN option tokens (§2.2.6.5).
const PL_VERSION = 0x00;
const PL_ENCRYPTION = 0x01;
const PL_INSTOPT = 0x02;
const PL_TERMINATOR = 0xff;
const ENCRYPTION: readonly string[] = ['ENCRYPT_OFF', 'ENCRYPT_ON', 'ENCRYPT_NOT_SUP', 'ENCRYPT_REQ'];

/** What one PRELOGIN message said. */
export interface PreloginInfo {
  version?: string;
  encryption?: string;
  instance?: string;
}

interface TdsPacket {
  type: number;
  data: Uint8Array;
}

/** TDS packets from the start of a stream (bounded). */
function packets(b: Uint8Array, max = 8): TdsPacket[] {
  const out: TdsPacket[] = [];
  let at = 0;
  while (out.length < max && at + HEADER <= b.length) {
    const type = b[at]!;
    const len = (b[at + 2]! << 8) | b[at + 3]!;
    if (len < HEADER || len > MAX_PACKET || b[at + 1]! > 0x1f) break;
    out.push({ type, data: b.subarray(at + HEADER, Math.min(b.length, at + len)) });
    at += len;
  }
  return out;
}

/** Parse PRELOGIN option tokens; null when they do not parse (not a PRELOGIN payload). */
export function parsePrelogin(data: Uint8Array): PreloginInfo | null {
  const r = new ByteReader(data);
  const info: PreloginInfo = {};
  let seenTerminator = false;
  for (let i = 0; i < 16 && r.remaining > 0; i++) {
    const token = r.u8();
    if (token === PL_TERMINATOR) {
      seenTerminator = true;
      break;
    }
    const offset = r.u16();
    const length = r.u16();
    if (r.short || offset + length > data.length || token > 0x08) return null;
    const value = data.subarray(offset, offset + length);
    if (token === PL_VERSION && length >= 4) {
      // UL_VERSION is big-endian major.minor.build; US_SUBBUILD follows.
      info.version = `${value[0]}.${value[1]}.${(value[2]! << 8) | value[3]!}`;
    } else if (token === PL_ENCRYPTION && length >= 1) {
      info.encryption = ENCRYPTION[value[0]!] ?? `0x${value[0]!.toString(16)}`;
    } else if (token === PL_INSTOPT && length >= 1) {
      const end = value.indexOf(0);
      const name = value.subarray(0, end < 0 ? value.length : end);
      if (name.length > 0) info.instance = printable(name, 64);
    }
  }
  return seenTerminator ? info : null;
}

function describe(p: PreloginInfo): string {
  const bits: string[] = [];
  if (p.encryption) bits.push(`encryption ${p.encryption}`);
  if (p.version) bits.push(`version ${p.version}`);
  if (p.instance) bits.push(`instance ${p.instance}`);
  return bits.length > 0 ? ` (${bits.join(', ')})` : '';
}

/** The TDS recogniser: the client's stream starts with a PRELOGIN packet. */
export function recogniseTds(streams: ConversationStreams): ApplicationContext | null {
  const { client, server } = streams;
  const cp = packets(client.head);
  if (cp.length === 0 || cp[0]!.type !== TDS_PRELOGIN) return null;
  const clientPrelogin = parsePrelogin(cp[0]!.data);
  if (!clientPrelogin) return null;
  const sp = packets(server.head);
  const serverPrelogin = sp.length > 0 && sp[0]!.type === TDS_TABULAR_RESULT ? parsePrelogin(sp[0]!.data) : null;
  // After PRELOGIN the client either starts TLS inside PRELOGIN packets or sends LOGIN7.
  const next = cp[1];
  const tlsStarted = next !== undefined && next.type === TDS_PRELOGIN && next.data[0] === 0x16;
  const login = cp.some((p) => p.type === TDS_LOGIN7);

  const ctx: ApplicationContext = { protocol: 'tds', summary: '', clientPrelogin };
  const parts = [`TDS PRELOGIN${describe(clientPrelogin)}`];
  if (serverPrelogin) {
    ctx.serverPrelogin = serverPrelogin;
    parts.push(`server answered${describe(serverPrelogin)}`);
  } else {
    parts.push(`no PRELOGIN answer from the server${endWords(server.ended)}`);
  }
  if (tlsStarted) {
    ctx.tlsHandshake = true;
    parts.push('TLS handshake inside PRELOGIN');
  }
  if (login) {
    ctx.login7 = true;
    parts.push('LOGIN7 sent');
  }
  if (serverPrelogin && server.ended !== 'open') parts[parts.length - 1] += `${endWords(server.ended)} by the server`;
  ctx.summary = parts.join('; ');
  return ctx;
}
