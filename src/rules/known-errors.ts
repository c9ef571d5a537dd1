/**
 * The catalogue of errors people paste into `wirewhy explain`: numbers (Winsock, errno, Win32,
 * HRESULT, SQL Server client, curl, Chromium), symbols (ECONNREFUSED, ENOTFOUND, EAI_AGAIN,
 * net::ERR_CONNECTION_REFUSED) and whole messages as Python, Java, .NET, Go, Node.js, curl,
 * browsers and sqlcmd/ODBC print them, each with the failure it stands for and the wirewhy
 * rules that show that failure on the wire.
 *
 * Every text was checked against its runtime's sources or documentation; `source` says where.
 * The OS codes the rules cite live in codes.ts and are reused here, not copied.
 */
import { errorCode } from './codes.js';
import type { OsName } from './types.js';

// ---------------------------------------------------------------------------------------
// Where each text was checked
// ---------------------------------------------------------------------------------------

const MS = 'learn.microsoft.com/windows/win32/debug/';
const SRC = {
  winsock: `${MS}system-error-codes--9000-11999- (FormatMessage texts); names in winerror.h`,
  win32Low: `${MS}system-error-codes--0-499-`,
  win32Net: `${MS}system-error-codes--1000-1299-`,
  win32Timeout: `${MS}system-error-codes--1300-1699-`,
  wininet: 'learn.microsoft.com/windows/win32/wininet/wininet-errors (wininet.h; WinHTTP uses the same numbers)',
  hresult: 'learn.microsoft.com/windows/win32/com/com-error-codes-1 (E_FAIL)',
  linuxErrno: 'Linux include/uapi/asm-generic/errno.h; texts: glibc strerror (as Python, Java and .NET print them)',
  linuxGai: 'glibc resolv/netdb.h EAI_* and gai_strerror',
  macosErrno: 'xnu bsd/sys/errno.h; texts: BSD libc strerror (FreeBSD lib/libc/gen/errlst.c)',
  macosGai: 'macOS netdb.h EAI_* and gai_strerror',
  sqlSni: 'dotnet/SqlClient src/Microsoft.Data.SqlClient/src/Resources/Strings.resx (SNI_ERROR_n); "(provider: P, error: N - text)" from TdsParser.cs',
  sqlTroubleshoot:
    'learn.microsoft.com/troubleshoot/sql/database-engine/connect/network-related-or-instance-specific-error-occurred-while-establishing-connection',
  sqlException: 'dotnet/SqlClient SqlException.cs (HResult 0x80131904)',
  curlCodes: 'curl lib/strerror.c (curl_easy_strerror) and docs/libcurl/libcurl-errors.md',
  curlConnect: 'curl lib/cf-ip-happy.c ("Failed to connect to H port P after N ms: ...")',
  curlTimeout: 'curl lib/multi.c ("Connection/Resolving timed out after N milliseconds")',
  curlResolve: 'curl lib/vdns/hostip.c ("Could not resolve host: H")',
  curlEmpty: 'curl lib/http.c ("Empty reply from server")',
  chromium: 'chromium net/base/net_error_list.h',
  firefox: 'mozilla xpcom/base/ErrorList.py (NS_ERROR_MODULE_NETWORK: 0x804B0000 + n)',
  libuv: 'libuv include/uv.h (UV_ERRNO_MAP); Node.js lib/internal/errors.js prints "<syscall> <CODE> <address>:<port>"',
  nodeDns: 'Node.js lib/internal/errors.js dnsException (EAI_NODATA and EAI_NONAME become ENOTFOUND)',
  nodeHttp: 'Node.js lib/_http_client.js (ConnResetException("socket hang up"), code ECONNRESET)',
  undici: 'undici lib/core/errors.js (ConnectTimeoutError) and lib/web/fetch/index.js (TypeError "fetch failed"), the fetch() of Node.js',
  dotnet: 'learn.microsoft.com/dotnet/api/system.net.sockets.socketerror (values are the Winsock codes)',
  dotnetEagain: 'dotnet/runtime#98794 and dotnet/corefx#17434 (EAI_AGAIN surfaces with errno 11\'s text on Linux)',
  java: 'OpenJDK src/java.base/share/classes/sun/nio/ch/NioSocketImpl.java and java.net exception classes',
  python: 'CPython Modules/socketmodule.c (set_gaierror, "timed out") and Objects/exceptions.c (OSError subclasses)',
  schannelAlerts: 'learn.microsoft.com/windows/win32/secauthn/schannel-error-codes-for-tls-and-ssl-alerts; text from winerror.h',
  jsseAlert: 'OpenJDK src/java.base/share/classes/sun/security/ssl/Alert.java ("Received fatal alert: " + the alert\'s name); measured with Java 17 (fixtures/kernel/tls-*.client.json)',
  goAlert: 'Go src/crypto/tls/alert.go and conn.go (net.OpError{Op: "remote error"})',
  opensslAlert: 'OpenSSL 3 ssl/ssl_err.c (openssl errstr 0A000410); measured with s_client, curl, Python and Node.js (fixtures/kernel/tls-*.client.json)',
  sqlLogin: 'learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error',
  go: 'Go src/net/net.go (i/o timeout, no such host), src/net/dnsclient_unix.go (server misbehaving), src/context/context.go',
} as const;

// ---------------------------------------------------------------------------------------
// Failures: what happened, and which rules show it on the wire
// ---------------------------------------------------------------------------------------

/** What a failure is, in a sentence, and where a capture shows it. */
export interface FailureInfo {
  /** One sentence: what happened. */
  summary: string;
  /** The wirewhy rules that report this failure on the wire, most telling first; empty when none does. */
  rules: readonly string[];
  /** What to check when no rule's checks fit (a local failure, or a SQL Server client's own error). */
  checks?: readonly string[];
}

const SQL_BROWSER_CHECKS = [
  'The SQL Server Browser service runs on the server, and UDP 1434 reaches it through every firewall',
  'The instance name in the connection string is an installed instance (SERVER\\INSTANCE)',
  'Or skip the Browser: connect as tcp:SERVER,PORT with the port the instance listens on',
] as const;

