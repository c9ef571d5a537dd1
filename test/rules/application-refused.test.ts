import { describe, expect, it } from 'vitest';
import { applicationRefusal } from '../../src/app/refusal.js';
import { applicationRefused } from '../../src/rules/application-refused.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';
import { streams, view } from '../app/support.js';

const C = '10.0.0.1:40000';

/**
 * Handshake, the client's bytes, the server's answer, then the server closes (FIN) and the client
 * follows; or the client resets when `clientReset`.
 */
function exchange(server: string, clientBytes: Buffer, serverBytes: Buffer, opts: { serverFirst?: boolean; clientReset?: boolean; clientAfter?: Buffer } = {}): Scenario {
  const s = new Scenario(C, server).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501);
  let c = 101;
  let v = 501;
  if (opts.serverFirst) {
    s.tcp('s', 0.003, ['PSH', 'ACK'], v, c, { payload: serverBytes });
    v += serverBytes.length;
    if (clientBytes.length > 0) {
      s.tcp('c', 0.004, ['PSH', 'ACK'], c, v, { payload: clientBytes });
      c += clientBytes.length;
    }
  } else {
    s.tcp('c', 0.003, ['PSH', 'ACK'], c, v, { payload: clientBytes });
    c += clientBytes.length;
    s.tcp('s', 0.004, ['PSH', 'ACK'], v, c, { payload: serverBytes });
    v += serverBytes.length;
  }
  if (opts.clientAfter) {
    s.tcp('c', 0.005, ['PSH', 'ACK'], c, v, { payload: opts.clientAfter });
    c += opts.clientAfter.length;
  }
  if (opts.clientReset) return s.tcp('c', 0.006, ['RST', 'ACK'], c, v);
  return s.tcp('s', 0.006, ['FIN', 'ACK'], v, c).tcp('c', 0.007, ['FIN', 'ACK'], c, v + 1).tcp('s', 0.008, ['ACK'], v + 1, c + 1);
}

/** PostgreSQL StartupMessage: Int32 length, Int32 196608 (3.0), name\0value\0 pairs, \0. */
function pgStartup(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + params.length, 0);
  head.writeUInt32BE(196608, 4);
  return Buffer.concat([head, params]);
}

