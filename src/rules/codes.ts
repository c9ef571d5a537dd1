/**
 * The error-code catalogue: every OS error wirewhy cites, which failure signature cites
 * which codes, and what each OS reports for an ICMP destination unreachable.
 *
 * Messages are the exact system texts: Windows `FormatMessage` for Winsock errors, glibc
 * `strerror`/`gai_strerror` on Linux, and the BSD libc texts on macOS.
 */
import { codeNumber, type ErrorCode, type OsName } from './types.js';

/** Operating systems in the order every code list uses. */
export const OS_ORDER: readonly OsName[] = ['windows', 'linux', 'macos'];

function entry(os: OsName, code: number, name: string, message: string): ErrorCode {
  return Object.freeze({ os, code, name, message });
}

// Ref: Windows Sockets Error Codes (winerror.h); texts as FormatMessage returns them.
const WINDOWS: readonly ErrorCode[] = [
  entry('windows', 10013, 'WSAEACCES', 'An attempt was made to access a socket in a way forbidden by its access permissions.'),
  entry('windows', 10040, 'WSAEMSGSIZE', 'A message sent on a datagram socket was larger than the internal message buffer or some other network limit, or the buffer used to receive a datagram into was smaller than the datagram itself.'),
  entry('windows', 10042, 'WSAENOPROTOOPT', 'An unknown, invalid, or unsupported option or level was specified in a getsockopt or setsockopt call.'),
  entry('windows', 10051, 'WSAENETUNREACH', 'A socket operation was attempted to an unreachable network.'),
  entry('windows', 10053, 'WSAECONNABORTED', 'An established connection was aborted by the software in your host machine.'),
  entry('windows', 10054, 'WSAECONNRESET', 'An existing connection was forcibly closed by the remote host.'),
  entry('windows', 10060, 'WSAETIMEDOUT', 'A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.'),
  entry('windows', 10061, 'WSAECONNREFUSED', 'No connection could be made because the target machine actively refused it.'),
  entry('windows', 10065, 'WSAEHOSTUNREACH', 'A socket operation was attempted to an unreachable host.'),
  entry('windows', 11001, 'WSAHOST_NOT_FOUND', 'No such host is known.'),
  entry('windows', 11002, 'WSATRY_AGAIN', 'This is usually a temporary error during hostname resolution and means that the local server did not receive a response from an authoritative server.'),
  entry('windows', 11003, 'WSANO_RECOVERY', 'A non-recoverable error occurred during a database lookup.'),
];

// Ref: Linux asm-generic/errno.h and errno-base.h; glibc strerror and gai_strerror texts.
// getaddrinfo codes are glibc's negative EAI_* values.
const LINUX: readonly ErrorCode[] = [
  entry('linux', 13, 'EACCES', 'Permission denied'),
  entry('linux', 32, 'EPIPE', 'Broken pipe'),
  entry('linux', 64, 'ENONET', 'Machine is not on the network'),
  entry('linux', 71, 'EPROTO', 'Protocol error'),
  entry('linux', 90, 'EMSGSIZE', 'Message too long'),
  entry('linux', 92, 'ENOPROTOOPT', 'Protocol not available'),
  entry('linux', 95, 'EOPNOTSUPP', 'Operation not supported'),
  entry('linux', 101, 'ENETUNREACH', 'Network is unreachable'),
  entry('linux', 103, 'ECONNABORTED', 'Software caused connection abort'),
  entry('linux', 104, 'ECONNRESET', 'Connection reset by peer'),
  entry('linux', 110, 'ETIMEDOUT', 'Connection timed out'),
  entry('linux', 111, 'ECONNREFUSED', 'Connection refused'),
  entry('linux', 112, 'EHOSTDOWN', 'Host is down'),
  entry('linux', 113, 'EHOSTUNREACH', 'No route to host'),
  entry('linux', -2, 'EAI_NONAME', 'Name or service not known'),
  entry('linux', -3, 'EAI_AGAIN', 'Temporary failure in name resolution'),
  entry('linux', -4, 'EAI_FAIL', 'Non-recoverable failure in name resolution'),
];

// Ref: xnu bsd/sys/errno.h and netdb.h; macOS libc strerror and gai_strerror texts.
const MACOS: readonly ErrorCode[] = [
  entry('macos', 13, 'EACCES', 'Permission denied'),
  entry('macos', 32, 'EPIPE', 'Broken pipe'),
  entry('macos', 40, 'EMSGSIZE', 'Message too long'),
  entry('macos', 42, 'ENOPROTOOPT', 'Protocol not available'),
  entry('macos', 51, 'ENETUNREACH', 'Network is unreachable'),
  entry('macos', 53, 'ECONNABORTED', 'Software caused connection abort'),
  entry('macos', 54, 'ECONNRESET', 'Connection reset by peer'),
  entry('macos', 60, 'ETIMEDOUT', 'Operation timed out'),
  entry('macos', 61, 'ECONNREFUSED', 'Connection refused'),
  entry('macos', 65, 'EHOSTUNREACH', 'No route to host'),
  entry('macos', 2, 'EAI_AGAIN', 'temporary failure in name resolution'),
  entry('macos', 4, 'EAI_FAIL', 'non-recoverable failure in name resolution'),
  entry('macos', 8, 'EAI_NONAME', 'nodename nor servname provided, or not known'),
];