/** Every failure the catalogue names. */
export const FAILURES = {
  refused: {
    summary: 'The connection attempt was refused: a reset (RST) answered the SYN, because nothing listens on that port or a firewall rejects it.',
    rules: ['connection-refused', 'destination-unreachable'],
  },
  'connect-timeout': {
    summary: 'The connection attempt got no answer: the SYN was sent again and again until the client gave up (a firewall that drops, a host that is down, a wrong address).',
    rules: ['connect-timeout', 'stale-connection'],
  },
  'timed-out': {
    summary: 'A connection attempt, or an established connection, got no answer in time: unanswered SYNs, or data never acknowledged.',
    rules: ['connect-timeout', 'connection-aborted', 'zero-window-stall', 'stale-connection'],
  },
  'app-timeout': {
    summary: "The application's own timer ran out (a read, a request, a login or the whole operation) while it waited; the network stack itself reported nothing.",
    rules: ['connect-timeout', 'connection-aborted', 'zero-window-stall'],
  },
  reset: {
    summary: 'The peer, or a device in between, reset an established connection with a TCP RST.',
    rules: ['connection-reset', 'half-open', 'syn-ack-retransmit'],
  },
  'closed-early': {
    summary: 'The server closed the connection (FIN or RST) before it sent any answer.',
    rules: ['connection-reset', 'half-open'],
  },
  'connection-lost': {
    summary: 'An established connection broke: reset by the peer or a device in between, or dropped after data went unacknowledged.',
    rules: ['connection-reset', 'connection-aborted', 'half-open'],
  },
  aborted: {
    summary: "This host's stack aborted an established connection, usually after its data went unacknowledged for too long; software on this host (firewall, antivirus) can do it too.",
    rules: ['connection-aborted'],
  },
  'software-abort': {
    summary: 'A connection was aborted on this host, for instance reset before the server accepted it or cut by local software; nothing a capture attributes to the network.',
    rules: [],
  },
  'broken-pipe': {
    summary: 'A write went to a connection the peer had already closed or reset.',
    rules: ['connection-reset', 'half-open'],
  },
  'connect-failed': {
    summary: 'The connection could not be made: refused, timed out or unreachable (the text after this error, or the capture, says which).',
    rules: ['connection-refused', 'connect-timeout', 'destination-unreachable'],
  },
  'host-unreachable': {
    summary: 'No route to the host: a router or the target network answered with ICMP host unreachable, or the local network found no such host (ARP or neighbour discovery got no answer).',
    rules: ['destination-unreachable', 'host-unreachable', 'connect-timeout'],
  },
  'net-unreachable': {
    summary: 'No route to that network: a router answered ICMP network unreachable, or this host has no route at all (then nothing reaches the wire).',
    rules: ['destination-unreachable'],
  },
  'host-down': {
    summary: 'The host is down: an ICMP "destination host unknown" answered, or the local network found nobody at that address.',
    rules: ['destination-unreachable', 'connect-timeout'],
  },
  'port-unreachable': {
    summary: 'An ICMP port unreachable answered: nothing listens on that UDP port (or a firewall rejects with ICMP).',
    rules: ['udp-port-unreachable', 'destination-unreachable'],
  },
  'msg-size': {
    summary: 'A message was larger than the path allows: an ICMP "fragmentation needed" answered, or a datagram exceeded the limit.',
    rules: ['destination-unreachable'],
  },
  'no-protocol': {
    summary: 'The target does not speak the protocol: an ICMP protocol unreachable answered (or a socket option is not supported).',
    rules: ['destination-unreachable'],
  },
  'icmp-other': {
    summary: 'An unusual ICMP destination unreachable (source route failed, host isolated) answered the connection attempt.',
    rules: ['destination-unreachable'],
  },
  access: {
    summary: 'Access was denied: an ICMP "administratively prohibited" answered, or a local firewall or permission forbids the socket operation.',
    rules: ['destination-unreachable'],
  },
  'name-not-found': {
    summary: 'The name does not exist: the DNS server answered NXDOMAIN (or the name has no address records).',
    rules: ['dns-failure'],
  },
  'name-try-again': {
    summary: 'Name resolution failed for now: the DNS server answered SERVFAIL or REFUSED, or never answered.',
    rules: ['dns-failure'],
  },
  'name-failed': {
    summary: 'Name resolution failed for good: the DNS server refused or could not answer.',
    rules: ['dns-failure'],
  },
  'name-not-resolved': {
    summary: 'The name could not be resolved: NXDOMAIN, SERVFAIL, REFUSED, or no answer from the DNS server.',
    rules: ['dns-failure'],
  },
  'name-no-data': {
    summary: 'The name exists but has no record of the type asked for (a NOERROR answer with nothing in it).',
    rules: [],
    checks: ['Query the name yourself: nslookup -type=A NAME and -type=AAAA NAME', 'Check the record exists in the zone the server serves'],
  },
  'addr-in-use': {
    summary: 'The local address and port are already taken: another program listens there, or the client ran out of ephemeral ports. A local failure: no packet is sent.',
    rules: [],
    checks: [
      'Who holds the port: netstat -ano | findstr :PORT (Windows), ss -ltnp \'sport = :PORT\' (Linux), lsof -i :PORT (macOS)',
      'On a client: count connections in TIME_WAIT; too many short connections exhaust the ephemeral ports',
    ],
  },
  'addr-not-available': {
    summary: 'The address is not valid here: binding to an address this host does not have, connecting to 0.0.0.0 or port 0, or no ephemeral port left (Linux connect()). A local failure: no packet is sent.',
    rules: [],
    checks: [
      'The address in the configuration belongs to this host (ip addr, ipconfig) or is a valid remote address',
      'On a Linux client: ephemeral ports left (ss -s; net.ipv4.ip_local_port_range)',
    ],
  },
  'no-buffers': {
    summary: 'The stack ran out of socket buffers or ports (on Windows, typically ephemeral port exhaustion). A local failure.',
    rules: [],
    checks: ['Count this host\'s connections by state (netstat -ano); thousands in TIME_WAIT or CLOSE_WAIT mean exhaustion'],
  },
  'net-down': {
    summary: 'The local network is down: no usable interface or connection. Nothing reaches the wire.',
    rules: [],
    checks: ['The interface is up and has an address (ip addr, ipconfig); the Wi-Fi or VPN is connected'],
  },
  'net-reset': {
    summary: 'Keep-alive found the connection dead: the peer stopped answering while the connection was idle.',
    rules: ['connection-aborted'],
  },
  eagain: {
    summary: 'A non-blocking operation could not complete yet. Not a network failure by itself.',
    rules: [],
  },
  'protocol-error': {
    summary: 'A protocol error was detected on this host. Not a failure wirewhy recognises on the wire.',
    rules: [],
  },
  'sql-instance': {
    summary: 'The client asked SQL Server Browser (UDP 1434) for the named instance\'s port and got no usable answer: no reply, an ICMP port unreachable, or no such instance; or the server name did not resolve.',
    rules: ['udp-port-unreachable', 'destination-unreachable', 'dns-failure'],
    checks: SQL_BROWSER_CHECKS,
  },
  'sql-no-connection': {
    summary: 'The SQL Server client could not connect with the protocol it tried (TCP or Named Pipes); the error number shown with it (53, 10060, 10061, 11001...) says why.',
    rules: ['connection-refused', 'connect-timeout', 'dns-failure', 'destination-unreachable'],
  },
  'sql-network-error': {
    summary: 'A SQL Server client could not reach the instance; the provider error after this text ("error: 26", "error: 40", "error: 0 - <Windows text>") says why.',
    rules: ['connection-refused', 'connect-timeout', 'dns-failure', 'udp-port-unreachable'],
  },
  'network-path': {
    summary: 'Windows could not reach the server\'s file-sharing service for a network path: the name did not resolve, or TCP 445 (SMB) was refused or dropped. SQL Server\'s Named Pipes runs over it.',
    rules: ['dns-failure', 'connection-refused', 'connect-timeout'],
    checks: [
      'The server name resolves from the client (nslookup NAME)',
      'TCP 445 reaches the server: Test-NetConnection NAME -Port 445 (Named Pipes runs over SMB)',
      'For SQL Server, connect over TCP instead: tcp:NAME,1433 (or the instance\'s port)',
    ],
  },
  'pipe-not-found': {
    summary: 'The named pipe does not exist on the server: it is reachable, but the instance does not listen on Named Pipes or the instance name is wrong.',
    rules: [],
    checks: ['Named Pipes is enabled for the instance (SQL Server Configuration Manager), or connect over TCP: tcp:NAME,PORT', 'The instance name is right'],
  },
  'tls-failed': {
    summary: 'The TLS handshake failed: no common protocol version or cipher, a certificate problem, or the connection was reset during the handshake.',
    rules: ['tls-handshake-failure', 'connection-reset'],
  },
  'app-refused': {
    summary: "The server's application refused the client in its own protocol (a login failure, a host or database not allowed, a gateway error) and the connection ended.",
    rules: ['application-refused'],
  },
  wrapper: {
    summary: 'A container for another error: the number or text that comes with it says what failed.',
    rules: [],
  },
} as const satisfies Record<string, FailureInfo>;

