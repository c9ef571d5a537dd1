import { execFileSync } from 'node:child_process';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { wiresharkCommand } from '../../src/model/wireshark.js';
import { MAX_GROUP_SECTIONS, MAX_TABLE_ROWS, compactRanges, elidedList, fitColumns, formatText, groupFindings } from '../../src/report/text.js';
import { codesFor } from '../../src/rules/codes.js';
import { ruleById } from '../../src/rules/index.js';
import { CONTROL_CHARS, NON_ASCII, makeReport, nxdomainFinding, refusedFinding, refusedScan } from './support.js';

const plain = { color: false, unicode: true } as const;
const ascii = { color: false, unicode: false } as const;

/** Rows of the summary table in ASCII mode: lines between "|" borders, header excluded. */
function tableRows(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('|')).slice(1);
}

describe('formatText header', () => {
  it('describes the capture', () => {
    const text = formatText(
      makeReport([], {
        file: 'office.pcapng.gz',
        format: 'pcapng',
        compression: 'gzip',
        linkTypes: ['EN10MB', 'LINUX_SLL'],
        packets: 812,
        warnings: [{ code: 'truncated_record', message: 'last record is cut short', offset: 4096, frame: 812 }],
        anomalies: { truncated_tcp_header: 3, bad_ip_header_len: 1 },
      }),
      plain,
    );
    expect(text).toContain('office.pcapng.gz');
    expect(text).toMatch(/Format:\s+pcapng, gzip/);
    expect(text).toMatch(/Link types:\s+EN10MB, LINUX_SLL/);
    expect(text).toMatch(/Packets:\s+812/);
    expect(text).toMatch(/Time span:\s+2024-05-01T10:00:00.000000Z → 2024-05-01T10:00:05.000000Z \(5.0 s\)/);
    expect(text).toMatch(/3 TCP conversations, 2 UDP exchanges/);
    expect(text).toMatch(/truncated_record: last record is cut short \(offset 4096, frame 812\)/);
    expect(text).toMatch(/Anomalies:\s+truncated_tcp_header ×3, bad_ip_header_len ×1/);
  });

  it('says plainly when nothing failed', () => {
    const text = formatText(makeReport([]), plain);
    expect(text).toContain('No failed connections found in 3 TCP conversations and 2 UDP exchanges.');
    expect(text).not.toContain('Rule');
  });
});

describe('formatText findings', () => {
  const report = makeReport([refusedFinding(), nxdomainFinding({ frames: [7, 8], stream: 1 })]);
  const text = formatText(report, plain);

  it('shows the codes each OS reports, in the table and per group', () => {
    expect(text).toContain('10061 WSAECONNREFUSED');
    expect(text).toContain('111 ECONNREFUSED');
    expect(text).toMatch(/Windows {2}10061 WSAECONNREFUSED {2}No connection could be made because the target machine actively refused it\./);
    expect(text).toMatch(/Linux {4}111 ECONNREFUSED {2}Connection refused/);
    expect(text).toMatch(/macOS {4}61 ECONNREFUSED {2}Connection refused/);
    expect(text).toContain('11001 WSAHOST_NOT_FOUND');
  });

  it('shows the Wireshark filters, evidence frames, causes and checks', () => {
    expect(text).toContain('Wireshark filter: tcp.stream eq 0\n');
    expect(text).toContain('Wireshark filter: udp.stream eq 1\n');
    expect(text).toContain(`Address filter: ${refusedFinding().filter}  (also on a cut of the capture)`);
    expect(text).toContain('Evidence: frames 3, 4');
    for (const cause of ruleById('connection-refused')!.meta.causes) expect(text).toContain(cause);
    for (const check of ruleById('dns-failure')!.meta.checks) expect(text).toContain(check);
  });

  it('orders groups by first frame', () => {
    expect(text.indexOf('[1] connection-refused')).toBeGreaterThan(0);
    expect(text.indexOf('[2] dns-failure')).toBeGreaterThan(text.indexOf('[1] connection-refused'));
  });

  it('has no ANSI escapes when colour is off, and some when it is on', () => {
    expect(text).not.toContain('\u001b');
    expect(formatText(report, { color: true, unicode: true })).toContain('\u001b[');
  });

  it('is plain ASCII in ASCII mode, arrows included', () => {
    const out = formatText(report, ascii);
    expect(out).not.toMatch(NON_ASCII);
    expect(out).toContain('10.0.0.1:40000 -> 10.0.0.2:80');
    expect(out).toContain('+---');
    const colored = formatText(report, { color: true, unicode: false });
    expect(colored).not.toMatch(NON_ASCII);
  });

  it('shows details, times and members in verbose mode', () => {
    const out = formatText(makeReport(refusedScan(3)), { ...plain, verbose: true });
    expect(out).toContain('Details: attempts=1');
    expect(out).toContain('Time: 2024-05-01T10:00:00.000100Z');
    expect(out).toContain('10.0.0.1:50003 → 10.0.0.2:3  tcp.stream 2  frames 7, 8');
  });
});

