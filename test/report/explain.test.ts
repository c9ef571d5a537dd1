import { describe, expect, it } from 'vitest';
import { explain, type ExplainOptions } from '../../src/report/explain.js';
import { RULES, ruleById } from '../../src/rules/index.js';
import { NON_ASCII } from './support.js';

const plain: ExplainOptions = { color: false, unicode: true };
const full: ExplainOptions = { ...plain, full: true };

/** The lines of an explanation, without the final newline. */
function linesOf(text: string): string[] {
  return text.replace(/\n$/, '').split('\n');
}

/** The text with every run of white space as one space: sentences wrap across lines. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** Where the numbered meanings start ("1. ...", "2. ..."), in order. */
function meaningHeads(text: string): string[] {
  return linesOf(text).filter((l) => /^\d+\. /.test(l));
}

describe('explain a code', () => {
  it('10061: the Winsock refusal, its Linux and macOS counterparts, the rules, and (in full) how it differs from 10060 and 11001', () => {
    const { text, found } = explain('10061', plain);
    expect(found).toBe(true);
    expect(flat(text)).toContain('Windows Sockets error 10061 WSAECONNREFUSED');
    expect(flat(text)).toContain('No connection could be made because the target machine actively refused it.');
    expect(text).toContain('Linux 111 ECONNREFUSED');
    expect(text).toContain('macOS 61 ECONNREFUSED');
    expect(text).toContain('connection-refused');
    // A firewall's ICMP port unreachable for a SYN is also a refusal on Windows.
    expect(text).toContain('destination-unreachable');
    const long = explain('10061', full).text;
    expect(long).toContain('10060');
    expect(long).toContain('11001');
    expect(flat(long)).toContain(ruleById('connection-refused')!.meta.differsFrom!);
  });

  it('finds a code by symbol, in any case, with its twins on every OS', () => {
    for (const q of ['ECONNREFUSED', 'econnrefused', 'wsaeconnrefused']) {
      const { text, found } = explain(q, plain);
      expect(found).toBe(true);
      expect(text).toContain('10061 WSAECONNREFUSED');
      expect(text).toContain('111 ECONNREFUSED');
      expect(text).toContain('61 ECONNREFUSED');
    }
    // The POSIX name leads with the POSIX code; a connected UDP socket gets it for ICMP port unreachable.
    const { text } = explain('ECONNREFUSED', plain);
    expect(linesOf(text)[2]).toContain('Linux errno 111 ECONNREFUSED');
    expect(text).toContain('udp-port-unreachable');
  });

  it('111: Linux ECONNREFUSED', () => {
    const { text, found } = explain('111', plain);
    expect(found).toBe(true);
    expect(flat(text)).toContain('Linux errno 111 ECONNREFUSED: "Connection refused"');
  });

  it('11001 and EAI_NONAME: name not found, explained by dns-failure', () => {
    for (const q of ['11001', 'EAI_NONAME', 'wsahost_not_found']) {
      const { text, found } = explain(q, plain);
      expect(found).toBe(true);
      expect(text).toContain('dns-failure');
      expect(text).toContain('NXDOMAIN');
      expect(flat(explain(q, full).text)).toContain(ruleById('dns-failure')!.meta.onTheWire);
    }
    expect(explain('11001', plain).text).toContain('No such host is known.');
  });

  it('EPIPE: a write to a connection the peer closed, which connection-reset reports', () => {
    const { text, found } = explain('EPIPE', plain);
    expect(found).toBe(true);
    expect(text).toContain('Linux errno 32 EPIPE');
    expect(text).toContain('macOS 32 EPIPE');
    expect(text).toContain('connection-reset');
  });
});

