/**
 * `wirewhy mcp`, driven by the official SDK's own client: in-process over the SDK's in-memory
 * transport pair for the tools, and once over real stdio against the built command.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { createMcpServer } from '../../src/cli/mcp.js';
import { MAX_FINDINGS_SHOWN } from '../../src/cli/mcp-tools.js';
import { VERSION } from '../../src/version.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { frame } from '../../dev/packet-builder.js';
import { TSHARK, tsharkRows } from '../helpers/tshark.js';
import { canRun } from '../helpers/tools.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { BIN } from '../scan/cli-run.js';

const MIX = join(FIXTURES, 'kernel/mix.pcap');
const dir = mkdtempSync(join(tmpdir(), 'wirewhy-mcp-'));

let client: Client;
beforeAll(async () => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer().connect(serverSide);
  client = new Client({ name: 'wirewhy-test', version: '1.0.0' });
  await client.connect(clientSide); // initialize, then initialized
});
afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(r: CallToolResult): string {
  const first = r.content[0];
  expect(first?.type).toBe('text');
  return (first as { text: string }).text;
}

/** The JSON answer of a successful call. */
async function json(name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await call(name, args);
  expect(r.isError, text(r)).toBeFalsy();
  return JSON.parse(text(r));
}

describe('wirewhy mcp, through the SDK client', () => {
  it('initialises as wirewhy with its version and instructions', () => {
    expect(client.getServerVersion()).toEqual({ name: 'wirewhy', version: VERSION });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toContain('analyze_capture');
  });

  it('lists the four tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['analyze_capture', 'explain', 'list_conversations', 'show_frames']);
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('analyze_capture')!.inputSchema.required).toEqual(['path']);
    expect(Object.keys(byName.get('analyze_capture')!.inputSchema.properties!)).toEqual(['path', 'rule', 'code', 'severity']);
    expect(byName.get('show_frames')!.inputSchema.required).toEqual(['path', 'frames']);
    expect(byName.get('explain')!.inputSchema.required).toEqual(['query']);
    for (const t of tools) expect(t.annotations?.readOnlyHint).toBe(true);
  });

  it('analyze_capture on mix.pcap gives each finding with its frames, codes and filters', async () => {
    const answer = await json('analyze_capture', { path: MIX });
    const report = await analyzeCapture(MIX);
    expect(answer.capture).toMatchObject({ file: MIX, format: 'pcap', packets: report.capture.packets });
    expect(answer.summary).toEqual(report.summary);
    expect(answer.findings.map((f: any) => f.rule)).toEqual(['connection-refused', 'connect-timeout', 'udp-port-unreachable', 'connection-reset']);
    answer.findings.forEach((f: any, i: number) => {
      const r = report.findings[i]!;
      expect(f).toMatchObject({ number: i + 1, rule: r.rule, severity: r.severity, stream: r.stream, frames: r.frames, summary: r.summary, filter: r.filter });
      expect(f.streamFilter).toBe(`${r.protocol}.stream eq ${r.stream}`);
      expect(f.communityId).toBe(r.communityId);
      expect(f.codes).toEqual(r.codes.map((c) => ({ os: c.os, code: c.code, name: c.name, message: c.message })));
    });
    const refused = answer.findings[0];
    expect(refused).toMatchObject({ client: '10.99.0.1:40001', server: '10.99.0.2:8088', frames: [1, 2], streamFilter: 'tcp.stream eq 0' });
    expect(refused.codes.map((c: any) => `${c.os} ${c.code} ${c.name}`)).toEqual(['windows 10061 WSAECONNREFUSED', 'linux 111 ECONNREFUSED', 'macos 61 ECONNREFUSED']);
  });

  it('analyze_capture keeps only the findings of a rule or code, numbered as in the full report', async () => {
    const byRule = await json('analyze_capture', { path: MIX, rule: 'connection-reset' });
    expect(byRule.findings.map((f: any) => [f.number, f.rule])).toEqual([[4, 'connection-reset']]);
    expect(byRule.matching).toBe(1);
    const byCode = await json('analyze_capture', { path: MIX, code: 'ETIMEDOUT' });
    expect(byCode.findings.map((f: any) => [f.number, f.rule])).toEqual([[2, 'connect-timeout']]);
    const byNumber = await json('analyze_capture', { path: MIX, code: '10054' });
    expect(byNumber.findings.map((f: any) => f.rule)).toEqual(['udp-port-unreachable', 'connection-reset']);
  });

  it('analyze_capture says what is wrong with its input as a tool error', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ path: join(dir, 'missing.pcap') }, /missing\.pcap: no such file or directory/],
      [{ path: dir }, /is a directory/],
      [{ path: MIX, rule: 'no-such-rule' }, /unknown rule "no-such-rule" \(rule\); the rules are .*connection-refused/],
      [{ path: MIX, code: 'EFOOBAR' }, /unknown error code "EFOOBAR" \(code\)/],
    ];
    for (const [args, message] of cases) {
      const r = await call('analyze_capture', args);
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(message);
    }
    const notCapture = join(dir, 'notes.txt');
    writeFileSync(notCapture, 'not a capture at all');
    const r = await call('analyze_capture', { path: notCapture });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('not a capture file');
  });

  it('arguments of the wrong type are refused before any work', async () => {
    const r = await call('show_frames', { path: MIX, frames: Array.from({ length: 101 }, (_, i) => i + 1) });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/frames/);
    const s = await call('analyze_capture', { path: 42 });
    expect(s.isError).toBe(true);
  });

  it('a capture with many findings lists a bounded number and counts the rest', async () => {
    const records = Array.from({ length: MAX_FINDINGS_SHOWN + 20 }, (_, i) => [
      { time: 1_700_000_000 + i, data: frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 20000 + i, dport: 80, seq: 1000, flags: ['SYN'] }).build() },
      { time: 1_700_000_000 + i + 0.001, data: frame().eth().ipv4({ src: '10.0.0.2', dst: '10.0.0.1' }).tcp({ sport: 80, dport: 20000 + i, ack: 1001, flags: ['RST', 'ACK'] }).build() },
    ]).flat();
    const file = join(dir, 'many.pcap');
    writeFileSync(file, writePcap(records));
    const answer = await json('analyze_capture', { path: file });
    expect(answer.summary.findings).toBe(MAX_FINDINGS_SHOWN + 20);
    expect(answer.findings).toHaveLength(MAX_FINDINGS_SHOWN);
    expect(answer.findingsOmitted).toBe(20);
  });

  it('explain answers for a code and refuses nonsense', async () => {
    const r = await call('explain', { query: '10061' });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toContain('WSAECONNREFUSED');
    expect(text(r)).toContain('connection-refused');
    expect(text(r)).not.toMatch(/\x1b\[/);
    const bad = await call('explain', { query: 'no such thing at all' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('Nothing known as');
  });

  it('show_frames decodes the refusal: a SYN and the RST that acknowledges it', async () => {
    const answer = await json('show_frames', { path: MIX, frames: [2, 1, 9999] });
    const [syn, rst] = answer.frames;
    expect(syn).toMatchObject({ frame: 1, protocol: 'TCP', source: '10.99.0.1', sourcePort: 40001, destination: '10.99.0.2', destinationPort: 8088, ipVersion: 4 });
    expect(syn.tcp.flags).toBe('SYN');
    expect(rst).toMatchObject({ frame: 2, source: '10.99.0.2', sourcePort: 8088, destination: '10.99.0.1', destinationPort: 40001 });
    expect(rst.tcp.flags).toBe('RST-ACK');
    // The SYN takes one sequence number: the reset acknowledges it.
    expect(rst.tcp.ack).toBe((syn.tcp.seq + 1) % 2 ** 32);
    expect(syn.time < rst.time).toBe(true);
    expect(syn.length).toBe(syn.captured);
    expect(answer.notInCapture).toEqual([9999]);
  });

  it.skipIf(!canRun('tshark', TSHARK !== null, 'apt-get install -y tshark'))('show_frames says what tshark says of every frame of mix.pcap', async () => {
    const rows = tsharkRows(MIX);
    const answer = await json('show_frames', { path: MIX, frames: [...rows.keys()] });
    expect(answer.frames).toHaveLength(rows.size);
    for (const f of answer.frames) {
      const t = rows.get(f.frame)!;
      expect([f.source, f.destination]).toEqual([t['ip.src'][0], t['ip.dst'][0]]);
      if (f.tcp) {
        expect([f.sourcePort, f.destinationPort]).toEqual([Number(t['tcp.srcport'][0]), Number(t['tcp.dstport'][0])]);
        expect([f.tcp.seq, f.tcp.ack]).toEqual([Number(t['tcp.seq_raw'][0]), Number(t['tcp.ack_raw'][0])]);
      } else if (f.udp) {
        expect([f.sourcePort, f.destinationPort]).toEqual([Number(t['udp.srcport'][0]), Number(t['udp.dstport'][0])]);
      } else {
        expect([f.icmp.type, f.icmp.code]).toEqual([Number(t['icmp.type'][0]), Number(t['icmp.code'][0])]);
      }
    }
  });

  it('show_frames decodes an ICMP error with the datagram it quotes', async () => {
    const report = await analyzeCapture(MIX);
    const udp = report.findings.find((f) => f.rule === 'udp-port-unreachable')!;
    const answer = await json('show_frames', { path: MIX, frames: udp.frames });
    const icmp = answer.frames.find((f: any) => f.protocol === 'ICMP');
    expect(icmp.icmp).toMatchObject({ type: 3, code: 3, name: 'port unreachable', quoted: { protocol: 'UDP', destination: udp.server.address, destinationPort: udp.server.port } });
  });

  it('list_conversations lists every conversation, with the rule of the failed ones', async () => {
    const answer = await json('list_conversations', { path: MIX });
    const report = await analyzeCapture(MIX);
    expect(answer.conversations).toHaveLength(report.summary.tcpConversations + report.summary.udpExchanges);
    const failed = answer.conversations.filter((c: any) => c.rule);
    expect(failed.map((c: any) => `${c.streamFilter} ${c.rule}`).sort()).toEqual(report.findings.map((f) => `${f.protocol}.stream eq ${f.stream} ${f.rule}`).sort());
    for (const c of answer.conversations) expect(c.end).toBeGreaterThanOrEqual(c.start);
    // Each failed conversation has its finding's Community ID.
    expect(failed.map((c: any) => `${c.streamFilter} ${c.communityId}`).sort()).toEqual(report.findings.map((f) => `${f.streamFilter} ${f.communityId}`).sort());
    const onlyFailed = await json('list_conversations', { path: MIX, failedOnly: true, limit: 2 });
    expect(onlyFailed.conversations).toHaveLength(2);
    expect(onlyFailed.conversationsOmitted).toBe(report.findings.length - 2);
    expect(onlyFailed.conversations.every((c: any) => c.rule)).toBe(true);
  });
});

describe('wirewhy mcp over stdio', () => {
  it('the built command answers an SDK client on its standard input and output', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], stderr: 'pipe' });
    const stdio = new Client({ name: 'wirewhy-stdio-test', version: '1.0.0' });
    await stdio.connect(transport);
    expect(stdio.getServerVersion()?.name).toBe('wirewhy');
    const { tools } = await stdio.listTools();
    expect(tools).toHaveLength(4);
    const r = (await stdio.callTool({ name: 'analyze_capture', arguments: { path: MIX, rule: 'connection-refused' } })) as CallToolResult;
    expect(JSON.parse((r.content[0] as { text: string }).text).findings[0].frames).toEqual([1, 2]);
    await stdio.close();
  }, 30_000);

  it('answers initialize and exits with status 0 by itself when its input ends', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig ? -1 : code)));
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    await expect.poll(() => out.includes('\n'), { timeout: 20_000 }).toBe(true);
    child.stdin.end();
    expect(await exited).toBe(0);
    const reply = JSON.parse(out.split('\n')[0]!);
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'wirewhy', version: VERSION } } });
  }, 30_000);
});