/** Every error code in the catalogue. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze([...WINDOWS, ...LINUX, ...MACOS]);

const BY_OS_NAME = new Map<string, ErrorCode>(ERROR_CODES.map((c) => [`${c.os}:${c.name}`, c]));

/** The catalogue entry for `name` on `os`; throws for a name the catalogue lacks. */
export function errorCode(os: OsName, name: string): ErrorCode {
  const found = BY_OS_NAME.get(`${os}:${name}`);
  if (!found) throw new Error(`no ${os} error code named ${name} in the catalogue`);
  return found;
}

/** One code per OS, in OS_ORDER. */
function perOs(windows: string, linux: string, macos: string): readonly ErrorCode[] {
  return Object.freeze([errorCode('windows', windows), errorCode('linux', linux), errorCode('macos', macos)]);
}

/** Failure signatures that cite fixed error codes. */
export type Signature =
  | 'connection-refused'
  | 'connect-timeout'
  | 'connection-reset'
  | 'reset-after-fin'
  | 'connection-aborted'
  | 'udp-port-unreachable'
  | 'dns-nxdomain'
  | 'dns-servfail'
  | 'dns-refused'
  | 'dns-timeout'
  | 'host-unreachable';

const SIGNATURE_CODES: Readonly<Record<Signature, readonly ErrorCode[]>> = {
  // SYN answered by RST.
  'connection-refused': perOs('WSAECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED'),
  // SYN retransmitted until connect() gives up.
  'connect-timeout': perOs('WSAETIMEDOUT', 'ETIMEDOUT', 'ETIMEDOUT'),
  // RST on an established connection.
  'connection-reset': perOs('WSAECONNRESET', 'ECONNRESET', 'ECONNRESET'),
  // RST after the resetter's own FIN, reaching a socket that has read that FIN (CLOSE-WAIT):
  // reads keep returning the end of the stream; the next write fails. Linux tcp_reset() sets
  // EPIPE in CLOSE-WAIT (measured: Linux 6.18, the write after the RST); BSD tcp_input, and
  // so macOS, sets ECONNRESET in every synchronized state.
  'reset-after-fin': perOs('WSAECONNRESET', 'EPIPE', 'ECONNRESET'),
  // Data retransmitted unacknowledged until the stack gives up: Windows aborts the
  // connection locally (10053); Linux and BSD report the retransmission timeout.
  'connection-aborted': perOs('WSAECONNABORTED', 'ETIMEDOUT', 'ETIMEDOUT'),
  // Datagram answered by ICMP port unreachable. Windows reports it on the next
  // recv/recvfrom as 10054 (even on unconnected sockets unless SIO_UDP_CONNRESET is off);
  // Linux and macOS report it only on a connected UDP socket.
  'udp-port-unreachable': perOs('WSAECONNRESET', 'ECONNREFUSED', 'ECONNREFUSED'),
  'dns-nxdomain': perOs('WSAHOST_NOT_FOUND', 'EAI_NONAME', 'EAI_NONAME'),
  // glibc's resolver (BIND-derived res_send) treats SERVFAIL, NOTIMP and REFUSED alike:
  // it tries the next server, and when all fail res_query sets TRY_AGAIN → EAI_AGAIN.
  // Windows and macOS: SERVFAIL as the TRY_AGAIN family and REFUSED on Windows as
  // NO_RECOVERY follow the classic h_errno split; not confirmed against captures.
  'dns-servfail': perOs('WSATRY_AGAIN', 'EAI_AGAIN', 'EAI_AGAIN'),
  'dns-refused': perOs('WSANO_RECOVERY', 'EAI_AGAIN', 'EAI_AGAIN'),
  'dns-timeout': perOs('WSATRY_AGAIN', 'EAI_AGAIN', 'EAI_AGAIN'),
  // No ARP reply / neighbour advertisement for an address on the local link: Linux gives up
  // after net.ipv4.neigh.*.mcast_solicit (3) requests, retrans_time_ms (1 s) apart, and fails
  // the connect() with EHOSTUNREACH (measured: fixtures/kernel/arp-no-reply); Windows reports
  // WSAEHOSTUNREACH, macOS EHOSTUNREACH (xnu arp_lookup_ip returns it once arp_maxtries ran out).
  'host-unreachable': perOs('WSAEHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH'),
};

/** Every signature id, in a stable order. */
export const SIGNATURES: readonly Signature[] = Object.freeze(Object.keys(SIGNATURE_CODES) as Signature[]);

/** Whether `id` is a signature the catalogue knows. */
export function isSignature(id: string): id is Signature {
  return Object.hasOwn(SIGNATURE_CODES, id);
}

/** The codes applications see for `signature`, in OS_ORDER (windows, linux, macos). */
export function codesFor(signature: Signature): ErrorCode[] {
  return [...SIGNATURE_CODES[signature]];
}

// ---------------------------------------------------------------------------------------
// ICMP destination unreachable
// ---------------------------------------------------------------------------------------

// Ref: RFC 792 and RFC 1812 §5.2.7.1 (IPv4 codes 0-15); RFC 4443 §3.1, RFC 6550 and
// RFC 8883 (ICMPv6 codes 0-8).
const ICMPV4_UNREACH_NAMES: readonly string[] = [
  'network unreachable',
  'host unreachable',
  'protocol unreachable',
  'port unreachable',
  'fragmentation needed',
  'source route failed',
  'destination network unknown',
  'destination host unknown',
  'source host isolated',
  'network administratively prohibited',
  'host administratively prohibited',
  'network unreachable for type of service',
  'host unreachable for type of service',
  'communication administratively prohibited',
  'host precedence violation',
  'precedence cutoff in effect',
];