/** A failure the catalogue names. */
export type Failure = keyof typeof FAILURES;

// ---------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------

/** Who defines or prints an error. */
export type ErrorFamily =
  | 'winsock'
  | 'sqlserver'
  | 'win32'
  | 'linux'
  | 'macos'
  | 'curl'
  | 'chromium'
  | 'firefox'
  | 'node'
  | 'dotnet'
  | 'java'
  | 'python'
  | 'go'
  | 'hresult';

/** How each family is named, in the order a bare number's meanings are listed. */
export const FAMILY_LABELS: Readonly<Record<ErrorFamily, string>> = {
  winsock: 'Windows Sockets error',
  sqlserver: 'SQL Server client error',
  win32: 'Windows system error',
  linux: 'Linux errno',
  macos: 'macOS errno',
  curl: 'curl exit code',
  chromium: 'Chrome/Edge net error',
  firefox: 'Firefox error',
  node: 'Node.js error',
  dotnet: '.NET SocketError',
  java: 'Java',
  python: 'Python',
  go: 'Go',
  hresult: 'HRESULT',
};

const FAMILY_ORDER = Object.keys(FAMILY_LABELS) as ErrorFamily[];

/** Rank of a family for ordering a bare number's meanings: lower comes first. */
export function familyRank(family: ErrorFamily): number {
  return FAMILY_ORDER.indexOf(family);
}

/** One error as someone meets it: a number, a name, a message, or all three. */
export interface KnownError {
  family: ErrorFamily;
  /** The number as the family prints it (negative for glibc EAI_*, Chromium; 32-bit for HRESULTs). */
  code?: number;
  /** The symbolic name (WSAECONNREFUSED, ENOTFOUND, ERR_CONNECTION_REFUSED, ConnectException). */
  name?: string;
  /** The message as printed, or for `described` entries the documented meaning. */
  message: string;
  /** `message` is a description, not a text anyone sees printed: not matched in pasted text. */
  described?: true;
  /** Other printed texts that identify this entry, looked for inside what was pasted. */
  texts?: readonly string[];
  /** Texts too short to look for inside a longer message: they match only the whole message. */
  exact?: readonly string[];
  /** A printed text with variable parts (addresses, host names). */
  pattern?: RegExp;
  /** Matched by its texts only, never by number or name (another spelling of a code). */
  textOnly?: true;
  /**
   * Says little on its own: a container for the real error (E_FAIL, "error: 40 - Could not open a
   * connection"), or a generic word for it ("i/o timeout", EAGAIN). In a pasted message it is
   * listed only when nothing more specific matched.
   */
  wrapper?: true;
  failure: Failure;
  /** Rules beyond the failure's own (WSAECONNRESET is also what Windows reports for ICMP port unreachable). */
  alsoRules?: readonly string[];
  /** What it means or where it shows up, when the message does not say. */
  note?: string;
  /** Where the text or number was checked: header file or documentation page. */
  source: string;
}

type Extra = Partial<Omit<KnownError, 'family' | 'code' | 'name' | 'message' | 'failure' | 'source'>>;

function known(family: ErrorFamily, code: number | undefined, name: string | undefined, message: string, failure: Failure, source: string, extra: Extra = {}): KnownError {
  const entry: KnownError = { family, message, failure, source, ...extra };
  if (code !== undefined) entry.code = code;
  if (name !== undefined) entry.name = name;
  return Object.freeze(entry);
}

/** An OS code the rules cite, reused from codes.ts so its number and text stay in one place. */
function cited(os: OsName, name: string, failure: Failure, extra: Extra = {}): KnownError {
  const c = errorCode(os, name);
  const family: ErrorFamily = os === 'windows' ? 'winsock' : os;
  const gai = name.startsWith('EAI_');
  const source = os === 'windows' ? SRC.winsock : os === 'linux' ? (gai ? SRC.linuxGai : SRC.linuxErrno) : gai ? SRC.macosGai : SRC.macosErrno;
  return known(family, c.code, c.name, c.message, failure, source, extra);
}