describe('explain what people paste', () => {
  it('"Connection timed out": Linux ETIMEDOUT (110), a connect timeout or data never acknowledged', () => {
    const { text, found } = explain('Connection timed out', plain);
    expect(found).toBe(true);
    expect(text).toContain('Linux errno 110 ETIMEDOUT');
    expect(text).toContain('Windows 10060 WSAETIMEDOUT');
    expect(text).toContain('macOS 60 ETIMEDOUT');
    expect(text).toContain('connect-timeout');
    expect(text).toContain('connection-aborted');
    expect(meaningHeads(text)).toEqual([]);
  });

  it('"No route to host": EHOSTUNREACH (113 on Linux, 65 on macOS), an ICMP unreachable', () => {
    const { text, found } = explain('No route to host', plain);
    expect(found).toBe(true);
    expect(text).toMatch(/errno 113 EHOSTUNREACH|113 EHOSTUNREACH/);
    expect(text).toContain('65 EHOSTUNREACH');
    expect(text).toContain('destination-unreachable');
  });

  it('"[Errno 111] Connection refused" (Python): Linux 111, one meaning, connection-refused', () => {
    const { text, found } = explain('[Errno 111] Connection refused', plain);
    expect(found).toBe(true);
    expect(linesOf(text)[2]).toContain('Linux errno 111 ECONNREFUSED');
    expect(flat(text)).toContain('connection-refused (SYN answered by RST)');
    expect(meaningHeads(text)).toEqual([]);
    // The same text behind another runtime's words still finds the refusal.
    for (const q of [
      'ConnectionRefusedError: [Errno 111] Connection refused',
      'dial tcp 10.0.0.1:80: connect: connection refused',
      'java.net.ConnectException: Connection refused',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      "HTTPConnectionPool(host='x', port=80): Max retries exceeded (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
    ]) {
      const r = explain(q, plain);
      expect(r.found, q).toBe(true);
      expect(r.text, q).toContain('connection-refused (SYN answered by RST)');
      expect(meaningHeads(r.text), q).toEqual([]);
    }
  });

  it('ENOTFOUND (Node.js): getaddrinfo found no such name, dns-failure', () => {
    for (const q of ['ENOTFOUND', 'Error: getaddrinfo ENOTFOUND api.example.invalid']) {
      const { text, found } = explain(q, plain);
      expect(found, q).toBe(true);
      expect(text).toContain('Node.js error ENOTFOUND');
      expect(text).toContain('NXDOMAIN');
      expect(text).toContain('dns-failure');
    }
  });

  it('ERR_CONNECTION_REFUSED (Chrome): net error -102, connection-refused', () => {
    for (const q of ['ERR_CONNECTION_REFUSED', 'net::ERR_CONNECTION_REFUSED', '-102']) {
      const { text, found } = explain(q, plain);
      expect(found, q).toBe(true);
      expect(flat(text)).toContain('Chrome/Edge net error -102 ERR_CONNECTION_REFUSED');
      expect(text).toContain('connection-refused');
    }
  });

  it('0x8007274D: the HRESULT of Winsock 10061, also as .NET prints it in decimal', () => {
    for (const q of ['0x8007274D', '0x8007274d', '-2147014835', 'Exception from HRESULT: 0x8007274D']) {
      const { text, found } = explain(q, plain);
      expect(found, q).toBe(true);
      expect(text).toContain('10061 WSAECONNREFUSED');
      expect(text).toContain('HRESULT_FROM_WIN32(10061)');
      expect(text).toContain('connection-refused');
    }
  });

  it('10048 and 10049: local address errors, which no packet shows', () => {
    const inUse = explain('10048', plain);
    expect(inUse.found).toBe(true);
    expect(inUse.text).toContain('WSAEADDRINUSE');
    expect(flat(inUse.text)).toContain('Only one usage of each socket address (protocol/network address/port) is normally permitted.');
    expect(inUse.text).toContain('Linux 98 EADDRINUSE');
    expect(inUse.text).toContain('nothing wirewhy reports');
    expect(inUse.text).toContain('netstat -ano');

    const notAvailable = explain('10049', plain);
    expect(notAvailable.found).toBe(true);
    expect(notAvailable.text).toContain('WSAEADDRNOTAVAIL');
    expect(flat(notAvailable.text)).toContain('The requested address is not valid in its context.');
    expect(notAvailable.text).toContain('Linux 99 EADDRNOTAVAIL');
    expect(notAvailable.text).toContain('nothing wirewhy reports');
  });

  it('1225: Win32 ERROR_CONNECTION_REFUSED, connection-refused', () => {
    const { text, found } = explain('1225', plain);
    expect(found).toBe(true);
    expect(flat(text)).toContain('Windows system error 1225 ERROR_CONNECTION_REFUSED');
    expect(flat(text)).toContain('The remote computer refused the network connection.');
    expect(text).toContain('connection-refused');
  });

  it('26: SQL Server error 26, the instance lookup through SQL Server Browser', () => {
    const { text, found } = explain('26', plain);
    expect(found).toBe(true);
    expect(flat(text)).toContain('SQL Server client error 26: "Error Locating Server/Instance Specified"');
    expect(text).toContain('SQL Server Browser (UDP 1434)');
    expect(text).toContain('udp-port-unreachable');
    expect(text).toContain('UDP 1434 reaches it');
  });

  it('40: SQL Server error 40 first, then macOS EMSGSIZE', () => {
    const { text, found } = explain('40', plain);
    expect(found).toBe(true);
    const heads = meaningHeads(text);
    expect(heads).toHaveLength(2);
    expect(heads[0]).toContain('SQL Server client error 40');
    expect(heads[0]).toContain('Could not open a connection');
    expect(heads[1]).toContain('macOS errno 40 EMSGSIZE');
  });

  it('53: the network path was not found (SQL Server "Error: 53") first, then macOS ECONNABORTED', () => {
    const { text, found } = explain('53', plain);
    expect(found).toBe(true);
    const heads = meaningHeads(text);
    expect(heads).toHaveLength(2);
    expect(heads[0]).toContain('Windows system error 53 ERROR_BAD_NETPATH');
    expect(text).toContain('The network path was not found.');
    expect(text).toContain('(Microsoft SQL Server, Error: 53)');
    expect(heads[1]).toContain('macOS errno 53 ECONNABORTED');
  });

  it('SQL Server messages as SqlClient, SSMS and sqlcmd print them', () => {
    const cases: [string, string][] = [
      [
        'A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible. Verify that the instance name is correct and that SQL Server is configured to allow remote connections. (provider: Named Pipes Provider, error: 40 - Could not open a connection to SQL Server) (Microsoft SQL Server, Error: 53)',
        'ERROR_BAD_NETPATH',
      ],
      ['(provider: SQL Network Interfaces, error: 26 - Error Locating Server/Instance Specified)', 'SQL Server client error 26'],
      ['SQL Server Network Interfaces: Error Locating Server/Instance Specified [xFFFFFFFF].', 'SQL Server Browser'],
      ['Named Pipes Provider: Could not open a connection to SQL Server [53].', 'ERROR_BAD_NETPATH'],
      ['(provider: TCP Provider, error: 0 - No connection could be made because the target machine actively refused it.) (Microsoft SQL Server, Error: 10061)', '10061 WSAECONNREFUSED'],
      ['provider: TCP Provider, error: 0 - No such host is known. (Microsoft SQL Server, Error: 11001)', '11001 WSAHOST_NOT_FOUND'],
      ['Sqlcmd: Error: Microsoft ODBC Driver 17 for SQL Server : TCP Provider: Error code 0x2749.', '10057 WSAENOTCONN'],
      ['[Microsoft][ODBC Driver 17 for SQL Server]Login timeout expired', 'Login timeout expired'],
    ];
    for (const [q, expected] of cases) {
      const { text, found } = explain(q, plain);
      expect(found, q).toBe(true);
      expect(text, q).toContain(expected);
    }
  });

  it('Go, curl, Java, .NET and Python messages that only their runtime prints', () => {
    const cases: [string, string, string][] = [
      ['dial tcp 10.0.0.1:443: i/o timeout', 'Go', 'connect-timeout'],
      ['lookup db.internal on 127.0.0.53:53: no such host', 'NXDOMAIN', 'dns-failure'],
      ['lookup db.internal on 127.0.0.53:53: server misbehaving', 'SERVFAIL', 'dns-failure'],
      ['curl: (7) Failed to connect to 10.0.0.1 port 80 after 3 ms: Couldn\'t connect to server', 'curl exit code 7', 'connection-refused'],
      ['curl: (28) Connection timed out after 10001 milliseconds', 'curl exit code 28', 'connect-timeout'],
      ['curl: (6) Could not resolve host: nowhere.invalid', 'curl exit code 6', 'dns-failure'],
      ['curl: (52) Empty reply from server', 'curl exit code 52', 'connection-reset'],
      ['java.net.SocketTimeoutException: Connect timed out', 'Java', 'connect-timeout'],
      ['java.net.SocketException: Connection reset', 'Java', 'connection-reset'],
      ['java.net.UnknownHostException: db: Name or service not known', 'EAI_NONAME', 'dns-failure'],
      ['System.Net.Sockets.SocketException (10060): A connection attempt failed because the connected party did not properly respond after a period of time', '10060 WSAETIMEDOUT', 'connect-timeout'],
      ['System.Net.Http.HttpRequestException: Resource temporarily unavailable (api:443) ---> System.Net.Sockets.SocketException (11): Resource temporarily unavailable', 'EAI_AGAIN', 'dns-failure'],
      ['socket.gaierror: [Errno -3] Temporary failure in name resolution', 'EAI_AGAIN', 'dns-failure'],
      ['socket.gaierror: [Errno 11001] getaddrinfo failed', '11001', 'dns-failure'],
      ['socket.timeout: timed out', 'Python', 'connect-timeout'],
      ['[WinError 10054] An existing connection was forcibly closed by the remote host', '10054 WSAECONNRESET', 'connection-reset'],
      ['Error: socket hang up', 'Node.js', 'connection-reset'],
    ];
    for (const [q, expected, rule] of cases) {
      const { text, found } = explain(q, plain);
      expect(found, q).toBe(true);
      expect(text, q).toContain(expected);
      expect(text, q).toContain(rule);
    }
  });

  it('an ambiguous number lists every meaning with where it comes from, in --full with its source', () => {
    const { text } = explain('40', full);
    expect(text).toContain('Source: dotnet/SqlClient');
    expect(text).toContain('Source: xnu bsd/sys/errno.h');
    // The rules behind each meaning, in full.
    expect(flat(text)).toContain(ruleById('destination-unreachable')!.meta.onTheWire);
  });
});

