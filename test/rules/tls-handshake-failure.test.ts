import { describe, expect, it } from 'vitest';
import { tlsHandshakeFailure } from '../../src/app/tls.js';
import { tlsAlertClientMessages, tlsAlertReceivedCodes } from '../../src/rules/codes.js';
import { tlsHandshakeFailureRule } from '../../src/rules/tls-handshake-failure.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';
import { alert, clientHello, record, streams, view } from '../app/support.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:443';

/** A server's first flight: a ServerHello choosing `version` (supported_versions for TLS 1.3), then opaque records. */
function serverFlight(version: 'TLS 1.3' | 'TLS 1.2', extra: number[][] = []): Uint8Array {
  const sv = version === 'TLS 1.3' ? [0, 43, 0, 2, 3, 4] : []; // supported_versions: 0x0304
  const body = [
    3, 3, // legacy_version TLS 1.2
    ...new Array(32).fill(9), // random
    0, // legacy_session_id_echo
    0x13, 0x01, // cipher_suite
    0, // compression
    0, sv.length, ...sv, // extensions
  ];
  const hello = record(22, [2 /* server_hello */, 0, 0, body.length, ...body]);
  return new Uint8Array([...hello, ...extra.flat()]);
}

/** Handshake, the ClientHello, the server's answer `reply`, then a close by `closer` (FIN both ways or RST). */
function handshake(reply: Uint8Array, clientAfter: Uint8Array = new Uint8Array(0), close: 'server-fin' | 'client-rst' | 'client-fin' = 'server-fin'): Scenario {
  const hello = Buffer.from(clientHello('api.example.test'));
  const cEnd = 101 + hello.length;
  const sEnd = 501 + reply.length;
  const s = new Scenario(C, S)
    .tcp('c', 0, ['SYN'], 100)
    .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
    .tcp('c', 0.002, ['ACK'], 101, 501)
    .tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: hello })
    .tcp('s', 0.004, ['PSH', 'ACK'], 501, cEnd, { payload: Buffer.from(reply) });
  let c = cEnd;
  if (clientAfter.length > 0) {
    s.tcp('c', 0.005, ['PSH', 'ACK'], c, sEnd, { payload: Buffer.from(clientAfter) });
    c += clientAfter.length;
  }
  if (close === 'server-fin') s.tcp('s', 0.006, ['FIN', 'ACK'], sEnd, c).tcp('c', 0.007, ['FIN', 'ACK'], c, sEnd + 1).tcp('s', 0.008, ['ACK'], sEnd + 1, c + 1);
  else if (close === 'client-fin') s.tcp('c', 0.006, ['FIN', 'ACK'], c, sEnd).tcp('s', 0.007, ['FIN', 'ACK'], sEnd, c + 1).tcp('c', 0.008, ['ACK'], c + 1, sEnd + 1);
  else s.tcp('c', 0.006, ['RST', 'ACK'], c, sEnd);
  return s;
}

/** An encrypted record of `length` bytes (type application_data). */
const encrypted = (length: number): number[] => record(23, new Array(length).fill(0x5a));
const ccs = (): number[] => record(20, [1]);

runRuleTests(tlsHandshakeFailureRule, {
  valid: [
    { name: 'a completed TLS 1.3 handshake (the client sends its 53-byte Finished) and an orderly close', packets: handshake(serverFlight('TLS 1.3', [ccs(), encrypted(900)]), new Uint8Array([...ccs(), ...encrypted(53)]), 'client-fin') },
    { name: 'a close_notify warning ends nothing', packets: handshake(alert(1, 0), new Uint8Array(0)) },
    { name: 'an unrecognized_name warning the server sends and goes on from (RFC 6066)', packets: handshake(new Uint8Array([...alert(1, 112), ...serverFlight('TLS 1.2', [encrypted(800)])]), new Uint8Array(0), 'client-fin') },
    { name: 'a TLS 1.3 client that sends a short record but keeps the connection open', packets: handshake(serverFlight('TLS 1.3', [ccs(), encrypted(900)]), new Uint8Array(encrypted(19))).records.slice(0, 6) },
    { name: 'not TLS: an HTTP request answered and closed', packets: new Scenario(C, '10.0.0.2:80').tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501).tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: 'GET / HTTP/1.1\r\n\r\n' }).tcp('s', 0.004, ['FIN', 'ACK'], 501, 119).tcp('c', 0.005, ['FIN', 'ACK'], 119, 502) },
  ],
  invalid: [
    {
      name: 'the server refuses the ClientHello with protocol_version and closes in order',
      packets: handshake(alert(2, 70)),
      findings: [{ rule: 'tls-handshake-failure', severity: 'error', seenBy: { side: 'client', address: '10.0.0.1', port: 40000 }, details: { kind: 'alert', sentBy: 'server', alert: { level: 'fatal', description: 'protocol_version', code: 70 }, clientHello: { sni: 'api.example.test', versions: ['TLS 1.3', 'TLS 1.2'] } } }],
    },
    {
      name: 'a TLS 1.2 client rejects the certificate with unknown_ca and resets',
      packets: handshake(serverFlight('TLS 1.2', [record(22, new Array(600).fill(1))]), alert(2, 48), 'client-rst'),
      findings: [{ rule: 'tls-handshake-failure', severity: 'error', details: { sentBy: 'client', serverVersion: 'TLS 1.2', alert: { description: 'unknown_ca' } } }],
    },
    {
      name: 'a TLS 1.3 client answers the server flight with one padded encrypted record and closes: an inference, at warning',
      packets: handshake(serverFlight('TLS 1.3', [ccs(), encrypted(900)]), new Uint8Array([...ccs(), ...encrypted(35)]), 'client-fin'),
      findings: [{ rule: 'tls-handshake-failure', severity: 'warning', details: { kind: 'encrypted-alert', sentBy: 'client', serverVersion: 'TLS 1.3' } }],
    },
  ],
});

