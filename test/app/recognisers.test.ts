import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { recogniseStreams, STREAM_RECOGNISERS } from '../../src/app/index.js';
import { printable } from '../../src/app/bytes.js';
import { parseClientHello, recogniseTls } from '../../src/app/tls.js';
import { recogniseHttp } from '../../src/app/http.js';
import { recogniseTds } from '../../src/app/tds.js';
import { parseBrowserResponse, recogniseSqlBrowser } from '../../src/app/sql-browser.js';
import { recogniseSsh } from '../../src/app/ssh.js';
import { recogniseSmtp } from '../../src/app/smtp.js';
import { recogniseFtp } from '../../src/app/ftp.js';
import { recogniseRedis } from '../../src/app/redis.js';
import { recognisePostgresql } from '../../src/app/postgresql.js';
import { recogniseMysql } from '../../src/app/mysql.js';
import { alert, clientHello, streams, view } from './support.js';

describe('TLS', () => {
  it('ClientHello: SNI, offered versions without GREASE, ALPN; server alert then reset', () => {
    const ctx = recogniseTls(streams(view(clientHello('example.com')), view(alert(2, 40), 'rst')));
    expect(ctx).toMatchObject({
      protocol: 'tls',
      clientHello: { sni: 'example.com', versions: ['TLS 1.3', 'TLS 1.2'], alpn: ['h2', 'http/1.1'] },
      serverAlert: { level: 'fatal', description: 'handshake_failure' },
    });
    expect(ctx!.summary).toBe('TLS ClientHello SNI=example.com (TLS 1.3, 1.2); server sent fatal alert handshake_failure, then reset');
  });

  it('an alert at the end of a long stream is found in the tail', () => {
    const tail = new Uint8Array([...new Array(20).fill(0x17), ...alert(2, 70)]);
    const server = { head: new Uint8Array([22, 3, 3, 0, 4, 2, 0, 0, 0]), tail, length: 10000, complete: false, gaps: 0, ended: 'fin' as const };
    const ctx = recogniseTls(streams(view(clientHello('a.test')), server));
    expect(ctx!.serverAlert).toEqual({ level: 'fatal', description: 'protocol_version' });
  });

  it('a SNI with control characters is escaped', () => {
    expect(parseClientHello(clientHello('ev\u001bil').subarray(5))!.sni).toBe('ev\\x1bil');
  });

  it('no reply from the server', () => {
    expect(recogniseTls(streams(view(clientHello('x.test')), view('', 'rst')))!.summary).toBe('TLS ClientHello SNI=x.test (TLS 1.3, 1.2); no reply from the server, then reset');
  });
});

describe('HTTP/1.x', () => {
  it('last request line with Host, and the status line', () => {
    const ctx = recogniseHttp(
      streams(view('GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello'), view('HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 413 Payload Too Large\r\n\r\n', 'rst'), 80),
    );
    expect(ctx).toMatchObject({ protocol: 'http', request: 'POST /upload HTTP/1.1', host: 'example.com', response: 'HTTP/1.1 413 Payload Too Large' });
    expect(ctx!.summary).toBe('HTTP request "POST /upload HTTP/1.1" (Host: example.com); response "HTTP/1.1 413 Payload Too Large", then reset');
  });

  it('no response before the reset', () => {
    expect(recogniseHttp(streams(view('GET /x HTTP/1.0\r\n\r\n'), view('', 'rst'), 80))!.summary).toBe('HTTP request "GET /x HTTP/1.0"; no response; the server reset the connection');
  });
});

describe('SQL Server', () => {
  // TDS header: type 0x12 PRELOGIN, status 0x01 (EOM), length, SPID 0, packet id 1, window 0.
  // Options: VERSION at 11 (6 bytes), ENCRYPTION at 17 (1 byte), terminator 0xFF.
  const prelogin = new Uint8Array([0x12, 0x01, 0x00, 0x1a, 0, 0, 1, 0, 0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 0x10, 0x00, 0x03, 0xe8, 0, 0, 0x01]);
  it('TDS PRELOGIN with no answer before the reset', () => {
    const ctx = recogniseTds(streams(view(prelogin), view('', 'rst'), 1433));
    expect(ctx).toMatchObject({ protocol: 'tds', clientPrelogin: { version: '16.0.1000', encryption: 'ENCRYPT_ON' } });
    expect(ctx!.summary).toBe('TDS PRELOGIN (encryption ENCRYPT_ON, version 16.0.1000); no PRELOGIN answer from the server, then reset');
  });

  it('SQL Server Browser: instance request and the instances listed with their TCP ports', () => {
    const text = 'ServerName;DB1;InstanceName;SQLEXPRESS;IsClustered;No;Version;15.0.2000.5;tcp;49733;;ServerName;DB1;InstanceName;MSSQLSERVER;IsClustered;No;Version;16.0.1000.6;tcp;1433;;';
    const resp = new Uint8Array([0x05, text.length & 255, text.length >> 8, ...Buffer.from(text)]);
    const req = new Uint8Array([0x04, ...Buffer.from('SQLEXPRESS'), 0]);
    const ctx = recogniseSqlBrowser([{ fromClient: true, bytes: req }, { fromClient: false, bytes: resp }]);
    expect(ctx).toMatchObject({ protocol: 'sql-browser', request: 'CLNT_UCAST_INST', instance: 'SQLEXPRESS' });
    expect(ctx!.summary).toBe('SQL Server Browser CLNT_UCAST_INST for instance SQLEXPRESS; server lists SQLEXPRESS on tcp 49733, MSSQLSERVER on tcp 1433');
    expect(parseBrowserResponse(resp)![0]).toEqual({ server: 'DB1', instance: 'SQLEXPRESS', version: '15.0.2000.5', tcp: 49733 });
  });
});

