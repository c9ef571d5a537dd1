/** `wirewhy analyze` and `wirewhy explain`, run in-process through the real commander program. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/model/wireshark.js';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { writePcap } from '../../dev/pcap-writer.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env };
  const code = await runCli(['node', 'wirewhy', ...args], io);
  return { code, out, err };
}

const REFUSED = join(FIXTURES, 'kernel/refused.pcap');

describe('wirewhy analyze', () => {
  it('fits the terminal: no line wider than COLUMNS (80 when unknown), words kept whole, the table narrower', async () => {
    const { columnsOf } = await import('../helpers/text-width.js');
    for (const [env, width] of [[{}, 80], [{ COLUMNS: '80' }, 80], [{ COLUMNS: '60' }, 60], [{ COLUMNS: '132' }, 132]] as const) {
      const { code, out } = await run(['analyze', join(FIXTURES, 'kernel/mix.pcap')], env);
      expect(code).toBe(0);
      const widest = Math.max(...out.split('\n').map(columnsOf));
      expect(widest, JSON.stringify(env)).toBeLessThanOrEqual(width);
      // Wrapping moves words, never cuts one: the filter survives with its words in order.
      expect(out.replace(/\n +/g, ' ')).toContain('ip.addr == 10.99.0.1 && tcp.port == 40001 && ip.addr == 10.99.0.2 && tcp.port == 8088');
      // Narrow terminals get the table without clients and first frame; wide ones have them.
      expect(out.includes('First frame'), JSON.stringify(env)).toBe(width >= 100);
    }
  });

  it('from 40 columns up, no line of analyze, analyze --brief or explain 10061 is wider than COLUMNS', async () => {
    const { columnsOf } = await import('../helpers/text-width.js');
    // As a user in the clone types it: a path wider than the terminal is the one thing kept whole
    // (the Wireshark command must paste as it is; test/report/text.test.ts), and an absolute one may be.
    const MIX = relative(process.cwd(), join(FIXTURES, 'kernel/mix.pcap'));
    for (const width of [40, 60, 80, 120]) {
      for (const args of [['analyze', MIX], ['analyze', '--brief', MIX], ['explain', '10061']]) {
        const { code, out } = await run(args, { COLUMNS: String(width), NO_COLOR: '1' });
        const label = `COLUMNS=${width} ${args.join(' ')}`;
        expect(code, label).toBe(0);
        const over = out.split('\n').filter((l) => columnsOf(l) > width);
        expect(over, label).toEqual([]);
      }
      // The table cuts, but never drops, text: each rule id and server is whole once its column's pieces are joined.
      // Not a terminal: ASCII borders.
      const table = (await run(['analyze', MIX], { COLUMNS: String(width), NO_COLOR: '1' })).out.split('\n').filter((l) => l.startsWith('|'));
      const column = (c: number) => table.map((l) => l.split('|')[c + 1]!.trim()).join('');
      for (const name of ['connection-refused', 'connect-timeout', 'udp-port-unreachable', 'connection-reset', '10.99.0.2:8088', '10.99.0.2:9999']) {
        expect(column(0) + column(1), `COLUMNS=${width}`).toContain(name);
      }
    }
    // --brief: each finding's first line starts with its severity and rule; the rest is indented.
    const brief = (await run(['analyze', '--brief', MIX], { COLUMNS: '40', NO_COLOR: '1' })).out.split('\n');
    expect(brief.filter((l) => /^(error|warning|info) /.test(l)).map((l) => l.split(' ')[1])).toEqual(['connection-refused', 'connect-timeout', 'udp-port-unreachable', 'connection-reset']);
  });

  it('prints causes and checks once per rule, and the count again at the end when there are many groups', async () => {
    const { writeFileSync: w } = await import('node:fs');
    const { Scenario, mergeScenarios } = await import('../helpers/scenario.js');
    // Refusals from five servers: five groups of one rule.
    const scenarios = [1, 2, 3, 4, 5].map((i) => new Scenario(`10.0.0.1:${40000 + i}`, `10.0.1.${i}:80`).tcp('c', i, ['SYN'], 1).tcp('s', i + 0.001, ['RST', 'ACK'], 0, 2));
    const dir = mkdtempSync(join(tmpdir(), 'ww-text-'));
    const file = join(dir, 'five.pcap');
    w(file, writePcap(mergeScenarios(...scenarios)));
    const { out } = await run(['analyze', file]);
    expect(out.match(/Likely causes:/g)).toHaveLength(1);
    expect(out.match(/Likely causes and checks: as in \[1\]\./g)).toHaveLength(4);
    const lines = out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(/connection-refused 5\)$/);
  });

  it('--code, --rule and --severity pick the findings a user arrives with, in every format', async () => {
    const MIX = join(FIXTURES, 'kernel/mix.pcap');
    const rulesIn = async (args: string[]) => {
      const json = JSON.parse((await run(['analyze', MIX, '--format', 'json', ...args])).out);
      const jsonl = (await run(['analyze', MIX, '--format', 'jsonl', ...args])).out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).rule);
      expect(jsonl, args.join(' ')).toEqual(json.findings.map((f: { rule: string }) => f.rule));
      return json.findings.map((f: { rule: string }) => f.rule);
    };
    expect(await rulesIn(['--code', '10061'])).toEqual(['connection-refused']);
    expect(await rulesIn(['--code', 'econnrefused'])).toEqual(['connection-refused', 'udp-port-unreachable']);
    expect(await rulesIn(['--code', 'WSAETIMEDOUT'])).toEqual(['connect-timeout']);
    expect(await rulesIn(['--code', '104,110'])).toEqual(['connect-timeout', 'connection-reset']);
    expect(await rulesIn(['--rule', 'connection-reset', '--rule', 'connect-timeout'])).toEqual(['connect-timeout', 'connection-reset']);
    expect(await rulesIn(['--code', '10061', '--rule', 'connect-timeout'])).toEqual([]);
    const text = await run(['analyze', MIX, '--code', '9999']);
    expect(text.out).toContain('Showing 0 of 4 findings');
    expect(text.out).toContain('No finding matches the filters.');
    expect(text.out).not.toContain('No failed connections found');
    // --fail-on looks at what was asked for.
    expect((await run(['analyze', MIX, '--code', '9999', '--fail-on', 'error'])).code).toBe(0);
    expect((await run(['analyze', MIX, '--code', '10061', '--fail-on', 'error'])).code).toBe(1);
    expect((await run(['analyze', MIX, '--code', '10061', '--fail-on', 'error', '--format', 'jsonl'])).code).toBe(1);
    expect((await run(['analyze', MIX, '--severity', 'bogus'])).code).toBe(2);
  });

  it('--brief prints one entry per finding: a line, continued on indented lines where the terminal is narrower', async () => {
    const { code, out } = await run(['analyze', join(FIXTURES, 'kernel/mix.pcap'), '--brief']);
    expect(code).toBe(0);
    const findingLines = out.replace(/\n {2}/g, ' ').split('\n').filter((l) => /^(error|warning|info) /.test(l));
    expect(findingLines.map((l) => l.split(' ')[1])).toEqual(['connection-refused', 'connect-timeout', 'udp-port-unreachable', 'connection-reset']);
    expect(findingLines[0]).toMatch(/^error connection-refused tcp\.stream 0 frames 1-2: 10\.99\.0\.1:40001 \S+ 10\.99\.0\.2:8088: SYN answered by RST/);
    expect(out).not.toContain('Likely causes');
  });

  it('prints a refusal with Windows 10061, Linux 111, macOS 61 and the Wireshark filter', async () => {
    const { code, out, err } = await run(['analyze', REFUSED], { COLUMNS: '200' });
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('connection-refused');
    expect(out).toMatch(/Windows\s+10061 WSAECONNREFUSED\s+No connection could be made because the target machine actively refused it\./);
    expect(out).toMatch(/Linux\s+111 ECONNREFUSED\s+Connection refused/);
    expect(out).toMatch(/macOS\s+61 ECONNREFUSED\s+Connection refused/);
    expect(out).toContain('Wireshark filter: tcp.stream eq 0\n');
    expect(out).toContain('Address filter: ip.addr == 10.99.0.1 && tcp.port == 40001 && ip.addr == 10.99.0.2 && tcp.port == 8088');
    expect(out).toContain(`Open in Wireshark: wireshark -r ${shellQuote(REFUSED)} -g 1 -Y 'tcp.stream eq 0'\n`);
    expect(out).not.toMatch(/\x1b\[/); // not a TTY: no colour
  });

  it('--format json prints schema version 1 with the capture facts', async () => {
    const { code, out } = await run(['analyze', REFUSED, '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.schemaVersion).toBe(1);
    expect(report.tool.name).toBe('wirewhy');
    expect(report.capture).toMatchObject({ file: REFUSED, format: 'pcap', compression: null, linkTypes: ['EN10MB'], warnings: [], anomalies: {} });
    expect(report.capture.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(report.summary).toMatchObject({ tcpConversations: 1, findings: 1, byRule: { 'connection-refused': 1 } });
    expect(report.findings[0].codes.map((c: { code: number }) => c.code)).toEqual([10061, 111, 61]);
  });

  it('--format jsonl prints one finding per line, with its file', async () => {
    const { out } = await run(['analyze', join(FIXTURES, 'kernel/mix.pcap'), '--format', 'jsonl']);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.rule).sort()).toEqual(['connect-timeout', 'connection-refused', 'connection-reset', 'udp-port-unreachable']);
    expect(Object.keys(lines[0])[0]).toBe('file');
  });

  it('--format json is written finding by finding, byte for byte the same as the one-string form', async () => {
    const { analyzeCapture } = await import('../../src/analyze.js');
    const { formatJson } = await import('../../src/report/json.js');
    const file = join(FIXTURES, 'kernel/mix.pcap');
    const { out } = await run(['analyze', file, '--format', 'json']);
    const report = await analyzeCapture(file);
    expect(out).toBe(formatJson({ ...report, tool: JSON.parse(out).tool }));
  });

  it('--format jsonl with --fail-on: streamed findings still decide the exit status', async () => {
    expect((await run(['analyze', REFUSED, '--format', 'jsonl', '--fail-on', 'error'])).code).toBe(1);
    expect((await run(['analyze', join(FIXTURES, 'kernel/healthy.pcap'), '--format', 'jsonl', '--fail-on', 'info'])).code).toBe(0);
  });

  it('--fail-on error exits 1 when a finding reaches it, 0 otherwise', async () => {
    expect((await run(['analyze', REFUSED, '--fail-on', 'error', '--format', 'json'])).code).toBe(1);
    expect((await run(['analyze', join(FIXTURES, 'kernel/healthy.pcap'), '--fail-on', 'info', '--format', 'json'])).code).toBe(0);
  });

  it('an unreadable file: one line with the file and byte offset, exit 2, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cli-'));
    const bad = join(dir, 'notes.pcap');
    writeFileSync(bad, 'this is not a capture at all\n');
    const { code, out, err } = await run(['analyze', bad]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(bad);
    expect(err).toMatch(/byte offset 0/);
    expect(err).not.toMatch(/\n\s+at /);
    const missing = await run(['analyze', join(dir, 'nope.pcap')]);
    expect(missing.code).toBe(2);
    // In words, as ls and cat say it, and without a byte offset that would mean nothing.
    expect(missing.err).toBe(`wirewhy: ${join(dir, 'nope.pcap')}: no such file or directory\n`);
  });

  it('a truncated capture: results up to the break, a warning with its offset, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cli-'));
    const bytes = readFileSync(join(FIXTURES, 'kernel/mix.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    const { code, out, err } = await run(['analyze', cut, '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.capture.warnings[0].code).toBe('truncated_record');
    expect(err).toMatch(/warning: the file ends inside a record .* \(at byte offset \d+\)/);
    expect(report.capture.packets).toBe(24);
  });

  it('a capture cut before its first complete frame: exit 2 with its line on stderr, never "No failed connections found"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cli-'));
    const bytes = readFileSync(join(FIXTURES, 'kernel/mix.pcap'));
    const cut = join(dir, 'cut.pcap');
    // The 24-byte file header and 6 bytes of the first record header.
    writeFileSync(cut, bytes.subarray(0, 30));
    const line = `wirewhy: ${cut}: the file ends inside a record (6 bytes left at offset 24); results cover the 0 complete frames (at byte offset 24)\n`;
    const text = await run(['analyze', cut]);
    expect(text).toEqual({ code: 2, out: '', err: line });
    // Structured formats still get their document (its warnings say why), and the same one line.
    const json = await run(['analyze', cut, '--format', 'json']);
    expect(json.code).toBe(2);
    expect(json.err).toBe(line);
    expect(JSON.parse(json.out).capture).toMatchObject({ packets: 0, warnings: [expect.objectContaining({ code: 'truncated_record' })] });
  });

  it('a capture with a header and no packets is analysed (exit 0); one whose structure breaks before any packet is not (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cli-'));
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, writePcap([]));
    expect((await run(['analyze', empty])).code).toBe(0);
    const broken = join(dir, 'broken.pcap');
    const b = writePcap([{ time: 1, data: Buffer.alloc(60) }]);
    b.writeUInt32LE(0xfffffff0, 24 + 8);
    writeFileSync(broken, b);
    const r = await run(['analyze', broken, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/claims 4294967280 captured bytes/);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['analyze'])).code).toBe(2);
    expect((await run(['analyze', REFUSED, '--format', 'yaml'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});

describe('wirewhy explain', () => {
  it('explain 10061 says what it is on the wire and how it differs from 10060 and 11001', async () => {
    const { code, out } = await run(['explain', '10061']);
    expect(code).toBe(0);
    expect(out).toContain('WSAECONNREFUSED');
    expect(out).toContain('111');
    expect(out).toContain('10060');
    expect(out).toContain('11001');
    expect(out).toContain('connection-refused');
  });
  it('explain ECONNREFUSED and explain connection-refused', async () => {
    expect((await run(['explain', 'ECONNREFUSED'])).out).toContain('10061');
    const rule = await run(['explain', 'connection-refused']);
    expect(rule.out).toContain('ss -ltnp');
  });
  it('explain of something unknown exits 2 with a hint', async () => {
    const { code, out } = await run(['explain', 'banana']);
    expect(code).toBe(2);
    expect(out).toContain('connection-refused');
  });

  it('--conversations lists every conversation in the JSON report with its Community ID and Zeek history and conn_state; other formats refuse it', async () => {
    const file = join(FIXTURES, 'kernel/mix.pcap');
    const r = await run(['analyze', file, '--format', 'json', '--conversations']);
    const report = JSON.parse(r.out) as { summary: { tcpConversations: number; udpExchanges: number }; conversations: { spans: Array<{ protocol: string; communityId?: string; history?: string; connState?: string }> } };
    const spans = report.conversations.spans;
    expect(spans).toHaveLength(report.summary.tcpConversations + report.summary.udpExchanges);
    const tcp = spans.filter((s) => s.protocol === 'tcp');
    expect(tcp.length).toBeGreaterThan(0);
    for (const s of tcp) {
      expect(s.communityId).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
      expect(s.history).toMatch(/^[A-Za-z^]+$/);
      expect(['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH']).toContain(s.connState);
    }
    // The refused connection is Zeek's REJ.
    expect(tcp.some((s) => s.connState === 'REJ')).toBe(true);
    expect(JSON.parse((await run(['analyze', file, '--format', 'json'])).out).conversations).toBeUndefined();
    const refused = await run(['analyze', file, '--conversations']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--conversations' goes with --format json/);
  });

  it('analyze - from a terminal says it is waiting for a capture on standard input', () => {
    const script = '/usr/bin/script';
    if (!existsSync(script)) {
      console.warn('skipped: util-linux script (to give the command a terminal) is not installed');
      if (process.env.WIREWHY_REQUIRE_ALL) throw new Error('script is required (WIREWHY_REQUIRE_ALL)');
      return;
    }
    // script gives the command a pseudo-terminal as standard input; its own input is empty, so the
    // terminal then ends and the command reports an empty capture.
    const bin = join(FIXTURES, '..', 'bin', 'wirewhy.js');
    const r = spawnSync(script, ['-qec', `"${process.execPath}" "${bin}" analyze -`, '/dev/null'], { encoding: 'utf8', input: '', timeout: 60_000 });
    expect(r.stdout).toContain('wirewhy: waiting for a capture on standard input');
  });
});