describe('formatText service', () => {
  it('shows what SQL Server clients report for a refusal, and the service checks', () => {
    const f = refusedFinding({ server: { address: '10.0.0.9', port: 1433 }, service: 'SQL Server' });
    const text = formatText(makeReport([f]), plain);
    expect(text).toContain('Service: SQL Server (tcp/1433)');
    expect(text).toContain(
      'SQL Server clients show: (provider: TCP Provider, error: 0 - No connection could be made because the target machine actively refused it.) (Microsoft SQL Server, Error: 10061)',
    );
    expect(text).toContain('TCP/IP is enabled for the instance in SQL Server Configuration Manager');
  });

  it('shows the SQL Server timeout text for a connect timeout', () => {
    const f = refusedFinding({ rule: 'connect-timeout', codes: codesFor('connect-timeout'), server: { address: '10.0.0.9', port: 1433 }, service: 'SQL Server' });
    expect(formatText(makeReport([f]), plain)).toContain('(Microsoft SQL Server, Error: 10060)');
  });
});

describe('formatText grouping', () => {
  it('makes a scan of 297 refused ports one row with its count and port range', () => {
    const text = formatText(makeReport(refusedScan(297)), ascii);
    const rows = tableRows(text);
    expect(rows).toHaveLength(1);
    const cells = rows[0]!.split('|').map((c) => c.trim()).filter((c) => c !== '');
    expect(cells).toEqual(['connection-refused', '10.0.0.2 ports 1-297 (297)', '10.0.0.1', '297', '10061 WSAECONNREFUSED', '111 ECONNREFUSED', '3']);
    expect(text).toContain('(and 296 more like it)');
    expect(text).toContain('Evidence: frames 3, 4, 5 ... 596 (594 frames)');
    expect(text).toContain('tcp.stream 0, 1, 2 ... 296 (297 streams)');
    expect(text).toContain('297 failed connections in 1 group');
  });

  it('lists a few scattered ports, and counts distinct clients', () => {
    const findings = [22, 80, 443].map((port, i) =>
      refusedFinding({ client: { address: `10.0.1.${i + 1}`, port: 40000 }, server: { address: '10.0.0.2', port }, stream: i, frames: [i * 2 + 1, i * 2 + 2] }),
    );
    const rows = tableRows(formatText(makeReport(findings), ascii));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('10.0.0.2 ports 22, 80, 443 (3)');
    expect(rows[0]).toMatch(/\|\s+3\s+\|\s+3\s+\|/);
  });

  it('keeps findings with different codes apart', () => {
    const servfail = nxdomainFinding({ codes: codesFor('dns-servfail'), frames: [5, 6], stream: 1 });
    expect(groupFindings([nxdomainFinding(), servfail, nxdomainFinding({ frames: [9, 10], stream: 2 })]).map((g) => g.findings.length)).toEqual([2, 1]);
  });

  it('stays bounded with tens of thousands of groups', () => {
    const findings = [];
    for (let i = 0; i < 37_000; i++) {
      findings.push(
        refusedFinding({
          rule: 'connect-timeout',
          codes: codesFor('connect-timeout'),
          client: { address: '192.0.2.1', port: 1024 + (i % 60000) },
          server: { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 80 },
          stream: i,
          frames: [i + 1],
        }),
      );
    }
    const text = formatText(makeReport(findings), ascii);
    expect(tableRows(text)).toHaveLength(MAX_TABLE_ROWS);
    expect(text).toContain(`... ${37_000 - MAX_TABLE_ROWS} more rows`);
    expect(text.match(/^\[\d+\] connect-timeout/gm)).toHaveLength(MAX_GROUP_SECTIONS);
    expect(text).toContain(`... ${37_000 - MAX_GROUP_SECTIONS} more groups not shown; use --format json`);
    expect(text.split('\n').length).toBeLessThan(2000);
  });
});