const WINSOCK: readonly KnownError[] = [
  cited('windows', 'WSAEACCES', 'access'),
  cited('windows', 'WSAEMSGSIZE', 'msg-size'),
  cited('windows', 'WSAENOPROTOOPT', 'no-protocol'),
  known('winsock', 10048, 'WSAEADDRINUSE', 'Only one usage of each socket address (protocol/network address/port) is normally permitted.', 'addr-in-use', SRC.winsock),
  known('winsock', 10049, 'WSAEADDRNOTAVAIL', 'The requested address is not valid in its context.', 'addr-not-available', SRC.winsock),
  known('winsock', 10050, 'WSAENETDOWN', 'A socket operation encountered a dead network.', 'net-down', SRC.winsock),
  cited('windows', 'WSAENETUNREACH', 'net-unreachable'),
  known('winsock', 10052, 'WSAENETRESET', 'The connection has been broken due to keep-alive activity detecting a failure while the operation was in progress.', 'net-reset', SRC.winsock),
  cited('windows', 'WSAECONNABORTED', 'aborted'),
  cited('windows', 'WSAECONNRESET', 'reset', {
    alsoRules: ['udp-port-unreachable'],
    note: 'On a UDP socket, Windows reports an ICMP port unreachable this way, on the next receive.',
  }),
  known('winsock', 10055, 'WSAENOBUFS', 'An operation on a socket could not be performed because the system lacked sufficient buffer space or because a queue was full.', 'no-buffers', SRC.winsock),
  known('winsock', 10057, 'WSAENOTCONN', 'A request to send or receive data was disallowed because the socket is not connected and (when sending on a datagram socket using a sendto call) no address was supplied.', 'connect-failed', SRC.winsock, {
    note: 'Microsoft\'s ODBC driver (sqlcmd) shows it as "TCP Provider: Error code 0x2749" when the connection could not be made.',
  }),
  cited('windows', 'WSAETIMEDOUT', 'timed-out'),
  cited('windows', 'WSAECONNREFUSED', 'refused'),
  known('winsock', 10064, 'WSAEHOSTDOWN', 'A socket operation failed because the destination host was down.', 'host-down', SRC.winsock),
  cited('windows', 'WSAEHOSTUNREACH', 'host-unreachable'),
  cited('windows', 'WSAHOST_NOT_FOUND', 'name-not-found', { texts: ['getaddrinfo failed'], note: 'Python on Windows prints it as "[Errno 11001] getaddrinfo failed".' }),
  cited('windows', 'WSATRY_AGAIN', 'name-try-again'),
  cited('windows', 'WSANO_RECOVERY', 'name-failed'),
  known('winsock', 11004, 'WSANO_DATA', 'The requested name is valid, but no data of the requested type was found.', 'name-no-data', SRC.winsock),
];

const SQL_NAMED_PIPES = 'SQL Server clients show it as "(Microsoft SQL Server, Error: N)" or "Named Pipes Provider: Could not open a connection to SQL Server [N]".';

const WIN32: readonly KnownError[] = [
  known('win32', 2, 'ERROR_FILE_NOT_FOUND', 'The system cannot find the file specified.', 'pipe-not-found', SRC.win32Low, {
    note: `From SQL Server's Named Pipes provider: the pipe does not exist. ${SQL_NAMED_PIPES}`,
  }),
  known('win32', 53, 'ERROR_BAD_NETPATH', 'The network path was not found.', 'network-path', SRC.win32Low, {
    note: 'SQL Server shows it as "(Microsoft SQL Server, Error: 53)" after "Named Pipes Provider, error: 40 - Could not open a connection to SQL Server".',
  }),
  known('win32', 64, 'ERROR_NETNAME_DELETED', 'The specified network name is no longer available.', 'connection-lost', SRC.win32Low, {
    note: 'SQL Server: "TCP Provider, error: 0 - The specified network name is no longer available. (Microsoft SQL Server, Error: 64)"; SMB shows it too.',
  }),
  known('win32', 67, 'ERROR_BAD_NET_NAME', 'The network name cannot be found.', 'network-path', SRC.win32Low),
  known('win32', 121, 'ERROR_SEM_TIMEOUT', 'The semaphore timeout period has expired.', 'timed-out', SRC.win32Low, {
    note: 'Windows reports a TCP connection that timed out this way to SMB and to SQL Server\'s TCP provider.',
  }),
  known('win32', 233, 'ERROR_PIPE_NOT_CONNECTED', 'No process is on the other end of the pipe.', 'pipe-not-found', SRC.sqlTroubleshoot, {
    note: 'SQL Server: the instance does not listen on Shared Memory or Named Pipes ("(Microsoft SQL Server, Error: 233)").',
  }),
  known('win32', 258, 'WAIT_TIMEOUT', 'The wait operation timed out.', 'app-timeout', SRC.win32Low, {
    note: 'SQL Server: "TCP Provider, error: 0 - The wait operation timed out" (a login or query timeout).',
  }),
  known('win32', 1225, 'ERROR_CONNECTION_REFUSED', 'The remote computer refused the network connection.', 'refused', SRC.win32Net),
  known('win32', 1231, 'ERROR_NETWORK_UNREACHABLE', 'The network location cannot be reached. For information about network troubleshooting, see Windows Help.', 'net-unreachable', SRC.win32Net),
  known('win32', 1232, 'ERROR_HOST_UNREACHABLE', 'The network location cannot be reached. For information about network troubleshooting, see Windows Help.', 'host-unreachable', SRC.win32Net),
  known('win32', 1233, 'ERROR_PROTOCOL_UNREACHABLE', 'The network location cannot be reached. For information about network troubleshooting, see Windows Help.', 'no-protocol', SRC.win32Net),
  known('win32', 1234, 'ERROR_PORT_UNREACHABLE', 'No service is operating at the destination network endpoint on the remote system.', 'port-unreachable', SRC.win32Net),
  known('win32', 1236, 'ERROR_CONNECTION_ABORTED', 'The network connection was aborted by the local system.', 'aborted', SRC.win32Net),
  known('win32', 1460, 'ERROR_TIMEOUT', 'This operation returned because the timeout period expired.', 'app-timeout', SRC.win32Timeout),
  known('win32', 12002, 'ERROR_INTERNET_TIMEOUT', 'The request has timed out.', 'app-timeout', SRC.wininet, { described: true, note: 'WinINet and WinHTTP (ERROR_WINHTTP_TIMEOUT): Windows Update, PowerShell, .NET Framework HTTP.' }),
  known('win32', 12007, 'ERROR_INTERNET_NAME_NOT_RESOLVED', 'The server name could not be resolved.', 'name-not-resolved', SRC.wininet, { described: true }),
  known('win32', 12029, 'ERROR_INTERNET_CANNOT_CONNECT', 'The attempt to connect to the server failed.', 'connect-failed', SRC.wininet, { described: true }),
  known('win32', 12030, 'ERROR_INTERNET_CONNECTION_ABORTED', 'The connection with the server has been terminated.', 'connection-lost', SRC.wininet, { described: true }),
  known('win32', 12031, 'ERROR_INTERNET_CONNECTION_RESET', 'The connection with the server has been reset.', 'reset', SRC.wininet, { described: true }),
];

