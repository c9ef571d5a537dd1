/**
 * Well-known services by transport and port: a name for reports, what the service's own
 * clients show when a connection fails (where that text is well known), and what to check.
 */
import { errorCode, type Signature } from './codes.js';

/** How a connection attempt failed, as far as a service's client message depends on it. */
export type FailureKind = 'refused' | 'timeout' | 'reset' | 'unreachable' | 'no-response';

/** A well-known service. */
export interface ServiceInfo {
  name: string;
  /** What the service's clients show for the most typical failure, when iconic. */
  clientMessage?: string;
  /** Client text per failure kind, when it depends on the kind. */
  messages?: Partial<Record<FailureKind, string>>;
  /** What to check, most likely first. */
  checks: string[];
}

/** The failure kind a signature stands for, if it is a connection failure. */
export function failureKindOf(signature: Signature): FailureKind | undefined {
  switch (signature) {
    case 'connection-refused': return 'refused';
    case 'connect-timeout': return 'timeout';
    case 'connection-reset': return 'reset';
    case 'connection-aborted': return undefined; // 10053: no service-specific text known
    case 'udp-port-unreachable': return 'unreachable';
    default: return undefined;
  }
}

const FAILURE_KINDS: readonly FailureKind[] = ['refused', 'timeout', 'reset', 'unreachable', 'no-response'];

/** What the service's clients show for this failure, when known. */
export function serviceMessage(service: ServiceInfo, failure: Signature | FailureKind): string | undefined {
  const kind = (FAILURE_KINDS as readonly string[]).includes(failure)
    ? (failure as FailureKind)
    : failureKindOf(failure as Signature);
  return kind === undefined ? undefined : service.messages?.[kind];
}

// SqlClient, ODBC and SSMS wrap the Winsock text as "(provider: TCP Provider, error: 0 -
// <FormatMessage text>) (Microsoft SQL Server, Error: <Winsock code>)".
function sqlTcpProviderMessage(winsockName: string): string {
  const code = errorCode('windows', winsockName);
  return `(provider: TCP Provider, error: 0 - ${code.message}) (Microsoft SQL Server, Error: ${code.code})`;
}

const SQL_BROWSER_MESSAGE = '(provider: SQL Network Interfaces, error: 26 - Error Locating Server/Instance Specified)';

const SQL_SERVER: ServiceInfo = {
  name: 'SQL Server',
  clientMessage: sqlTcpProviderMessage('WSAECONNREFUSED'),
  messages: {
    refused: sqlTcpProviderMessage('WSAECONNREFUSED'),
    timeout: sqlTcpProviderMessage('WSAETIMEDOUT'),
    reset: sqlTcpProviderMessage('WSAECONNRESET'),
    unreachable: sqlTcpProviderMessage('WSAEHOSTUNREACH'),
  },
  checks: [
    'The SQL Server service for the instance is running',
    'TCP/IP is enabled for the instance in SQL Server Configuration Manager (takes effect after a service restart)',
    'The client targets the port the instance listens on: a named instance uses a dynamic port unless one is fixed, so connect as host,port or make SQL Server Browser reachable',
    'A firewall that rejects gives a refusal at once; one that drops gives a timeout (10060)',
  ],
};

const SQL_BROWSER: ServiceInfo = {
  name: 'SQL Server Browser',
  clientMessage: SQL_BROWSER_MESSAGE,
  messages: { unreachable: SQL_BROWSER_MESSAGE, 'no-response': SQL_BROWSER_MESSAGE, timeout: SQL_BROWSER_MESSAGE },
  checks: [
    'The SQL Server Browser service is running',
    'UDP 1434 is allowed through firewalls between client and server',
    'The instance name in the connection string matches an installed instance',
  ],
};

type Proto = 'tcp' | 'udp';

/** [protocols, port, name, service-specific checks] */
const COMMON: readonly (readonly [readonly Proto[], number, string, readonly string[]])[] = [
  [['tcp'], 21, 'FTP', []],
  [['tcp'], 22, 'SSH', []],
  [['tcp'], 25, 'SMTP', ['Many networks and providers block outbound tcp/25']],
  [['tcp', 'udp'], 53, 'DNS', []],
  [['tcp', 'udp'], 88, 'Kerberos', []],
  [['tcp'], 80, 'HTTP', []],
  [['tcp'], 110, 'POP3', []],
  [['udp'], 123, 'NTP', []],
  [['tcp'], 143, 'IMAP', []],
  [['udp'], 161, 'SNMP', ['The agent accepts the community or SNMPv3 user; many agents stay silent otherwise']],
  [['tcp', 'udp'], 389, 'LDAP', []],
  [['tcp'], 443, 'HTTPS', []],
  [['udp'], 443, 'HTTP/3 (QUIC)', ['Clients fall back to TCP 443 when UDP 443 is blocked']],
  [['tcp'], 445, 'SMB', ['Many ISPs and edge firewalls block tcp/445']],
  [['udp'], 514, 'syslog', []],
  [['tcp'], 636, 'LDAPS', []],
  [['tcp'], 993, 'IMAPS', []],
  [['tcp'], 995, 'POP3S', []],
  [['tcp'], 1521, 'Oracle', ['The listener (lsnrctl status) is running and knows the service name']],
  [['tcp'], 3306, 'MySQL', ['bind-address in the server configuration includes the address clients use']],
  [['tcp', 'udp'], 3389, 'RDP', ['Remote Desktop is enabled on the target']],
  [['tcp'], 5432, 'PostgreSQL', ['listen_addresses in postgresql.conf includes the address clients use']],
  [['tcp', 'udp'], 5060, 'SIP', []],
  [['tcp'], 5672, 'AMQP', []],
  [['tcp'], 6379, 'Redis', ['bind and protected-mode in redis.conf allow remote clients']],
  [['tcp'], 8080, 'HTTP-alt', []],
  [['tcp'], 9092, 'Kafka', ['The listeners/advertised.listeners addresses are reachable from the client']],
  [['tcp', 'udp'], 11211, 'memcached', []],
  [['tcp'], 27017, 'MongoDB', ['net.bindIp in mongod.conf includes the address clients use']],
];

function genericChecks(proto: Proto, port: number, name: string): string[] {
  return [
    `${name} is running and listening on ${proto}/${port} on the server address`,
    `Firewalls and security groups between client and server allow ${proto}/${port}`,
  ];
}

/** Shared table entries are frozen so one caller cannot change another's report. */
function frozen(service: ServiceInfo): ServiceInfo {
  Object.freeze(service.checks);
  if (service.messages) Object.freeze(service.messages);
  return Object.freeze(service);
}

const TABLE = new Map<string, ServiceInfo>();
for (const [protos, port, name, specific] of COMMON) {
  for (const proto of protos) {
    TABLE.set(`${proto}/${port}`, frozen({ name, checks: [...genericChecks(proto, port, name), ...specific] }));
  }
}
TABLE.set('tcp/1433', frozen(SQL_SERVER));
TABLE.set('udp/1434', frozen(SQL_BROWSER));

/** The well-known service on `protocol`/`port`, if any. */
export function serviceFor(protocol: Proto, port: number): ServiceInfo | undefined {
  return TABLE.get(`${protocol}/${port}`);
}