describe('formatText terminal safety', () => {
  const evil = '\u001b[31m';

  it('prints control characters from a capture as escapes', () => {
    const f = nxdomainFinding({
      summary: `10.0.0.1:53000 → 10.0.0.53:53: A ${JSON.stringify(`x${evil}y`)} answered NXDOMAIN\nafter 10 ms.`,
      details: { name: `x${evil}y` },
      filter: `ip.addr == 10.0.0.1${evil}`,
    });
    const report = makeReport([f], {
      file: `cap${evil}\u0007.pcap`,
      warnings: [{ code: 'bad\u009b', message: `oops${evil}` }],
      anomalies: { [`odd${evil}`]: 1 },
    });
    for (const opts of [plain, ascii, { ...plain, verbose: true }]) {
      const text = formatText(report, opts);
      expect(text).not.toMatch(CONTROL_CHARS);
      expect(text).toContain('\\x1b[31m');
      expect(text).toContain('cap\\x1b[31m\\x07.pcap');
      expect(text).toContain('NXDOMAIN\\x0aafter');
    }
  });

  it('adds only its own escapes in colour mode', () => {
    const text = formatText(makeReport([refusedFinding({ summary: `bad ${evil} summary` })]), { color: true, unicode: true });
    expect(text).toContain('bad \\x1b[31m summary');
    expect(text).not.toContain(`bad ${evil}`);
  });
});

describe('helpers', () => {
  it('compactRanges joins runs', () => {
    expect(compactRanges([5, 1, 2, 3, 9, 10])).toBe('1-3, 5, 9-10');
    expect(compactRanges([1, 3, 5, 7, 9], 4)).toBeNull();
  });

  it('elidedList keeps short lists and elides long ones', () => {
    expect(elidedList([6, 3, 4, 5], 'frames')).toBe('3, 4, 5, 6');
    expect(elidedList([...Array(40).keys()].map((i) => i * 20 + 12), 'frames')).toBe('12, 32, 52 … 792 (40 frames)');
  });
});

describe('words only: the text report names no JSON field the reader cannot see', () => {
  // "details.resetBy", or a camelCase key such as closeBeforeReset, means nothing on a terminal.
  const FIELD = /\bdetails\.|\b[a-z]+[A-Z][a-z]+[A-Za-z]*\b/;

  it("every rule's description, causes, checks and look-alikes", async () => {
    const { RULES } = await import('../../src/rules/index.js');
    for (const rule of RULES) {
      const m = rule.meta;
      for (const text of [m.description, m.onTheWire, m.differsFrom, ...m.causes, ...m.checks]) {
        expect(FIELD.exec(text ?? '')?.[0], `${m.id}: ${text}`).toBeUndefined();
      }
    }
  });

  it('the text report of every fixture, with ladders', async () => {
    const { analyzeCapture } = await import('../../src/analyze.js');
    const { capturesUnder, FIXTURES } = await import('../helpers/fixtures.js');
    for (const file of capturesUnder(FIXTURES)) {
      const text = formatText(await analyzeCapture(file), { color: false, unicode: true, ladder: true, width: 100 });
      // What the capture itself said (an HTTP request line, a DNS name) is quoted, not ours.
      const ours = text.split('\n').filter((l) => !/^\s*Application:/.test(l));
      for (const line of ours) expect(FIELD.exec(line)?.[0], `${file}: ${line}`).toBeUndefined();
    }
  });
});