describe('banners and first messages', () => {
  it('SSH identification strings', () => {
    expect(recogniseSsh(streams(view('SSH-2.0-Go\r\n'), view('SSH-2.0-OpenSSH_9.6\r\n'), 22))!.summary).toBe('SSH server SSH-2.0-OpenSSH_9.6; client SSH-2.0-Go');
  });
  it('SMTP greeting, last command, last reply', () => {
    const ctx = recogniseSmtp(streams(view('EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\n'), view('220 mx ESMTP\r\n250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n'), 25));
    expect(ctx!.summary).toBe('SMTP greeting "220 mx ESMTP"; last command "RCPT TO:<x@y>"; last reply "550 5.1.1 no such user"');
  });
  it('FTP hides the password', () => {
    const ctx = recogniseFtp(streams(view('USER bob\r\nPASS secret\r\n'), view('220 FTP ready\r\n331 Password required\r\n530 Login incorrect\r\n'), 21));
    expect(ctx!.summary).toBe('FTP greeting "220 FTP ready"; last command "PASS …"; last reply "530 Login incorrect"');
  });
  it('Redis command name only, and the error', () => {
    const ctx = recogniseRedis(streams(view('*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n'), view('-WRONGPASS invalid username-password pair\r\n'), 6379));
    expect(ctx!.summary).toBe('Redis command AUTH; error "-WRONGPASS invalid username-password pair"');
    expect(JSON.stringify(ctx)).not.toContain('secret');
  });
  it('PostgreSQL startup and error response', () => {
    const params = Buffer.from('user\0app\0database\0orders\0\0');
    const start = Buffer.alloc(8 + params.length);
    start.writeUInt32BE(start.length, 0);
    start.writeUInt32BE(196608, 4);
    params.copy(start, 8);
    const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed for user "app"\0\0');
    const err = Buffer.concat([Buffer.from([0x45, 0, 0, 0, fields.length + 4]), fields]);
    const ctx = recognisePostgresql(streams(view(new Uint8Array(start)), view(new Uint8Array(err), 'fin'), 5432));
    expect(ctx!.summary).toBe('PostgreSQL startup user=app database=orders; server error FATAL 28P01 password authentication failed for user "app"');
  });
  it('MySQL refuses a host before the handshake', () => {
    const msg = Buffer.from("Host '10.0.0.1' is not allowed to connect to this MySQL server");
    const pkt = new Uint8Array([msg.length + 3, 0, 0, 0, 0xff, 0x6a, 0x04, ...msg]);
    expect(recogniseMysql(streams(view(''), view(pkt, 'fin'), 3306))!.summary).toBe("MySQL error 1130 Host '10.0.0.1' is not allowed to connect to this MySQL server");
  });
  it('MySQL greeting', () => {
    const v = Buffer.from('8.0.36\0');
    const body = [10, ...v, 1, 0, 0, 0];
    expect(recogniseMysql(streams(view(''), view(new Uint8Array([body.length, 0, 0, 0, ...body])), 3306))!.summary).toBe('MySQL server 8.0.36');
  });
});

describe('recognisers on arbitrary bytes', () => {
  it('printable escapes control characters and bounds the length', () => {
    expect(printable(new Uint8Array([0x41, 0x0a, 0x1b, 0x5c, 0xff]))).toBe('A\\x0a\\x1b\\\\\\xff');
    expect(printable(new Uint8Array(500).fill(0x41), 10)).toBe('AAAAAAAAAA…');
  });

  it('never throw, and every string they return is printable', () => {
    const arb = fc.uint8Array({ maxLength: 600 });
    const withPrefix = fc.tuple(fc.constantFrom(...[[22, 3, 1], [21, 3, 3], [0x12, 1, 0], [0x2a, 0x31], [0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f], [5, 0, 0, 0, 10], [0x47, 0x45, 0x54, 0x20], [0x53, 0x53, 0x48, 0x2d], [0x32, 0x32, 0x30, 0x20]].map((a) => new Uint8Array(a))), arb).map(([p, b]) => new Uint8Array([...p, ...b]));
    const side = fc.record({ bytes: fc.oneof(arb, withPrefix), ended: fc.constantFrom('fin' as const, 'rst' as const, 'open' as const), complete: fc.boolean() });
    fc.assert(
      fc.property(side, side, fc.constantFrom(21, 22, 25, 80, 443, 1433, 3306, 5432, 6379, 9999), (c, s, port) => {
        const mk = (x: typeof c) => ({ head: x.bytes, tail: x.bytes.subarray(x.bytes.length >> 1), length: x.bytes.length, complete: x.complete, gaps: 0, ended: x.ended });
        const st = streams(mk(c), mk(s), port);
        for (const r of STREAM_RECOGNISERS) {
          const ctx = r.recognise(st); // must not throw
          if (ctx) expect(JSON.stringify(ctx)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        }
        recogniseStreams(st);
        recogniseSqlBrowser([{ fromClient: true, bytes: c.bytes }, { fromClient: false, bytes: s.bytes }]);
      }),
      { numRuns: 2000 },
    );
  });
});