const ICMPV6_UNREACH_NAMES: readonly string[] = [
  'no route to destination',
  'administratively prohibited',
  'beyond scope of source address',
  'address unreachable',
  'port unreachable',
  'source address failed ingress/egress policy',
  'reject route to destination',
  'error in source routing header',
  'headers too long',
];

/** Human name of an ICMP (v4 type 3) or ICMPv6 (type 1) destination-unreachable code. */
export function icmpUnreachableName(ipVersion: 4 | 6, code: number): string {
  const names = ipVersion === 4 ? ICMPV4_UNREACH_NAMES : ICMPV6_UNREACH_NAMES;
  return names[code] ?? `unknown code ${code}`;
}

/** What a destination unreachable does to a socket, per OS and on Linux. */
export interface IcmpUnreachableEffect {
  /** The error each OS maps the ICMP to, in OS_ORDER; empty for a code no stack maps. */
  codes: ErrorCode[];
  /**
   * Linux: a TCP connect() in SYN_SENT fails at once with `codes[1]` instead of
   * retransmitting the SYN. Always false for UDP, which has no handshake.
   */
  abortsConnectImmediately: boolean;
  /**
   * Linux: the error is "hard" (icmp_err_convert's `fatal`). A connected UDP socket without
   * IP_RECVERR reports only hard errors; soft ones are dropped and the application waits.
   */
  hardError: boolean;
}

/** Linux icmp_err_convert[] (net/ipv4/icmp.c): errno and `fatal` per IPv4 code 0-15. */
const LINUX_V4: readonly (readonly [string, boolean])[] = [
  ['ENETUNREACH', false],
  ['EHOSTUNREACH', false],
  ['ENOPROTOOPT', true],
  ['ECONNREFUSED', true],
  ['EMSGSIZE', false],
  ['EOPNOTSUPP', false],
  ['ENETUNREACH', true],
  ['EHOSTDOWN', true],
  ['ENONET', true],
  ['ENETUNREACH', true],
  ['EHOSTUNREACH', true],
  ['ENETUNREACH', false],
  ['EHOSTUNREACH', false],
  ['EHOSTUNREACH', true],
  ['EHOSTUNREACH', true],
  ['EHOSTUNREACH', true],
];

/** Linux tab_unreach[] (net/ipv6/icmp.c, icmpv6_err_convert): ICMPv6 codes 0-6. */
const LINUX_V6: readonly (readonly [string, boolean])[] = [
  ['ENETUNREACH', false],
  ['EACCES', true],
  ['EHOSTUNREACH', false],
  ['EHOSTUNREACH', false],
  ['ECONNREFUSED', true],
  ['EACCES', true],
  ['EACCES', true],
];

// Windows: tcpip.sys is closed source. Net-type codes surface as WSAENETUNREACH and
// host-type and prohibited codes as WSAEHOSTUNREACH (the NTSTATUS → Winsock mapping of
// STATUS_NETWORK_UNREACHABLE / STATUS_HOST_UNREACHABLE). Port unreachable surfaces as
// STATUS_PORT_UNREACHABLE → WSAECONNRESET for UDP, and as a refusal for TCP connect().
// Unverified: protocol unreachable is taken as STATUS_PROTOCOL_UNREACHABLE, which
// Microsoft's user-mode mappings turn into WSAENETUNREACH; fragmentation needed as
// WSAEMSGSIZE. Also unverified: whether Windows fails connect() at the first ICMP error
// or only after its SYN retransmissions, so no timing is claimed for Windows.
function windowsV4(code: number, transport: 'tcp' | 'udp'): string {
  switch (code) {
    case 0: case 2: case 6: case 11: return 'WSAENETUNREACH';
    case 3: return transport === 'tcp' ? 'WSAECONNREFUSED' : 'WSAECONNRESET';
    case 4: return 'WSAEMSGSIZE';
    default: return 'WSAEHOSTUNREACH';
  }
}

function windowsV6(code: number, transport: 'tcp' | 'udp'): string {
  switch (code) {
    case 0: case 6: return 'WSAENETUNREACH';
    case 4: return transport === 'tcp' ? 'WSAECONNREFUSED' : 'WSAECONNRESET';
    default: return 'WSAEHOSTUNREACH';
  }
}

// macOS (xnu bsd/netinet/ip_icmp.c icmp_input + ip_input.c inetctlerrmap): codes 2 and 3
// both become PRC_UNREACH_PORT → ECONNREFUSED; 9, 10, 13 become PRC_UNREACH_ADMIN_PROHIB
// → ECONNREFUSED; 4 is PRC_MSGSIZE → EMSGSIZE; every other code becomes PRC_UNREACH_NET,
// which xnu maps to ENETUNREACH (FreeBSD maps it to EHOSTUNREACH). tcp_ctlinput drops a
// SYN_SENT connection at once only for the port and prohibited classes; the others are
// soft errors, returned when connect() gives up instead of ETIMEDOUT.
function macosV4(code: number): string {
  switch (code) {
    case 2: case 3: case 9: case 10: case 13: return 'ECONNREFUSED';
    case 4: return 'EMSGSIZE';
    default: return 'ENETUNREACH';
  }
}