describe('formatText: opening a finding in Wireshark', () => {
  /** The words a POSIX shell makes of `lines` (a command, maybe continued with " \"), after the first. */
  function argsOf(lines: string[]): string[] {
    const script = lines.join('\n').replace(/^\s*wireshark /, "printf '%s\\n' ");
    return execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\n').slice(0, -1);
  }

  it('prints the command on one line when it fits, and the shell reads it as the finding says', () => {
    const file = "my captures/it's.pcap";
    const f = refusedFinding({ wireshark: wiresharkCommand(file, 3, 'tcp.stream eq 0') });
    const text = formatText(makeReport([f], { file }), { ...plain, width: 200 });
    const line = text.split('\n').find((l) => l.includes('Open in Wireshark:'))!;
    expect(line).toBe(`    Open in Wireshark: ${f.wireshark}`);
    expect(argsOf([line.replace(/^.*Open in Wireshark: /, '')])).toEqual(['-r', "my captures/it's.pcap", '-g', '3', '-Y', 'tcp.stream eq 0']);
  });

  it('breaks a long command between words with " \\" so it still pastes as one command, every line within the width', () => {
    const file = 'captures/branch office/2024-05-01 outage/uplink.pcapng';
    const f = refusedFinding({ wireshark: wiresharkCommand(file, 3, 'tcp.stream eq 0') });
    for (const width of [70, 80, 100]) {
      const lines = formatText(makeReport([f], { file }), { ...plain, width }).split('\n');
      expect(Math.max(...lines.map((l) => stringWidth(l))), `width ${width}`).toBeLessThanOrEqual(width);
      const at = lines.findIndex((l) => l.endsWith('Open in Wireshark:'));
      expect(at, `width ${width}`).toBeGreaterThan(0);
      let end = at + 1;
      while (lines[end]!.endsWith(' \\')) end++;
      expect(end, `width ${width}`).toBeGreaterThan(at + 1);
      expect(argsOf(lines.slice(at + 1, end + 1)), `width ${width}`).toEqual(['-r', file, '-g', '3', '-Y', 'tcp.stream eq 0']);
    }
  });

  it('keeps a path wider than the terminal whole on a line of its own', () => {
    const file = 'captures/from the branch office/2024-05-01 morning outage/edge-router-uplink.pcapng';
    const f = refusedFinding({ wireshark: wiresharkCommand(file, 3, 'tcp.stream eq 0') });
    const lines = formatText(makeReport([f], { file }), { ...plain, width: 60 }).split('\n');
    const at = lines.findIndex((l) => l.endsWith('Open in Wireshark:'));
    expect(lines.slice(at + 1, at + 4)).toEqual(['      wireshark -r \\', `      '${file}' \\`, "      -g 3 -Y 'tcp.stream eq 0'"]);
    expect(argsOf(lines.slice(at + 1, at + 4))).toEqual(['-r', file, '-g', '3', '-Y', 'tcp.stream eq 0']);
  });

  it('prints a command it could not have made from the report\'s capture whole, as the finding has it', () => {
    // A finding put together elsewhere: its command names another file than the report does.
    const command = wiresharkCommand('elsewhere/other capture.pcap', 3, 'tcp.stream eq 0');
    const f = refusedFinding({ wireshark: command });
    const lines = formatText(makeReport([f], { file: 'capture.pcap' }), { ...plain, width: 60 }).split('\n');
    const at = lines.findIndex((l) => l.endsWith('Open in Wireshark:'));
    expect(lines[at + 1]).toBe(`      ${command}`);
    expect(argsOf([lines[at + 1]!])).toEqual(['-r', 'elsewhere/other capture.pcap', '-g', '3', '-Y', 'tcp.stream eq 0']);
  });

  it('has no command for a capture read from a pipe, and shows the Community ID when verbose', () => {
    const { wireshark: _, ...piped } = refusedFinding();
    const text = formatText(makeReport([piped]), { ...plain, verbose: true });
    expect(text).not.toContain('Open in Wireshark');
    expect(text).toContain(`Community ID: ${piped.communityId}`);
  });
});

describe('fitColumns: the summary table\'s column widths for cli-table3', () => {
  const rule = { natural: 22, longestWord: 22, least: 6 };
  const server = { natural: 30, longestWord: 16, least: 8, keepWhole: true };
  const codes = { natural: 17, longestWord: 9, least: 9 };
  const sum = (cols: number[]) => cols.reduce((a, b) => a + b, 0) + cols.length + 1;

  it('keeps the natural widths when they fit', () => {
    expect(fitColumns([rule, server, codes], 80)).toBeNull();
  });

  it('wraps between words before it cuts any word', () => {
    // 22 + 30 + 17 + 4 = 73: 60 is reached by wrapping the server label and the codes between words.
    const cols = fitColumns([rule, server, codes], 60)!;
    expect(sum(cols)).toBe(60);
    expect(cols[0]).toBe(22);
    expect(cols[1]).toBeGreaterThanOrEqual(16);
    expect(cols[2]).toBeGreaterThanOrEqual(9);
  });

  it('cuts inside the words of other columns before the column kept whole, and never below a head', () => {
    // Words whole need 22 + 16 + 9 + 4 = 51: at 45 the rule id is cut, the address not.
    const at45 = fitColumns([rule, server, codes], 45)!;
    expect(sum(at45)).toBe(45);
    expect(at45[1]).toBe(16);
    expect(at45[0]).toBeLessThan(22);
    // At 30 even the address is cut, but no column is narrower than its head.
    const at30 = fitColumns([rule, server, codes], 30)!;
    expect(sum(at30)).toBe(30);
    at30.forEach((w, i) => expect(w).toBeGreaterThanOrEqual([rule, server, codes][i]!.least));
  });
});
