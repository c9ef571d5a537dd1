import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/report/text.js';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';
import { clientHello } from './support.js';

const C = '10.0.0.1:40000';

describe('findings carry the application context of their conversation', () => {
  it('a reset after a ClientHello names the SNI, in details and in the text report', async () => {
    const hello = Buffer.from(clientHello('example.com'));
    // The ClientHello in two segments, the second sent first (out of order), then the server's RST.
    const s = new Scenario(C, '10.0.0.2:443')
      .tcp('c', 0, ['SYN'], 100)
      .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
      .tcp('c', 0.002, ['ACK'], 101, 501)
      .tcp('c', 0.003, ['PSH', 'ACK'], 131, 501, { payload: hello.subarray(30) })
      .tcp('c', 0.004, ['ACK'], 101, 501, { payload: hello.subarray(0, 30) })
      .tcp('s', 0.005, ['RST', 'ACK'], 501, 101 + hello.length);
    const report = await analyzeRecords(s.records);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]!.details.application).toMatchObject({ protocol: 'tls', clientHello: { sni: 'example.com' } });
    const text = formatText(report, { color: false, unicode: false });
    expect(text).toContain('Application: TLS ClientHello SNI=example.com (TLS 1.3, 1.2); no reply from the server, then reset');
  });

  it('an HTTP request line before a reset', async () => {
    const req = 'GET /health HTTP/1.1\r\nHost: api.test\r\n\r\n';
    const s = new Scenario(C, '10.0.0.2:80')
      .tcp('c', 0, ['SYN'], 100)
      .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
      .tcp('c', 0.002, ['ACK'], 101, 501)
      .tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: req })
      .tcp('s', 0.004, ['RST', 'ACK'], 501, 101 + req.length);
    const report = await analyzeRecords(s.records);
    expect(report.findings[0]!.details.application).toMatchObject({ protocol: 'http', request: 'GET /health HTTP/1.1', host: 'api.test' });
  });

  it('no payload bytes are kept when reassembly is off', async () => {
    const req = 'GET / HTTP/1.1\r\n\r\n';
    const s = new Scenario(C, '10.0.0.2:80').tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501).tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: req }).tcp('s', 0.004, ['RST', 'ACK'], 501, 101 + req.length);
    const { analyzeBuffer } = await import('../helpers/scenario.js');
    const report = await analyzeBuffer(s.toPcap(), { reassembly: false });
    expect(report.findings[0]!.details.application).toBeUndefined();
  });

  it('a differing retransmission is counted as tcp_overlap_mismatch', async () => {
    const s = new Scenario(C, '10.0.0.2:80')
      .tcp('c', 0, ['SYN'], 100)
      .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
      .tcp('c', 0.002, ['ACK'], 101, 501)
      .tcp('c', 0.003, ['PSH', 'ACK'], 101, 501, { payload: 'GET / HTTP/1.1\r\n' })
      .tcp('c', 0.3, ['PSH', 'ACK'], 101, 501, { payload: 'PUT / HTTP/1.1\r\n' });
    const report = await analyzeRecords(s.records);
    expect(report.capture.anomalies).toMatchObject({ tcp_overlap_mismatch: 1 });
  });
});