// macOS ICMPv6 (KAME-derived icmp6_input): no route and address unreachable become
// PRC_UNREACH_NET → EHOSTUNREACH; beyond scope PRC_PARAMPROB → ENOPROTOOPT; port
// unreachable ECONNREFUSED. Unverified: administratively prohibited (1) and its RFC 4443
// refinements 5 and 6 are taken as ECONNREFUSED, like the IPv4 prohibited codes.
function macosV6(code: number): string {
  switch (code) {
    case 0: case 3: return 'EHOSTUNREACH';
    case 2: return 'ENOPROTOOPT';
    default: return 'ECONNREFUSED';
  }
}

/**
 * What an ICMP destination unreachable for a TCP SYN/segment or UDP datagram turns into.
 *
 * Why `abortsConnectImmediately`: Linux tcp_v4_err/tcp_v6_err fail a connect() in SYN_SENT
 * on any destination unreachable they accept, whatever its `fatal` flag — every IPv4 code
 * 0-15 except 4 (fragmentation needed only lowers the path MTU) and every ICMPv6 code. The
 * `fatal` flag matters after the handshake: RFC 1122 §4.2.3.9 lets only protocol and port
 * unreachable be hard errors, so an established connection otherwise keeps retrying.
 */
export function icmpUnreachableEffect(
  ipVersion: 4 | 6,
  icmpCode: number,
  transport: 'tcp' | 'udp',
): IcmpUnreachableEffect {
  const linux = ipVersion === 4 ? LINUX_V4[icmpCode] : LINUX_V6[icmpCode];
  if (!linux || !Number.isInteger(icmpCode)) {
    return { codes: [], abortsConnectImmediately: false, hardError: false };
  }
  const [linuxName, fatal] = linux;
  const windows = ipVersion === 4 ? windowsV4(icmpCode, transport) : windowsV6(icmpCode, transport);
  const macos = ipVersion === 4 ? macosV4(icmpCode) : macosV6(icmpCode);
  const fragNeeded = ipVersion === 4 && icmpCode === 4;
  return {
    codes: [errorCode('windows', windows), errorCode('linux', linuxName), errorCode('macos', macos)],
    abortsConnectImmediately: transport === 'tcp' && !fragNeeded,
    // __udp4_lib_err reports fragmentation needed as a hard EMSGSIZE while path MTU
    // discovery is on (the default).
    hardError: fatal || (fragNeeded && transport === 'udp'),
  };
}

/** The error each OS reports for an ICMP destination unreachable, in OS_ORDER. */
export function icmpUnreachableCodes(ipVersion: 4 | 6, icmpCode: number, transport: 'tcp' | 'udp'): ErrorCode[] {
  return icmpUnreachableEffect(ipVersion, icmpCode, transport).codes;
}

// ---------------------------------------------------------------------------------------
// Lookup for `wirewhy explain`
// ---------------------------------------------------------------------------------------

/** A catalogue entry matched by findCodes, with the signatures that cite it. */
export interface CodeMatch {
  code: ErrorCode;
  signatures: Signature[];
  /** Some ICMP destination unreachable maps to this code (see icmpUnreachableEffect). */
  fromIcmpUnreachable: boolean;
}

function icmpCitedCodes(): Set<ErrorCode> {
  const cited = new Set<ErrorCode>();
  for (const version of [4, 6] as const) {
    const count = version === 4 ? LINUX_V4.length : LINUX_V6.length;
    for (let code = 0; code < count; code++) {
      for (const transport of ['tcp', 'udp'] as const) {
        for (const c of icmpUnreachableCodes(version, code, transport)) cited.add(c);
      }
    }
  }
  return cited;
}

let icmpCited: Set<ErrorCode> | undefined;

/**
 * Find codes by number ("10061", "111", "-2": every OS whose code has that number) or by
 * symbol, case-insensitive ("econnrefused"). A symbol without the WSA prefix also finds
 * the Winsock counterpart (ECONNREFUSED → WSAECONNREFUSED). Results keep catalogue order.
 */
export function findCodes(query: string): CodeMatch[] {
  const q = query.trim();
  if (q === '') return [];
  let matches: ErrorCode[];
  if (/^[+-]?\d+$/.test(q)) {
    const n = Number(q);
    matches = ERROR_CODES.filter((c) => c.code === n);
  } else {
    const symbol = q.toUpperCase();
    matches = ERROR_CODES.filter((c) => c.name === symbol || (c.os === 'windows' && c.name === `WSA${symbol}`));
  }
  icmpCited ??= icmpCitedCodes();
  const cited = icmpCited;
  return matches.map((code) => ({
    code,
    signatures: SIGNATURES.filter((s) => SIGNATURE_CODES[s].includes(code)),
    fromIcmpUnreachable: cited.has(code),
  }));
}

// ---------------------------------------------------------------------------------------
// TLS alerts: what each client library reports when its peer's alert ends the handshake
// ---------------------------------------------------------------------------------------