const HRESULTS: readonly KnownError[] = [
  known('hresult', 0x80004005, 'E_FAIL', 'Unspecified error', 'wrapper', SRC.hresult, {
    wrapper: true,
    note: '.NET shows it on Win32Exception and SocketException; the error number or text beside it is what failed.',
  }),
  known('hresult', 0x80131904, 'SqlException', 'The HRESULT of every SqlException.', 'wrapper', SRC.sqlException, {
    described: true,
    wrapper: true,
    note: 'The "(provider: ..., error: N - ...)" part and the inner Win32Exception say what failed.',
  }),
];

const TLS: readonly KnownError[] = [
  known('hresult', 0x80090326, 'SEC_E_ILLEGAL_MESSAGE', 'The message received was unexpected or badly formatted.', 'tls-failed', SRC.schannelAlerts, {
    note: 'What Schannel (and .NET on Windows) reports when the peer\'s TLS alert ended the handshake, whatever the alert.',
  }),
  known('java', undefined, 'SSLHandshakeException', 'javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure', 'tls-failed', SRC.jsseAlert, {
    texts: ['Received fatal alert: '],
    note: 'The name after "alert:" is the TLS alert the peer sent (handshake_failure, protocol_version, unrecognized_name, unknown_ca…).',
  }),
  known('go', undefined, undefined, 'remote error: tls: handshake failure', 'tls-failed', SRC.goAlert, { textOnly: true, texts: ['remote error: tls: '] }),
  known('python', undefined, 'SSLError', 'ssl.SSLError: [SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure', 'tls-failed', SRC.opensslAlert, {
    textOnly: true,
    texts: ['sslv3 alert ', 'tlsv1 alert ', 'tlsv1 unrecognized name', 'SSL alert number '],
    note: 'OpenSSL\'s text for an alert from the peer; curl (35), Node.js (ERR_SSL_…) and Python print it alike.',
  }),
];

const APP_REFUSALS: readonly KnownError[] = [
  known('sqlserver', 18456, undefined, "Login failed for user '<user>'.", 'app-refused', SRC.sqlLogin, {
    pattern: /Login failed for user/i,
    note: 'The state in the server\'s log says why (2 and 5: no such login, 8: wrong password, 38: the database cannot be opened); clients always show state 1.',
  }),
];

const SQL_FORMAT = '(provider: <provider>, error: N - <text>)';

const SQLSERVER: readonly KnownError[] = [
  known('sqlserver', 0, undefined, 'the operating system\'s error follows', 'wrapper', SRC.sqlSni, {
    described: true,
    wrapper: true,
    note: `"${SQL_FORMAT.replace('N', '0')}": error 0 means the text after the dash is the operating system's message (a Winsock text).`,
  }),
  known('sqlserver', -1, undefined, 'no operating-system error; the provider error says what failed', 'sql-instance', SRC.sqlTroubleshoot, {
    described: true,
    note: 'SSMS "(Microsoft SQL Server, Error: -1)" and ODBC "[xFFFFFFFF]" come with error 26 - Error Locating Server/Instance Specified.',
  }),
  known('sqlserver', 2, undefined, 'Connection was terminated', 'connection-lost', SRC.sqlSni),
  known('sqlserver', 11, undefined, 'Timeout error', 'app-timeout', SRC.sqlSni),
  known('sqlserver', 17, undefined, 'Cannot find an ip/ipv6 type address to connect', 'name-no-data', SRC.sqlSni),
  known('sqlserver', 18, undefined, 'Connection has been closed by peer', 'connection-lost', SRC.sqlSni),
  known('sqlserver', 19, undefined, 'Physical connection is not usable', 'connection-lost', SRC.sqlSni),
  known('sqlserver', 20, undefined, 'Connection has been closed', 'connection-lost', SRC.sqlSni),
  known('sqlserver', 26, undefined, 'Error Locating Server/Instance Specified', 'sql-instance', SRC.sqlSni, {
    note: 'Printed as "(provider: SQL Network Interfaces, error: 26 - Error Locating Server/Instance Specified)"; SSMS adds "(Microsoft SQL Server, Error: -1)".',
  }),
  known('sqlserver', 28, undefined, "Server doesn't support requested protocol", 'sql-no-connection', SRC.sqlSni),
  known('sqlserver', 31, undefined, 'Encryption(ssl/tls) handshake failed', 'tls-failed', SRC.sqlSni),
  known('sqlserver', 35, undefined, 'An internal exception was caught', 'wrapper', SRC.sqlSni, {
    wrapper: true,
    note: 'The managed client (Linux, macOS, .NET Core) wraps the socket error this way; the inner exception says what failed.',
  }),
  known('sqlserver', 40, undefined, 'Could not open a connection to SQL Server', 'sql-no-connection', SRC.sqlSni, {
    wrapper: true,
    note: 'Printed as "(provider: Named Pipes Provider, error: 40 - Could not open a connection to SQL Server)", usually with "(Microsoft SQL Server, Error: 53)" or another Windows error.',
  }),
  known('sqlserver', 43, undefined, 'An error occurred while obtaining the dedicated administrator connection (DAC) port. Make sure that SQL Browser is running, or check the error log for the port number', 'sql-instance', SRC.sqlSni),
  known('sqlserver', undefined, undefined, 'A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible.', 'sql-network-error', SRC.sqlSni, {
    textOnly: true,
    wrapper: true,
    texts: ['network-related or instance-specific error', 'SQL Server does not exist or access denied'],
  }),
  known('sqlserver', undefined, undefined, 'Login timeout expired', 'app-timeout', SRC.sqlTroubleshoot, {
    textOnly: true,
    texts: ['Connection Timeout Expired'],
    note: 'ODBC/sqlcmd (SQLSTATE HYT00) and SqlClient ("Connection Timeout Expired. The timeout period elapsed while..."): the login timer (15 s by default) ran out during the connection, the pre-login or the login.',
  }),
];