describe('explain a rule or signature', () => {
  it('connection-refused: description, wire view, codes, neighbours, causes and checks (all of them in --full)', () => {
    const meta = ruleById('connection-refused')!.meta;
    const { text, found } = explain('connection-refused', full);
    expect(found).toBe(true);
    for (const s of [meta.description, meta.onTheWire, meta.differsFrom!, ...meta.causes, ...meta.checks]) expect(flat(text)).toContain(s);
    expect(text).toContain('10061 WSAECONNREFUSED');
    expect(text).toContain('111 ECONNREFUSED');
  });

  it('every rule has an explanation that fits the first screen', () => {
    for (const r of RULES) {
      const { text, found } = explain(r.meta.id, plain);
      expect(found).toBe(true);
      expect(flat(text)).toContain(r.meta.description);
      expect(linesOf(text).length, r.meta.id).toBeLessThan(25);
    }
  });

  it('dns-failure lists the codes per DNS outcome', () => {
    const { text } = explain('dns-failure', plain);
    expect(text).toContain('11001 WSAHOST_NOT_FOUND');
    expect(text).toContain('11002 WSATRY_AGAIN');
    expect(text).toContain('11003 WSANO_RECOVERY');
    expect(text).toContain('EAI_AGAIN');
  });

  it('destination-unreachable shows what each ICMP code becomes (in --full)', () => {
    const { text } = explain('destination-unreachable', { ...full, width: 200 });
    expect(text).toMatch(/v4 3\/13.*communication administratively prohibited.*10065 WSAEHOSTUNREACH.*113 EHOSTUNREACH.*61 ECONNREFUSED/);
    expect(explain('destination-unreachable', plain).text).toContain('--full');
  });

  it('NXDOMAIN and signature ids lead to dns-failure', () => {
    for (const q of ['NXDOMAIN', 'dns-nxdomain', 'servfail']) {
      const { text, found } = explain(q, plain);
      expect(found).toBe(true);
      expect(text).toContain('Reported by the rule dns-failure.');
    }
  });
});