/** What the libraries call one TLS alert (RFC 8446 §6 AlertDescription). */
interface TlsAlertNaming {
  /** OpenSSL 3 reason text of a received alert: reason code 1000 + alert (SSL_AD_REASON_OFFSET). */
  openssl: string;
  /** .NET's System.Net.Security.TlsAlertMessage member. */
  dotnet: string;
  /** Go crypto/tls alertText. */
  go?: string;
  /** Secure Transport errSSLPeer* code and name. */
  secureTransport?: readonly [number, string, string];
  /** Schannel code Microsoft documents for this alert received, and its winerror.h name. */
  schannel?: readonly [number, string];
}

// Ref: OpenSSL 3.0 ssl/ssl_err.c, read back with `openssl errstr 0A000410` and so on for every
// alert here (reason = 1000 + alert; the library code 0x0A is "SSL routines").
// Ref: dotnet/runtime src/libraries/Common/src/System/Net/Security/TlsAlertMessage.cs.
// Ref: golang/go src/crypto/tls/alert.go (alertText; conn.go reports a received fatal alert as
// net.OpError{Op: "remote error"}, so the text reads "remote error: tls: handshake failure").
// Ref: Apple Security SecureTransport.h (errSSLPeer* = -9819 … -9840) and sslAlertMessage.c,
// which maps each received alert to its errSSLPeer* code.
// Ref: Microsoft Learn, "Schannel error codes for TLS and SSL alerts" (alert received →
// SEC_E_* code), codes and texts from winerror.h. Traces of .NET on Windows show 0x80090326
// SEC_E_ILLEGAL_MESSAGE for handshake_failure and internal_error alike, so the finding cites
// that code and keeps the documented one beside it.
const TLS_ALERTS: Readonly<Record<number, TlsAlertNaming>> = {
  10: { openssl: 'sslv3 alert unexpected message', dotnet: 'UnexpectedMessage', go: 'unexpected message', secureTransport: [-9819, 'errSSLPeerUnexpectedMsg', 'unexpected message received'], schannel: [0x80090326, 'SEC_E_ILLEGAL_MESSAGE'] },
  20: { openssl: 'sslv3 alert bad record mac', dotnet: 'BadRecordMac', go: 'bad record MAC', secureTransport: [-9820, 'errSSLPeerBadRecordMac', 'bad MAC'], schannel: [0x8009030f, 'SEC_E_MESSAGE_ALTERED'] },
  21: { openssl: 'tlsv1 alert decryption failed', dotnet: 'DecryptionFailed', go: 'decryption failed', secureTransport: [-9821, 'errSSLPeerDecryptionFail', 'decryption failed'], schannel: [0x80090330, 'SEC_E_DECRYPT_FAILURE'] },
  22: { openssl: 'tlsv1 alert record overflow', dotnet: 'RecordOverflow', go: 'record overflow', secureTransport: [-9822, 'errSSLPeerRecordOverflow', 'record overflow'], schannel: [0x80090326, 'SEC_E_ILLEGAL_MESSAGE'] },
  30: { openssl: 'sslv3 alert decompression failure', dotnet: 'DecompressionFail', go: 'decompression failure', secureTransport: [-9823, 'errSSLPeerDecompressFail', 'decompression failure'], schannel: [0x8009030f, 'SEC_E_MESSAGE_ALTERED'] },
  40: { openssl: 'sslv3 alert handshake failure', dotnet: 'HandshakeFailure', go: 'handshake failure', secureTransport: [-9824, 'errSSLPeerHandshakeFail', 'handshake failure'], schannel: [0x80090326, 'SEC_E_ILLEGAL_MESSAGE'] },
  41: { openssl: 'sslv3 alert no certificate', dotnet: 'NoCertificate' },
  42: { openssl: 'sslv3 alert bad certificate', dotnet: 'BadCertificate', go: 'bad certificate', secureTransport: [-9825, 'errSSLPeerBadCert', 'misc. bad certificate'], schannel: [0x80090327, 'SEC_E_CERT_UNKNOWN'] },
  43: { openssl: 'sslv3 alert unsupported certificate', dotnet: 'UnsupportedCert', go: 'unsupported certificate', secureTransport: [-9826, 'errSSLPeerUnsupportedCert', 'bad unsupported cert format'], schannel: [0x80090327, 'SEC_E_CERT_UNKNOWN'] },
  44: { openssl: 'sslv3 alert certificate revoked', dotnet: 'CertificateRevoked', go: 'revoked certificate', secureTransport: [-9827, 'errSSLPeerCertRevoked', 'certificate revoked'], schannel: [0x80092010, 'CRYPT_E_REVOKED'] },
  45: { openssl: 'sslv3 alert certificate expired', dotnet: 'CertificateExpired', go: 'expired certificate', secureTransport: [-9828, 'errSSLPeerCertExpired', 'certificate expired'], schannel: [0x80090328, 'SEC_E_CERT_EXPIRED'] },
  46: { openssl: 'sslv3 alert certificate unknown', dotnet: 'CertificateUnknown', go: 'unknown certificate', secureTransport: [-9829, 'errSSLPeerCertUnknown', 'unknown certificate'], schannel: [0x80090327, 'SEC_E_CERT_UNKNOWN'] },
  47: { openssl: 'sslv3 alert illegal parameter', dotnet: 'IllegalParameter', go: 'illegal parameter', secureTransport: [-9830, 'errSSLIllegalParam', 'illegal parameter'], schannel: [0x80090326, 'SEC_E_ILLEGAL_MESSAGE'] },
  48: { openssl: 'tlsv1 alert unknown ca', dotnet: 'UnknownCA', go: 'unknown certificate authority', secureTransport: [-9831, 'errSSLPeerUnknownCA', 'unknown Cert Authority'], schannel: [0x80090325, 'SEC_E_UNTRUSTED_ROOT'] },
  49: { openssl: 'tlsv1 alert access denied', dotnet: 'AccessDenied', go: 'access denied', secureTransport: [-9832, 'errSSLPeerAccessDenied', 'access denied'], schannel: [0x8009030c, 'SEC_E_LOGON_DENIED'] },
  50: { openssl: 'tlsv1 alert decode error', dotnet: 'DecodeError', go: 'error decoding message', secureTransport: [-9833, 'errSSLPeerDecodeError', 'decoding error'], schannel: [0x80090326, 'SEC_E_ILLEGAL_MESSAGE'] },
  51: { openssl: 'tlsv1 alert decrypt error', dotnet: 'DecryptError', go: 'error decrypting message', secureTransport: [-9834, 'errSSLPeerDecryptError', 'decryption error'], schannel: [0x80090330, 'SEC_E_DECRYPT_FAILURE'] },
  60: { openssl: 'tlsv1 alert export restriction', dotnet: 'ExportRestriction', secureTransport: [-9835, 'errSSLPeerExportRestriction', 'export restriction'], schannel: [0x80090326, 'SEC_E_ILLEGAL_MESSAGE'] },
  70: { openssl: 'tlsv1 alert protocol version', dotnet: 'ProtocolVersion', go: 'protocol version not supported', secureTransport: [-9836, 'errSSLPeerProtocolVersion', 'bad protocol version'], schannel: [0x80090302, 'SEC_E_UNSUPPORTED_FUNCTION'] },
  71: { openssl: 'tlsv1 alert insufficient security', dotnet: 'InsufficientSecurity', go: 'insufficient security level', secureTransport: [-9837, 'errSSLPeerInsufficientSecurity', 'insufficient security'], schannel: [0x80090331, 'SEC_E_ALGORITHM_MISMATCH'] },
  80: { openssl: 'tlsv1 alert internal error', dotnet: 'InternalError', go: 'internal error', secureTransport: [-9838, 'errSSLPeerInternalError', 'internal error'], schannel: [0x80090304, 'SEC_E_INTERNAL_ERROR'] },
  86: { openssl: 'tlsv1 alert inappropriate fallback', dotnet: 'InappropriateFallback', go: 'inappropriate fallback' },
  90: { openssl: 'tlsv1 alert user cancelled', dotnet: 'UserCanceled', go: 'user canceled', secureTransport: [-9839, 'errSSLPeerUserCancelled', 'user canceled'] },
  100: { openssl: 'tlsv1 alert no renegotiation', dotnet: 'NoRenegotiation', go: 'no renegotiation', secureTransport: [-9840, 'errSSLPeerNoRenegotiation', 'no renegotiation allowed'] },
  109: { openssl: 'tlsv13 alert missing extension', dotnet: 'MissingExtension', go: 'missing extension' },
  110: { openssl: 'tlsv1 unsupported extension', dotnet: 'UnsupportedExtension', go: 'unsupported extension' },
  111: { openssl: 'tlsv1 certificate unobtainable', dotnet: 'CertificateUnobtainable' },
  112: { openssl: 'tlsv1 unrecognized name', dotnet: 'UnrecognizedName' },
  113: { openssl: 'tlsv1 bad certificate status response', dotnet: 'BadCertificateStatusResponse' },
  114: { openssl: 'tlsv1 bad certificate hash value', dotnet: 'BadCertificateHashValue' },
  115: { openssl: 'tlsv1 alert unknown psk identity', dotnet: 'UnknownPskIdentity' },
  116: { openssl: 'tlsv13 alert certificate required', dotnet: 'CertificateRequired' },
  120: { openssl: 'tlsv1 alert no application protocol', dotnet: 'NoApplicationProtocol', go: 'no application protocol' },
};