const LINUX: readonly KnownError[] = [
  known('linux', 11, 'EAGAIN', 'Resource temporarily unavailable', 'eagain', SRC.linuxErrno, { wrapper: true }),
  cited('linux', 'EACCES', 'access'),
  cited('linux', 'EPIPE', 'broken-pipe'),
  cited('linux', 'ENONET', 'icmp-other'),
  cited('linux', 'EPROTO', 'protocol-error'),
  cited('linux', 'EMSGSIZE', 'msg-size'),
  cited('linux', 'ENOPROTOOPT', 'no-protocol'),
  cited('linux', 'EOPNOTSUPP', 'icmp-other'),
  known('linux', 98, 'EADDRINUSE', 'Address already in use', 'addr-in-use', SRC.linuxErrno),
  known('linux', 99, 'EADDRNOTAVAIL', 'Cannot assign requested address', 'addr-not-available', SRC.linuxErrno),
  known('linux', 100, 'ENETDOWN', 'Network is down', 'net-down', SRC.linuxErrno),
  cited('linux', 'ENETUNREACH', 'net-unreachable'),
  known('linux', 102, 'ENETRESET', 'Network dropped connection on reset', 'net-reset', SRC.linuxErrno),
  cited('linux', 'ECONNABORTED', 'software-abort'),
  cited('linux', 'ECONNRESET', 'reset'),
  known('linux', 105, 'ENOBUFS', 'No buffer space available', 'no-buffers', SRC.linuxErrno),
  cited('linux', 'ETIMEDOUT', 'timed-out'),
  cited('linux', 'ECONNREFUSED', 'refused', { alsoRules: ['udp-port-unreachable'], note: 'A connected UDP socket gets it too, for an ICMP port unreachable.' }),
  cited('linux', 'EHOSTDOWN', 'host-down'),
  cited('linux', 'EHOSTUNREACH', 'host-unreachable'),
  cited('linux', 'EAI_NONAME', 'name-not-found'),
  cited('linux', 'EAI_AGAIN', 'name-try-again'),
  cited('linux', 'EAI_FAIL', 'name-failed'),
  known('linux', -5, 'EAI_NODATA', 'No address associated with hostname', 'name-no-data', SRC.linuxGai),
];

const MACOS: readonly KnownError[] = [
  cited('macos', 'EAI_AGAIN', 'name-try-again'),
  cited('macos', 'EAI_FAIL', 'name-failed'),
  cited('macos', 'EAI_NONAME', 'name-not-found'),
  cited('macos', 'EACCES', 'access'),
  cited('macos', 'EPIPE', 'broken-pipe'),
  known('macos', 35, 'EAGAIN', 'Resource temporarily unavailable', 'eagain', SRC.macosErrno, { wrapper: true }),
  cited('macos', 'EMSGSIZE', 'msg-size'),
  cited('macos', 'ENOPROTOOPT', 'no-protocol'),
  known('macos', 48, 'EADDRINUSE', 'Address already in use', 'addr-in-use', SRC.macosErrno),
  known('macos', 49, 'EADDRNOTAVAIL', "Can't assign requested address", 'addr-not-available', SRC.macosErrno),
  known('macos', 50, 'ENETDOWN', 'Network is down', 'net-down', SRC.macosErrno),
  cited('macos', 'ENETUNREACH', 'net-unreachable'),
  known('macos', 52, 'ENETRESET', 'Network dropped connection on reset', 'net-reset', SRC.macosErrno),
  cited('macos', 'ECONNABORTED', 'software-abort'),
  cited('macos', 'ECONNRESET', 'reset'),
  known('macos', 55, 'ENOBUFS', 'No buffer space available', 'no-buffers', SRC.macosErrno),
  cited('macos', 'ETIMEDOUT', 'timed-out'),
  cited('macos', 'ECONNREFUSED', 'refused', { alsoRules: ['udp-port-unreachable'] }),
  known('macos', 64, 'EHOSTDOWN', 'Host is down', 'host-down', SRC.macosErrno),
  cited('macos', 'EHOSTUNREACH', 'host-unreachable'),
];

const CURL: readonly KnownError[] = [
  known('curl', 6, 'CURLE_COULDNT_RESOLVE_HOST', 'Could not resolve hostname', 'name-not-resolved', SRC.curlCodes, {
    texts: ["Couldn't resolve host", 'Could not resolve host'],
  }),
  known('curl', 7, 'CURLE_COULDNT_CONNECT', 'Could not connect to server', 'connect-failed', SRC.curlCodes, {
    wrapper: true,
    texts: ["Couldn't connect to server", 'Failed to connect to'],
    note: 'curl prints "Failed to connect to HOST port P after N ms: <reason>"; the reason is the OS text (Connection refused, No route to host...).',
  }),
  known('curl', 28, 'CURLE_OPERATION_TIMEDOUT', 'Timeout was reached', 'app-timeout', SRC.curlCodes, {
    texts: ['Operation timed out after'],
    note: 'curl\'s own --max-time or --connect-timeout ran out.',
  }),
  known('curl', 28, 'CURLE_OPERATION_TIMEDOUT', 'Connection timed out after N milliseconds', 'connect-timeout', SRC.curlTimeout, {
    textOnly: true,
    texts: ['Connection timed out after'],
  }),
  known('curl', 28, 'CURLE_OPERATION_TIMEDOUT', 'Resolving timed out after N milliseconds', 'name-try-again', SRC.curlTimeout, {
    textOnly: true,
    texts: ['Resolving timed out after'],
  }),
  known('curl', 35, 'CURLE_SSL_CONNECT_ERROR', 'SSL connect error', 'tls-failed', SRC.curlCodes),
  known('curl', 52, 'CURLE_GOT_NOTHING', 'Server returned nothing (no headers, no data)', 'closed-early', SRC.curlCodes, {
    texts: ['Empty reply from server'],
  }),
  known('curl', 55, 'CURLE_SEND_ERROR', 'Failed sending data to the peer', 'connection-lost', SRC.curlCodes, { wrapper: true, texts: ['Send failure'] }),
  known('curl', 56, 'CURLE_RECV_ERROR', 'Failure when receiving data from the peer', 'connection-lost', SRC.curlCodes, { wrapper: true, texts: ['Recv failure'] }),
];

const CHROMIUM: readonly KnownError[] = [
  known('chromium', -7, 'ERR_TIMED_OUT', 'An operation timed out.', 'app-timeout', SRC.chromium, { described: true }),
  known('chromium', -100, 'ERR_CONNECTION_CLOSED', 'A connection was closed (corresponding to a TCP FIN).', 'closed-early', SRC.chromium, { described: true }),
  known('chromium', -101, 'ERR_CONNECTION_RESET', 'A connection was reset (corresponding to a TCP RST).', 'reset', SRC.chromium, { described: true }),
  known('chromium', -102, 'ERR_CONNECTION_REFUSED', 'A connection attempt was refused.', 'refused', SRC.chromium, { described: true }),
  known('chromium', -103, 'ERR_CONNECTION_ABORTED', "A connection timed out as a result of not receiving an ACK for data sent.", 'aborted', SRC.chromium, { described: true }),
  known('chromium', -104, 'ERR_CONNECTION_FAILED', 'A connection attempt failed.', 'connect-failed', SRC.chromium, { described: true }),
  known('chromium', -105, 'ERR_NAME_NOT_RESOLVED', 'The host name could not be resolved.', 'name-not-resolved', SRC.chromium, { described: true }),
  known('chromium', -106, 'ERR_INTERNET_DISCONNECTED', 'The Internet connection has been lost.', 'net-down', SRC.chromium, { described: true }),
  known('chromium', -109, 'ERR_ADDRESS_UNREACHABLE', 'The IP address is unreachable.', 'host-unreachable', SRC.chromium, { described: true }),
  known('chromium', -118, 'ERR_CONNECTION_TIMED_OUT', 'A connection attempt timed out.', 'connect-timeout', SRC.chromium, { described: true }),
  known('chromium', -137, 'ERR_NAME_RESOLUTION_FAILED', 'An error occurred when trying to do a name resolution (DNS).', 'name-not-resolved', SRC.chromium, { described: true }),
  known('chromium', -138, 'ERR_NETWORK_ACCESS_DENIED', 'Permission to access the network was denied (most likely a firewall).', 'access', SRC.chromium, { described: true }),
  known('chromium', -147, 'ERR_ADDRESS_IN_USE', 'Returned when attempting to bind an address that is already in use.', 'addr-in-use', SRC.chromium, { described: true }),
  known('chromium', -324, 'ERR_EMPTY_RESPONSE', 'The server closed the connection without sending any data.', 'closed-early', SRC.chromium, { described: true }),
];

