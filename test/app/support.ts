/** Byte layouts for the recogniser tests, each field annotated. */
import type { ConversationStreams, StreamView } from '../../src/app/types.js';

export function view(bytes: Uint8Array | string, ended: StreamView['ended'] = 'open'): StreamView {
  const b = typeof bytes === 'string' ? new Uint8Array(Buffer.from(bytes, 'latin1')) : bytes;
  return { head: b, tail: b, length: b.length, complete: true, gaps: 0, ended };
}

export function streams(client: StreamView, server: StreamView, serverPort = 443): ConversationStreams {
  return { client, server, serverPort };
}

const u16 = (n: number): number[] => [n >> 8, n & 255];
const u24 = (n: number): number[] => [n >> 16, (n >> 8) & 255, n & 255];

/** A TLS record: type, legacy version 3.1, length, body (RFC 8446 §5.1). */
export function record(type: number, body: number[]): number[] {
  return [type, 3, 1, ...u16(body.length), ...body];
}

/** A ClientHello handshake message with SNI, supported_versions (with a GREASE value) and ALPN. */
export function clientHello(sni: string, versions = [0x0a0a, 0x0304, 0x0303]): Uint8Array {
  const name = [...Buffer.from(sni)];
  const sniExt = [...u16(0), ...u16(name.length + 5), ...u16(name.length + 3), 0 /* host_name */, ...u16(name.length), ...name];
  const sv = versions.flatMap(u16);
  const svExt = [...u16(43), ...u16(sv.length + 1), sv.length, ...sv];
  const alpn = [2, ...Buffer.from('h2'), 8, ...Buffer.from('http/1.1')];
  const alpnExt = [...u16(16), ...u16(alpn.length + 2), ...u16(alpn.length), ...alpn];
  const exts = [...sniExt, ...svExt, ...alpnExt];
  const body = [
    ...u16(0x0303), // legacy_version
    ...new Array(32).fill(7), // random
    0, // legacy_session_id length
    ...u16(4), 0x13, 0x01, 0x13, 0x02, // cipher_suites
    1, 0, // compression: null
    ...u16(exts.length), ...exts,
  ];
  return new Uint8Array(record(22, [1 /* client_hello */, ...u24(body.length), ...body]));
}

/** A plaintext alert record: level, description. */
export function alert(level: number, description: number): Uint8Array {
  return new Uint8Array(record(21, [level, description]));
}