// winerror.h texts of the Schannel codes cited.
const SCHANNEL_TEXT: Readonly<Record<string, string>> = {
  SEC_E_ILLEGAL_MESSAGE: 'The message received was unexpected or badly formatted.',
  SEC_E_MESSAGE_ALTERED: 'The message or signature supplied for verification has been altered',
  SEC_E_DECRYPT_FAILURE: 'The specified data could not be decrypted.',
  SEC_E_CERT_UNKNOWN: 'An unknown error occurred while processing the certificate.',
  CRYPT_E_REVOKED: 'The certificate is revoked.',
  SEC_E_CERT_EXPIRED: 'The received certificate has expired.',
  SEC_E_UNTRUSTED_ROOT: 'The certificate chain was issued by an authority that is not trusted.',
  SEC_E_LOGON_DENIED: 'The logon attempt failed',
  SEC_E_UNSUPPORTED_FUNCTION: 'The function requested is not supported',
  SEC_E_ALGORITHM_MISMATCH: 'The client and server cannot communicate, because they do not possess a common algorithm.',
  SEC_E_INTERNAL_ERROR: 'The Local Security Authority cannot be contacted',
};

/** "0x80090326": how Windows prints an HRESULT or SECURITY_STATUS. */
function hresultText(code: number): string {
  return codeNumber({ os: 'windows', code });
}