describe('explain output', () => {
  const queries = [
    '10061',
    '40',
    '53',
    '26',
    'Connection timed out',
    'ECONNREFUSED',
    '[Errno 111] Connection refused',
    'destination-unreachable',
    'dns-failure',
    'connection-reset',
    'nonsense',
    'A network-related or instance-specific error occurred while establishing a connection to SQL Server. (provider: Named Pipes Provider, error: 40 - Could not open a connection to SQL Server) (Microsoft SQL Server, Error: 53)',
  ];

  it('fits the first screen: under 25 lines, none wider than the terminal', () => {
    for (const width of [80, 60, 132]) {
      for (const q of queries) {
        const lines = linesOf(explain(q, { ...plain, width }).text);
        expect(lines.length, `${q} at ${width}`).toBeLessThan(25);
        for (const l of lines) expect(l.length, `${q} at ${width}: ${l}`).toBeLessThanOrEqual(width);
      }
    }
  });

  it('--full is not cut to a screen, and still fits the width', () => {
    const lines = linesOf(explain('destination-unreachable', full).text);
    expect(lines.length).toBeGreaterThan(25);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
  });

  it('is ASCII without colour when asked', () => {
    for (const q of ['10061', 'destination-unreachable', 'dns-failure', '53']) {
      for (const f of [false, true]) {
        const { text } = explain(q, { color: false, unicode: false, full: f });
        expect(text).not.toMatch(NON_ASCII);
        expect(text).not.toContain('\u001b');
      }
    }
    expect(explain('10061', { color: true, unicode: true }).text).toContain('\u001b[');
  });

  it('an unknown query is not found and lists the rules', () => {
    const { text, found } = explain('nonsense', plain);
    expect(found).toBe(false);
    for (const r of RULES) expect(text).toContain(r.meta.id);
    expect(text).toContain('"nonsense"');
  });

  it('an unknown query cannot write control characters, and a huge one is cut short', () => {
    const { text, found } = explain('x\u001b[2J', plain);
    expect(found).toBe(false);
    expect(text).not.toContain('\u001b');
    const huge = explain('Connection refused '.repeat(50_000), plain);
    expect(linesOf(huge.text).length).toBeLessThan(25);
  });
});