describe('tls-handshake-failure among all rules', () => {
  it('a server alert followed by a reset is a handshake failure, not a reset', async () => {
    const report = await analyzeRecords(handshake(alert(2, 40), new Uint8Array(0), 'client-rst').records);
    expect(report.findings.map((f) => f.rule)).toEqual(['tls-handshake-failure']);
    expect(report.findings[0]!.codes.map((c) => [c.os, c.code, c.name])).toEqual([
      ['windows', 0x80090326, 'SEC_E_ILLEGAL_MESSAGE'],
      ['linux', 1040, 'SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE'],
      ['macos', -9824, 'errSSLPeerHandshakeFail'],
    ]);
  });
});

describe('what each client library prints for a received alert', () => {
  it('quotes OpenSSL\'s error string, Java\'s and Go\'s alert names and .NET\'s enum member', () => {
    const texts = Object.fromEntries(tlsAlertClientMessages(70, 'protocol_version').map((m) => [m.library, m.text]));
    expect(texts['curl']).toBe('curl: (35) OpenSSL/3…: error:0A00042E:SSL routines::tlsv1 alert protocol version');
    expect(texts['Python ssl']).toBe('ssl.SSLError: [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:…)');
    expect(texts['Java (JSSE)']).toBe('javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version');
    expect(texts['Go crypto/tls']).toBe('remote error: tls: protocol version not supported');
    expect(texts['.NET (5 and later)']).toContain("TLS alert: 'ProtocolVersion'");
    expect(texts['Windows Schannel']).toBe('0x80090326 SEC_E_ILLEGAL_MESSAGE (Microsoft documents 0x80090302 SEC_E_UNSUPPORTED_FUNCTION for this alert)');
  });

  it('an alert no table names still gets codes', () => {
    expect(tlsAlertReceivedCodes(200).map((c) => c.name)).toEqual(['SEC_E_ILLEGAL_MESSAGE', 'SSL_R_ALERT_200', 'errSSLFatalAlert']);
  });
});

describe('tlsHandshakeFailure on cut or odd bytes', () => {
  it('finds the server\'s alert in the tail when a long flight filled the kept head', () => {
    const flight = serverFlight('TLS 1.2', [record(22, new Array(3000).fill(1))]);
    const all = new Uint8Array([...flight, ...alert(2, 51)]);
    const server = { head: all.subarray(0, 2048), tail: all.subarray(all.length - 512), length: all.length, complete: false, gaps: 0, ended: 'fin' as const };
    expect(tlsHandshakeFailure(streams(view(clientHello('a.test')), server))).toMatchObject({ sentBy: 'server', alert: { code: 51, description: 'decrypt_error' } });
  });

  it('never throws on arbitrary bytes', () => {
    for (let seed = 1; seed < 200; seed++) {
      const bytes = new Uint8Array(64).map((_, i) => (seed * 31 + i * 17) & 0xff);
      bytes[0] = 22;
      bytes[1] = 3;
      expect(() => tlsHandshakeFailure(streams(view(bytes, 'fin'), view(bytes.slice().reverse(), 'rst')))).not.toThrow();
    }
  });
});