const FIREFOX: readonly KnownError[] = [
  known('firefox', 0x804b000d, 'NS_ERROR_CONNECTION_REFUSED', 'The connection attempt failed, for example, because no server was listening at specified host:port.', 'refused', SRC.firefox, { described: true }),
  known('firefox', 0x804b000e, 'NS_ERROR_NET_TIMEOUT', 'The connection was lost due to a timeout error.', 'timed-out', SRC.firefox, { described: true }),
  known('firefox', 0x804b0014, 'NS_ERROR_NET_RESET', 'The connection was established, but no data was ever received.', 'closed-early', SRC.firefox, { described: true }),
  known('firefox', 0x804b001e, 'NS_ERROR_UNKNOWN_HOST', 'The lookup of a hostname failed.', 'name-not-resolved', SRC.firefox, { described: true }),
  known('firefox', 0x804b0047, 'NS_ERROR_NET_INTERRUPT', 'The connection was established, but the data transfer was interrupted.', 'connection-lost', SRC.firefox, { described: true }),
];

const NODE_PRINTS = 'Node.js prints "<syscall> <CODE> <address>:<port>" (connect ECONNREFUSED 127.0.0.1:80) and sets error.code.';

const NODE: readonly KnownError[] = [
  known('node', undefined, 'ECONNREFUSED', 'connection refused', 'refused', SRC.libuv, { described: true, note: NODE_PRINTS }),
  known('node', undefined, 'ECONNRESET', 'connection reset by peer', 'reset', SRC.libuv, { described: true, note: NODE_PRINTS }),
  known('node', undefined, 'ETIMEDOUT', 'connection timed out', 'timed-out', SRC.libuv, { described: true, note: NODE_PRINTS }),
  known('node', undefined, 'EHOSTUNREACH', 'host is unreachable', 'host-unreachable', SRC.libuv, { described: true, texts: ['host is unreachable'] }),
  known('node', undefined, 'ENETUNREACH', 'network is unreachable', 'net-unreachable', SRC.libuv, { described: true }),
  known('node', undefined, 'EADDRINUSE', 'address already in use', 'addr-in-use', SRC.libuv, { described: true }),
  known('node', undefined, 'EADDRNOTAVAIL', 'address not available', 'addr-not-available', SRC.libuv, { described: true }),
  known('node', undefined, 'EPIPE', 'broken pipe', 'broken-pipe', SRC.libuv, { described: true }),
  known('node', undefined, 'ENOTFOUND', 'getaddrinfo ENOTFOUND <host>', 'name-not-found', SRC.nodeDns, {
    note: 'getaddrinfo answered EAI_NONAME or EAI_NODATA: the name does not exist (NXDOMAIN) or has no address record.',
  }),
  known('node', undefined, 'EAI_AGAIN', 'getaddrinfo EAI_AGAIN <host>', 'name-try-again', SRC.nodeDns),
  known('node', undefined, undefined, 'socket hang up', 'closed-early', SRC.nodeHttp, {
    textOnly: true,
    note: 'The HTTP client\'s connection closed before a response arrived (error.code ECONNRESET).',
  }),
  known('node', undefined, undefined, 'TypeError: fetch failed', 'wrapper', SRC.undici, {
    textOnly: true,
    wrapper: true,
    texts: ['fetch failed'],
    note: 'fetch() in Node.js wraps every network error this way; its cause (ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT...) says what failed.',
  }),
  known('node', undefined, 'UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error', 'connect-timeout', SRC.undici, {
    note: 'fetch() prints "fetch failed" with this as its cause; undici\'s connect timeout is 10 s by default.',
  }),
];

const DOTNET: readonly KnownError[] = [
  known('dotnet', 10013, 'AccessDenied', 'An attempt was made to access a Socket in a way that is forbidden by its access permissions.', 'access', SRC.dotnet, { described: true }),
  known('dotnet', 10040, 'MessageSize', 'The datagram is too long.', 'msg-size', SRC.dotnet, { described: true }),
  known('dotnet', 10048, 'AddressAlreadyInUse', 'Only one use of an address is normally permitted.', 'addr-in-use', SRC.dotnet, { described: true }),
  known('dotnet', 10049, 'AddressNotAvailable', 'The selected IP address is not valid in this context.', 'addr-not-available', SRC.dotnet, { described: true }),
  known('dotnet', 10050, 'NetworkDown', 'The network is not available.', 'net-down', SRC.dotnet, { described: true }),
  known('dotnet', 10051, 'NetworkUnreachable', 'No route to the remote host exists.', 'net-unreachable', SRC.dotnet, { described: true }),
  known('dotnet', 10052, 'NetworkReset', 'The application tried to set KeepAlive on a connection that has already timed out.', 'net-reset', SRC.dotnet, { described: true }),
  known('dotnet', 10053, 'ConnectionAborted', 'The connection was aborted by .NET or the underlying socket provider.', 'aborted', SRC.dotnet, { described: true }),
  known('dotnet', 10054, 'ConnectionReset', 'The connection was reset by the remote peer.', 'reset', SRC.dotnet, { described: true }),
  known('dotnet', 10060, 'TimedOut', 'The connection attempt timed out, or the connected host has failed to respond.', 'timed-out', SRC.dotnet, { described: true }),
  known('dotnet', 10061, 'ConnectionRefused', 'The remote host is actively refusing a connection.', 'refused', SRC.dotnet, { described: true }),
  known('dotnet', 10064, 'HostDown', 'The operation failed because the remote host is down.', 'host-down', SRC.dotnet, { described: true }),
  known('dotnet', 10065, 'HostUnreachable', 'There is no network route to the specified host.', 'host-unreachable', SRC.dotnet, { described: true }),
  known('dotnet', 11001, 'HostNotFound', 'No such host is known. The name is not an official host name or alias.', 'name-not-found', SRC.dotnet, { described: true }),
  known('dotnet', 11002, 'TryAgain', 'The name of the host could not be resolved. Try again later.', 'name-try-again', SRC.dotnet, { described: true }),
  known('dotnet', 11003, 'NoRecovery', 'The error is unrecoverable or the requested database cannot be located.', 'name-failed', SRC.dotnet, { described: true }),
  known('dotnet', 11004, 'NoData', 'The requested name or IP address was not found on the name server.', 'name-no-data', SRC.dotnet, { described: true }),
  known('dotnet', undefined, undefined, 'SocketException (11): Resource temporarily unavailable', 'name-try-again', SRC.dotnetEagain, {
    textOnly: true,
    texts: ['SocketException (11)', 'SocketException (00000001, 11)', 'HttpRequestException: Resource temporarily unavailable'],
    note: '.NET on Linux reports a DNS lookup that failed with EAI_AGAIN (SERVFAIL, or no answer) with errno 11\'s text.',
  }),
];