/** PostgreSQL ErrorResponse 'E': Int32 length, then fields S, V, C, M (each type byte, text\0), \0. */
function pgError(severity: string, code: string, message: string): Buffer {
  const body = Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head[0] = 0x45;
  head.writeUInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** A MySQL packet: 3-byte little-endian length, sequence id, payload. */
function mysqlPacket(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}
/** ERR_Packet: 0xff, error code (2 bytes LE), '#', SQLSTATE (5), message. */
function mysqlErr(seq: number, code: number, sqlState: string, message: string): Buffer {
  const p = Buffer.alloc(3);
  p[0] = 0xff;
  p.writeUInt16LE(code, 1);
  return mysqlPacket(seq, Buffer.concat([p, Buffer.from(`#${sqlState}${message}`)]));
}
/** Protocol::HandshakeV10, cut after the version string (what the recogniser reads). */
const mysqlGreeting = (): Buffer => mysqlPacket(0, Buffer.concat([Buffer.from([10]), Buffer.from('8.0.36\0'), Buffer.alloc(20, 1)]));

/** A TDS packet: type, status 0x01 (EOM), length (BE, header included), SPID, packet id, window. */
function tdsPacket(type: number, data: Buffer): Buffer {
  const h = Buffer.from([type, 1, 0, 0, 0, 0, 1, 0]);
  h.writeUInt16BE(8 + data.length, 2);
  return Buffer.concat([h, data]);
}
/** PRELOGIN with VERSION and ENCRYPTION (ENCRYPT_OFF) options and the terminator. */
const prelogin = (): Buffer => tdsPacket(0x12, Buffer.from([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 16, 0, 0, 0, 0, 0, 0]));
/** ERROR token (0xaa): Length, Number (4, LE), State, Class, MsgText (US_VARCHAR), ServerName, ProcName, LineNumber. */
function tdsError(number: number, state: number, cls: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf16le');
  const body = Buffer.alloc(4 + 1 + 1 + 2);
  body.writeUInt32LE(number, 0);
  body[4] = state;
  body[5] = cls;
  body.writeUInt16LE(message.length, 6);
  const rest = Buffer.concat([body, text, Buffer.from([0, 0, 0, 0, 0, 0])]);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(rest.length, 0);
  return tdsPacket(0x04, Buffer.concat([Buffer.from([0xaa]), len, rest, Buffer.from([0xfd, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]));
}

runRuleTests(applicationRefused, {
  valid: [
    {
      name: 'a PostgreSQL ERROR (not FATAL) in a session: the session goes on',
      packets: exchange('10.0.0.2:5432', pgStartup('app', 'shop'), pgError('ERROR', '42P01', 'relation "x" does not exist')),
    },
    {
      name: 'a MySQL ERR answering a query (sequence id 1), then the client quits',
      packets: exchange('10.0.0.2:3306', Buffer.from('query'), Buffer.concat([mysqlGreeting(), mysqlErr(1, 1146, '42S02', "Table 'shop.x' doesn't exist")]), { serverFirst: true }),
    },
    {
      name: 'an SMTP session ended by QUIT and 221',
      packets: exchange('10.0.0.2:25', Buffer.from('QUIT\r\n'), Buffer.from('220 mail.test ESMTP\r\n221 2.0.0 Bye\r\n'), { serverFirst: true }),
    },
    {
      name: 'an HTTP 200 then a close',
      packets: exchange('10.0.0.2:80', Buffer.from('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n'), Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')),
    },
    {
      name: 'a PostgreSQL FATAL on a connection still open at the end of the capture',
      packets: exchange('10.0.0.2:5432', pgStartup('app', 'shop'), pgError('FATAL', '28P01', 'password authentication failed for user "app"')).records.slice(0, 5),
    },
  ],
  invalid: [
    {
      name: 'PostgreSQL: password authentication failed (FATAL 28P01), then the server closes',
      packets: exchange('10.0.0.2:5432', pgStartup('app', 'shop'), pgError('FATAL', '28P01', 'password authentication failed for user "app"')),
      findings: [{ rule: 'application-refused', severity: 'error', codes: [], details: { refusal: { protocol: 'postgresql', code: '28P01', severity: 'FATAL', message: 'password authentication failed for user "app"' } } }],
    },
    {
      name: 'MySQL: access denied (1045) after the handshake response',
      packets: exchange('10.0.0.2:3306', Buffer.from('handshake-response'), Buffer.concat([mysqlGreeting(), mysqlErr(2, 1045, '28000', "Access denied for user 'app'@'10.0.0.1' (using password: YES)")]), { serverFirst: true }),
      findings: [{ rule: 'application-refused', details: { refusal: { protocol: 'mysql', number: 1045, sqlState: '28000' } } }],
    },
    {
      name: 'MySQL: host not allowed (1130) before any greeting',
      packets: exchange('10.0.0.2:3306', Buffer.alloc(0), mysqlErr(0, 1130, 'HY000', "Host '10.0.0.1' is not allowed to connect to this MySQL server"), { serverFirst: true }),
      findings: [{ rule: 'application-refused', codes: (['windows', 'linux', 'macos'] as const).map((os) => ({ os, code: 1130, name: 'ER_HOST_NOT_PRIVILEGED', message: "Host '10.0.0.1' is not allowed to connect to this MySQL server" })) }],
    },
    {
      name: 'SQL Server: login failed (18456, state 1, class 14) answering LOGIN7',
      packets: exchange('10.0.0.2:1433', Buffer.concat([prelogin(), tdsPacket(0x10, Buffer.alloc(40, 3))]), tdsError(18456, 1, 14, "Login failed for user 'sa'."), { clientReset: true }),
      findings: [{ rule: 'application-refused', details: { refusal: { protocol: 'tds', number: 18456, state: 1, errorClass: 14, message: "Login failed for user 'sa'." } } }],
    },
    {
      name: 'SMTP: a 554 greeting, then the server closes',
      packets: exchange('10.0.0.2:25', Buffer.alloc(0), Buffer.from('554 5.7.1 mail.test: client host rejected\r\n'), { serverFirst: true }),
      findings: [{ rule: 'application-refused', details: { refusal: { protocol: 'smtp', code: '554' } } }],
    },
    {
      name: 'FTP: 530 after PASS, then the server closes',
      packets: exchange('10.0.0.2:21', Buffer.from('USER app\r\nPASS secret\r\n'), Buffer.from('220 FTP ready\r\n331 Password required\r\n530 Login incorrect.\r\n'), { serverFirst: true }),
      findings: [{ rule: 'application-refused', details: { refusal: { protocol: 'ftp', code: '530', message: 'Login incorrect.' } } }],
    },
    {
      name: 'HTTP: a gateway answers 503 and closes',
      packets: exchange('10.0.0.2:80', Buffer.from('GET /api HTTP/1.1\r\nHost: a.test\r\n\r\n'), Buffer.from('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')),
      findings: [{ rule: 'application-refused', details: { refusal: { protocol: 'http', code: '503', message: 'Service Unavailable' } } }],
    },
  ],
});

describe('application-refused among all rules', () => {
  it('a login refusal followed by the client\'s reset is the refusal, not a reset', async () => {
    const s = exchange('10.0.0.2:1433', Buffer.concat([prelogin(), tdsPacket(0x10, Buffer.alloc(40, 3))]), tdsError(4060, 1, 11 + 3, 'Cannot open database "shop" requested by the login. The login failed.'), { clientReset: true });
    const report = await analyzeRecords(s.records);
    expect(report.findings.map((f) => [f.rule, f.codes[0]?.code])).toEqual([['application-refused', 4060]]);
  });

  it('never throws on arbitrary bytes', () => {
    for (let seed = 1; seed < 300; seed++) {
      const bytes = new Uint8Array(80).map((_, i) => (seed * 37 + i * 13) & 0xff);
      bytes[0] = [0x12, 0x45, 0x35, 0x04, 0xff][seed % 5]!;
      expect(() => applicationRefusal(streams(view(bytes, 'fin'), view(bytes.slice().reverse(), 'rst'), [5432, 3306, 1433, 25, 80][seed % 5]))).not.toThrow();
    }
  });
});