/**
 * The codes a client's TLS library returns when the server's alert `alert` ended the handshake,
 * in OS_ORDER: Windows Schannel (0x80090326 SEC_E_ILLEGAL_MESSAGE, as observed for every alert
 * .NET traces show), Linux OpenSSL (the reason code, 1000 + alert), macOS Secure Transport (its
 * errSSLPeer* code, else errSSLFatalAlert -9802).
 */
export function tlsAlertReceivedCodes(alert: number): ErrorCode[] {
  const n = TLS_ALERTS[alert];
  const openssl = n?.openssl ?? `alert ${alert}`;
  const st = n?.secureTransport;
  return [
    entry('windows', 0x80090326, 'SEC_E_ILLEGAL_MESSAGE', SCHANNEL_TEXT.SEC_E_ILLEGAL_MESSAGE!),
    entry('linux', 1000 + alert, `SSL_R_${openssl.toUpperCase().replace(/ /g, '_')}`, openssl),
    st ? entry('macos', st[0], st[1], st[2]) : entry('macos', -9802, 'errSSLFatalAlert', 'fatal alert'),
  ];
}

/** One client library's words for a failure. */
export interface LibraryMessage {
  library: string;
  text: string;
}

/**
 * What each client library prints when the peer's fatal alert `alert` ends its handshake, in
 * our words around the library's own fixed part (the error string, the code, the alert's name).
 * Checked against the captures' clients (OpenSSL 3.0 s_client, curl 7.88, Python 3, Node.js 20,
 * Java 17: see fixtures/kernel/tls-*.client.json) and the sources cited above (Go, .NET).
 */
export function tlsAlertClientMessages(alert: number, rfcName: string): LibraryMessage[] {
  const n = TLS_ALERTS[alert];
  const reason = n?.openssl ?? `alert ${alert}`;
  const hex = `0A${(1000 + alert).toString(16).toUpperCase().padStart(6, '0')}`;
  const opensslError = `error:${hex}:SSL routines::${reason}`;
  const upper = reason.toUpperCase().replace(/ /g, '_');
  const schannel = n?.schannel;
  const out: LibraryMessage[] = [
    { library: 'OpenSSL 3 (s_client, and what curl, Python and Node.js wrap)', text: `error:${hex}:SSL routines:ssl3_read_bytes:${reason}:…:SSL alert number ${alert}` },
    { library: 'curl', text: `curl: (35) OpenSSL/3…: ${opensslError}` },
    { library: 'Python ssl', text: `ssl.SSLError: [SSL: ${upper}] ${reason} (_ssl.c:…)` },
    { library: 'Node.js', text: `Error code ERR_SSL_${upper}: …:error:${hex}:SSL routines:ssl3_read_bytes:${reason}:…:SSL alert number ${alert}` },
    { library: 'Java (JSSE)', text: `javax.net.ssl.SSLHandshakeException: Received fatal alert: ${rfcName}` },
    { library: 'Go crypto/tls', text: `remote error: tls: ${n?.go ?? `alert(${alert})`}` },
    { library: '.NET (5 and later)', text: `AuthenticationException: Authentication failed because the remote party sent a TLS alert: '${n?.dotnet ?? alert}'.` },
    { library: 'Windows Schannel', text: `${hresultText(0x80090326)} SEC_E_ILLEGAL_MESSAGE${schannel && schannel[1] !== 'SEC_E_ILLEGAL_MESSAGE' ? ` (Microsoft documents ${hresultText(schannel[0])} ${schannel[1]} for this alert)` : ''}` },
  ];
  return out;
}

/** Alerts a client sends when it rejects the server's certificate (RFC 8446 §6.2). */
export const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([42, 43, 44, 45, 46, 48]);

/**
 * The codes a client's TLS library returns when it rejects the server's certificate (and says so
 * with alert `alert`), in OS_ORDER: Schannel's code for that certificate problem (the documented
 * code of the alert), OpenSSL's SSL_R_CERTIFICATE_VERIFY_FAILED (134, `openssl errstr 0A000086`),
 * Secure Transport's errSSLXCertChainInvalid (-9807).
 */
export function tlsCertificateRejectedCodes(alert: number): ErrorCode[] {
  const schannel = TLS_ALERTS[alert]?.schannel ?? [0x80090327, 'SEC_E_CERT_UNKNOWN'];
  return [
    entry('windows', schannel[0], schannel[1], SCHANNEL_TEXT[schannel[1]] ?? ''),
    entry('linux', 134, 'SSL_R_CERTIFICATE_VERIFY_FAILED', 'certificate verify failed'),
    entry('macos', -9807, 'errSSLXCertChainInvalid', 'Invalid certificate chain'),
  ];
}

/**
 * What each client library prints when it rejects the server's certificate; the detail after the
 * fixed part depends on the certificate (unknown issuer, expired, wrong name), which the capture
 * cannot show in TLS 1.3 and which these lines leave as "…".
 */