const JAVA: readonly KnownError[] = [
  known('java', undefined, 'ConnectException', 'java.net.ConnectException: Connection refused', 'connect-failed', SRC.java, {
    wrapper: true,
    note: 'Its message is the OS text: "Connection refused" (with ": connect" or ": no further information" on Windows), "Connection timed out".',
  }),
  known('java', undefined, undefined, 'java.net.SocketTimeoutException: Connect timed out', 'connect-timeout', SRC.java, {
    textOnly: true,
    texts: ['Connect timed out'],
    note: 'The timeout given to Socket.connect ran out (older JDKs print it in lower case).',
  }),
  known('java', undefined, undefined, 'java.net.SocketTimeoutException: Read timed out', 'app-timeout', SRC.java, {
    textOnly: true,
    texts: ['Read timed out'],
    note: 'SO_TIMEOUT ran out while waiting for data on an established connection.',
  }),
  known('java', undefined, 'SocketTimeoutException', 'java.net.SocketTimeoutException', 'app-timeout', SRC.java, { wrapper: true }),
  known('java', undefined, undefined, 'java.net.SocketException: Connection reset', 'reset', SRC.java, {
    textOnly: true,
    texts: ['SocketException: Connection reset'],
  }),
  known('java', undefined, 'NoRouteToHostException', 'java.net.NoRouteToHostException: No route to host', 'host-unreachable', SRC.java),
  known('java', undefined, 'UnknownHostException', 'java.net.UnknownHostException: <host>', 'name-not-resolved', SRC.java, {
    note: 'The message after the host is the resolver\'s: "Name or service not known" (NXDOMAIN) or "Temporary failure in name resolution".',
  }),
  known('java', undefined, 'PortUnreachableException', 'java.net.PortUnreachableException', 'port-unreachable', SRC.java),
  known('java', undefined, 'BindException', 'java.net.BindException: Address already in use', 'addr-in-use', SRC.java, { wrapper: true }),
];

const PYTHON: readonly KnownError[] = [
  known('python', undefined, 'ConnectionRefusedError', 'ConnectionRefusedError: [Errno 111] Connection refused', 'refused', SRC.python),
  known('python', undefined, 'ConnectionResetError', 'ConnectionResetError: [Errno 104] Connection reset by peer', 'reset', SRC.python),
  known('python', undefined, 'ConnectionAbortedError', 'ConnectionAbortedError: [WinError 10053] An established connection was aborted by the software in your host machine', 'aborted', SRC.python),
  known('python', undefined, 'BrokenPipeError', 'BrokenPipeError: [Errno 32] Broken pipe', 'broken-pipe', SRC.python),
  known('python', undefined, 'TimeoutError', 'TimeoutError: timed out', 'app-timeout', SRC.python, {
    wrapper: true,
    exact: ['timed out'],
    note: 'A socket timeout set by the program ran out ("timed out"); with "[Errno 110]" it is the kernel\'s connect timeout instead.',
  }),
  known('python', undefined, 'gaierror', 'socket.gaierror: [Errno -2] Name or service not known', 'name-not-resolved', SRC.python, { wrapper: true }),
];

const GO: readonly KnownError[] = [
  known('go', undefined, undefined, 'dial tcp <address>: i/o timeout', 'connect-timeout', SRC.go, {
    textOnly: true,
    pattern: /\bdial (?:tcp|udp)[46]?\b.*\bi\/o timeout\b/i,
    note: 'net.Dialer\'s timeout ran out during the connection attempt.',
  }),
  known('go', undefined, undefined, 'i/o timeout', 'app-timeout', SRC.go, { textOnly: true, wrapper: true, note: 'A read or write deadline ran out.' }),
  known('go', undefined, undefined, 'context deadline exceeded', 'app-timeout', SRC.go, { textOnly: true }),
  known('go', undefined, undefined, 'lookup <host> on <server>: no such host', 'name-not-found', SRC.go, {
    textOnly: true,
    texts: ['no such host'],
    note: 'The DNS server answered NXDOMAIN, or the name has no address record.',
  }),
  known('go', undefined, undefined, 'lookup <host> on <server>: server misbehaving', 'name-try-again', SRC.go, {
    textOnly: true,
    texts: ['server misbehaving'],
    note: 'The DNS server answered SERVFAIL, REFUSED or another error code.',
  }),
];

/** Every entry, in family order. */
export const KNOWN_ERRORS: readonly KnownError[] = Object.freeze([
  ...WINSOCK,
  ...SQLSERVER,
  ...WIN32,
  ...LINUX,
  ...MACOS,
  ...CURL,
  ...CHROMIUM,
  ...FIREFOX,
  ...NODE,
  ...DOTNET,
  ...JAVA,
  ...PYTHON,
  ...GO,
  ...HRESULTS,
  ...TLS,
  ...APP_REFUSALS,
]);

/** The rules that show `entry`'s failure on the wire, most telling first. */
export function rulesOf(entry: KnownError): string[] {
  const rules: string[] = [...FAILURES[entry.failure].rules];
  for (const r of entry.alsoRules ?? []) if (!rules.includes(r)) rules.push(r);
  return rules;
}

/** The OS codes of a failure, in OS order: what Windows, Linux and macOS report for it. */
export function osCodesOf(failure: Failure): KnownError[] {
  return KNOWN_ERRORS.filter((e) => (e.family === 'winsock' || e.family === 'linux' || e.family === 'macos') && e.failure === failure && !e.textOnly);
}
