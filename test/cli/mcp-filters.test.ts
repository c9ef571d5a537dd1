/**
 * The MCP tool analyze_capture filters findings exactly as `wirewhy analyze --code/--rule/--severity`
 * does: the same values are taken (any number, hex HRESULTs, names in any case, several with
 * commas), the same refused, and the same findings kept. Each case runs through both, on
 * captures whose findings cite socket errors, an HTTP status and a TLS HRESULT.
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../src/cli/mcp.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { runInProcess } from '../scan/cli-run.js';

/** Connection refused, timed out, ICMP port unreachable and reset (10061, 10060, 10054, 111, 110, …). */
const MIX = join(FIXTURES, 'kernel/mix.pcap');
/** A server answering HTTP 503: a finding citing the server's own number. */
const HTTP_503 = join(FIXTURES, 'kernel/app-http-503.pcap');
/** TLS handshakes ended by an alert: findings citing 0x80090326 SEC_E_ILLEGAL_MESSAGE. */
const TLS = join(FIXTURES, 'kernel/tls-no-shared-cipher.pcap');

/** One filter, as the tool's arguments (the command gets the same values as options). */
type Filter = { code?: string; rule?: string; severity?: string };

const CASES: Array<[string, Filter]> = [
  // Numbers, whatever table they are in: socket errors, servers' own (SQL Server 18456, HTTP 503), signed, hex.
  [MIX, { code: '10061' }],
  [MIX, { code: '111' }],
  [MIX, { code: ' 110 ' }],
  [MIX, { code: '18456' }],
  [HTTP_503, { code: '503' }],
  [TLS, { code: '0x80090326' }],
  [TLS, { code: '0X80090326' }],
  [TLS, { code: '2148074278' }],
  [TLS, { code: '-2146893018' }],
  [MIX, { code: '-2' }],
  [MIX, { code: '99999' }],
  // Names, in any case, with or without WSA; several with commas; nothing at all.
  [MIX, { code: 'ECONNREFUSED' }],
  [MIX, { code: 'econnrefused' }],
  [MIX, { code: 'WSAECONNREFUSED' }],
  [MIX, { code: 'EAI_NONAME' }],
  [TLS, { code: 'SEC_E_ILLEGAL_MESSAGE' }],
  [MIX, { code: '10054,ETIMEDOUT' }],
  [MIX, { code: '' }],
  // Refused: a name nobody knows, not a number, hex past 32 bits.
  [MIX, { code: 'EFOOBAR' }],
  [MIX, { code: '12x' }],
  [MIX, { code: '0x123456789' }],
  [MIX, { code: '10061,EFOOBAR' }],
  // Rules: ids as they are, several; refused: unknown, or in another case.
  [MIX, { rule: 'connection-reset' }],
  [MIX, { rule: 'connection-refused,connect-timeout' }],
  [MIX, { rule: 'no-such-rule' }],
  [MIX, { rule: 'Connection-Refused' }],
  // Severities: the three, and refused: anything else.
  [MIX, { severity: 'error' }],
  [MIX, { severity: 'warning' }],
  [MIX, { severity: 'info' }],
  [MIX, { severity: 'fatal' }],
  [MIX, { severity: 'Error' }],
  // Together: every filter must pass.
  [MIX, { code: '10054', rule: 'connection-reset', severity: 'error' }],
  [MIX, { code: '111', rule: 'udp-port-unreachable' }],
];

let client: Client;
beforeAll(async () => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer().connect(serverSide);
  client = new Client({ name: 'wirewhy-test', version: '1.0.0' });
  await client.connect(clientSide);
});
afterAll(async () => {
  await client.close();
});

/** What one side made of a filter: refused (with its message), or the findings it kept. */
type Outcome = { refused: true; message: string } | { refused: false; findings: string[]; matching: number | undefined };

async function byCommand(capture: string, filter: Filter): Promise<Outcome> {
  const options = [...(filter.code !== undefined ? ['--code', filter.code] : []), ...(filter.rule !== undefined ? ['--rule', filter.rule] : []), ...(filter.severity !== undefined ? ['--severity', filter.severity] : [])];
  const r = await runInProcess(['analyze', capture, '--format', 'json', ...options]);
  if (r.code === 2) return { refused: true, message: r.err };
  expect(r.code, r.err).toBe(0);
  const report = JSON.parse(r.out) as { findings: Array<{ rule: string; stream: number }>; filtered?: { shown: number } };
  return { refused: false, findings: report.findings.map((f) => `${f.rule} ${f.stream}`), matching: report.filtered?.shown };
}

async function byTool(capture: string, filter: Filter): Promise<Outcome> {
  const r = (await client.callTool({ name: 'analyze_capture', arguments: { path: capture, ...filter } })) as CallToolResult;
  const text = (r.content[0] as { text: string }).text;
  if (r.isError) return { refused: true, message: text };
  const answer = JSON.parse(text) as { findings: Array<{ rule: string; stream: number }>; matching?: number };
  return { refused: false, findings: answer.findings.map((f) => `${f.rule} ${f.stream}`), matching: answer.matching };
}

describe('analyze_capture filters as analyze --code/--rule/--severity does', () => {
  for (const [capture, filter] of CASES) {
    it(`${capture.split('/').pop()} ${JSON.stringify(filter)}`, async () => {
      const command = await byCommand(capture, filter);
      const tool = await byTool(capture, filter);
      expect(tool.refused, `the command ${command.refused ? 'refused' : 'took'} it: ${command.refused ? command.message : ''}`).toBe(command.refused);
      if (command.refused || tool.refused) return;
      expect(tool.findings).toEqual(command.findings);
      expect(tool.matching).toEqual(command.matching);
    });
  }

  it('the cases cover both answers: findings kept, none kept, and refusals', async () => {
    const outcomes = await Promise.all(CASES.map(([capture, filter]) => byCommand(capture, filter)));
    const kept = outcomes.filter((o) => !o.refused && o.findings.length > 0).length;
    const none = outcomes.filter((o) => !o.refused && o.findings.length === 0).length;
    const refused = outcomes.filter((o) => o.refused).length;
    expect([kept > 10, none > 0, refused >= 7]).toEqual([true, true, true]);
  });

  it('a refused code or rule gets the same reason, naming the argument', async () => {
    for (const filter of [{ code: 'EFOOBAR' }, { rule: 'no-such-rule' }]) {
      const command = await byCommand(MIX, filter);
      const tool = await byTool(MIX, filter);
      if (!command.refused || !tool.refused) throw new Error(`${JSON.stringify(filter)} was taken`);
      const name = Object.keys(filter)[0]!;
      expect(tool.message).toBe(command.message.replace(/^error: /, '').trim().replace(`(--${name})`, `(${name})`));
    }
  });

  it('HTTP 503 and the TLS HRESULT find their findings; 18456 finds none in a capture without SQL Server', async () => {
    const http = await byTool(HTTP_503, { code: '503' });
    const tls = await byTool(TLS, { code: '0x80090326' });
    const sql = await byTool(MIX, { code: '18456' });
    expect(http.refused || http.findings).toEqual(['application-refused 0']);
    expect(tls.refused || tls.findings.every((f) => f.startsWith('tls-handshake-failure '))).toBe(true);
    expect(tls.refused || tls.findings.length).toBe(5);
    expect(sql.refused || sql.findings).toEqual([]);
  });
});