export function tlsCertificateRejectedMessages(): LibraryMessage[] {
  return [
    { library: 'OpenSSL 3', text: 'error:0A000086:SSL routines::certificate verify failed' },
    { library: 'curl', text: 'curl: (60) SSL certificate problem: …' },
    { library: 'Python ssl', text: 'ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: … (_ssl.c:…)' },
    { library: 'Node.js', text: 'Error code SELF_SIGNED_CERT_IN_CHAIN, DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CERT_HAS_EXPIRED or ERR_TLS_CERT_ALTNAME_INVALID, by the certificate\'s problem' },
    { library: 'Java (JSSE)', text: 'javax.net.ssl.SSLHandshakeException: PKIX path building failed: … unable to find valid certification path to requested target' },
    { library: 'Go crypto/tls', text: 'tls: failed to verify certificate: x509: …' },
    { library: '.NET (5 and later)', text: 'AuthenticationException: The remote certificate is invalid according to the validation procedure: …' },
  ];
}

// ---------------------------------------------------------------------------------------
// What ping prints for a destination unreachable
// ---------------------------------------------------------------------------------------

// Ref: iputils ping/ping.c pr_icmph() (IPv4) and ping/ping6_common.c pr_icmph() (IPv6): the
// line is "From ROUTER icmp_seq=N <text>"; ping exits with status 1 when no reply came.
const PING_LINUX_V4: readonly string[] = [
  'Destination Net Unreachable',
  'Destination Host Unreachable',
  'Destination Protocol Unreachable',
  'Destination Port Unreachable',
  'Frag needed and DF set',
  'Source Route Failed',
  'Destination Net Unknown',
  'Destination Host Unknown',
  'Source Host Isolated',
  'Destination Net Prohibited',
  'Destination Host Prohibited',
  'Destination Net Unreachable for Type of Service',
  'Destination Host Unreachable for Type of Service',
  'Packet filtered',
  'Precedence Violation',
  'Precedence Cutoff',
];
const PING_LINUX_V6: readonly string[] = [
  'Destination unreachable: No route',
  'Destination unreachable: Administratively prohibited',
  'Destination unreachable: Beyond scope',
  'Destination unreachable: Address unreachable',
  'Destination unreachable: Port unreachable',
];

// Ref: FreeBSD/macOS sbin/ping/ping.c pr_icmph() and ping6.c pr_icmph(): "92 bytes from ROUTER:
// <text>"; ping exits with status 2 when no reply came (ping(8), EXIT STATUS).
const PING_MACOS_V4: readonly string[] = [
  'Destination Net Unreachable',
  'Destination Host Unreachable',
  'Destination Protocol Unreachable',
  'Destination Port Unreachable',
  'frag needed and DF set',
  'Source Route Failed',
  'Destination Net Unknown',
  'Destination Host Unknown',
  'Source Host Isolated',
  'Destination Net Prohibited',
  'Destination Host Prohibited',
  'Destination Net Unreachable for TOS',
  'Destination Host Unreachable for TOS',
  'Communication prohibited by filter',
  'Host Precedence Violation',
  'Precedence Cutoff',
];
const PING_MACOS_V6: readonly string[] = [
  'Destination Unreachable: No Route to Destination',
  'Destination Unreachable: Destination Administratively Unreachable',
  'Destination Unreachable: Destination Unreachable Beyond Scope',
  'Destination Unreachable: Destination Host Unreachable',
  'Destination Unreachable: Destination Port Unreachable',
];

// Ref: ipexport.h IP_STATUS values (IcmpSendEcho), as ping.exe prints them ("Reply from ROUTER:
// Destination host unreachable."). ping.exe counts such a reply as received, so its exit status
// is 0. Unverified: which IP_STATUS Windows gives the rarer codes; they are taken as the
// host-unreachable family, like its socket mapping (WSAEHOSTUNREACH).
const PING_WINDOWS: ReadonlyArray<readonly [number, string, string]> = [
  [11002, 'IP_DEST_NET_UNREACHABLE', 'Destination net unreachable.'],
  [11003, 'IP_DEST_HOST_UNREACHABLE', 'Destination host unreachable.'],
  [11004, 'IP_DEST_PROT_UNREACHABLE', 'Destination protocol unreachable.'],
  [11005, 'IP_DEST_PORT_UNREACHABLE', 'Destination port unreachable.'],
  [11009, 'IP_PACKET_TOO_BIG', 'Packet needs to be fragmented but DF set.'],
];

function pingWindows(ipVersion: 4 | 6, code: number): readonly [number, string, string] {
  const index = ipVersion === 4 ? ([0, 1, 2, 3, 4] as const)[code] ?? ([6, 11].includes(code) ? 0 : 1) : ([0, 1, 1, 1, 3] as const)[code] ?? 1;
  return PING_WINDOWS[index]!;
}

/**
 * What ping prints, per OS, when its echo request is answered by a destination unreachable
 * (ICMP type 3 or ICMPv6 type 1) with `icmpCode`: the line each ping shows, with its exit
 * status as the code (Windows: the IP_STATUS of IcmpSendEcho).
 */
export function pingUnreachableCodes(ipVersion: 4 | 6, icmpCode: number): ErrorCode[] {
  const linux = (ipVersion === 4 ? PING_LINUX_V4 : PING_LINUX_V6)[icmpCode] ?? `Destination unreachable: code ${icmpCode}`;
  const macos = (ipVersion === 4 ? PING_MACOS_V4 : PING_MACOS_V6)[icmpCode] ?? `Destination Unreachable: code ${icmpCode}`;
  const [code, name, message] = pingWindows(ipVersion, icmpCode);
  return [entry('windows', code, name, message), entry('linux', 1, 'ping exit status 1', linux), entry('macos', 2, 'ping exit status 2', macos)];
}
