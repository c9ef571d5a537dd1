/** The HTML report: self-contained, escaped, one ladder per finding, scan pages. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { MAX_HTML_FINDINGS, formatHtml, formatScanHtml } from '../../src/report/html.js';
import { REPORT_CSS, REPORT_JS } from '../../src/report/html-assets.js';
import { formatReport, isReporterName } from '../../src/report/index.js';
import { formatJson } from '../../src/report/json.js';
import { escapeHtml } from '../../src/report/markup.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { EVIL_FILE, EVIL_NAMES, evilDnsReport } from '../browser/evil-report.js';
import { makeReport, nxdomainFinding, refusedFinding, refusedScan } from './support.js';

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : (haystack.match(needle) ?? []).length;
}

describe('escaping', () => {
  it('escapeHtml escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('shows DNS names and file names with markup as text, never as markup', async () => {
    const report = await evilDnsReport();
    expect(report.findings.map((f) => f.details.name)).toEqual(EVIL_NAMES);
    const html = formatHtml(report);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<[^>]*\sonerror=/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img/src=x/onerror=alert(1)&gt;');
    expect(html).toContain(`<dd>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pcap</dd>`);
    expect(EVIL_FILE).toContain(' onerror=');
    // Exactly one script element: the report's own.
    expect(count(html, /<script\b/g)).toBe(1);
  });

  it('makes control and bidi characters visible', () => {
    const html = formatHtml(makeReport([nxdomainFinding({ summary: 'a\u202eb\u0007c' })]));
    expect(html).toContain('a\\u202eb\\x07c');
    expect(html).not.toContain('\u202e');
  });
});

describe('a self-contained page', () => {
  it('names no URL but (at most) the SVG namespace, and loads nothing', async () => {
    const html = formatHtml(await evilDnsReport());
    const urls = html.match(/https?:\/\/[^\s"'<>)]*/g) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(html).not.toMatch(/<link\b|<iframe\b|<img\b|@import|url\(/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
  });

  it('allows exactly its own style and script through the Content-Security-Policy', () => {
    const html = formatHtml(makeReport([refusedFinding()]));
    const hash = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBe(`default-src 'none'; style-src ${hash(REPORT_CSS)}; script-src ${hash(REPORT_JS)}; base-uri 'none'; form-action 'none'`);
    expect(html).toContain(`<style>${REPORT_CSS}</style>`);
    expect(html).toContain(`<script>${REPORT_JS}</script>`);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('is a reporter: --format html', async () => {
    expect(isReporterName('html')).toBe(true);
    const html = await formatReport('html', makeReport([refusedFinding()]), { color: false, unicode: true });
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });
});

describe('content', () => {
  it('draws one SVG ladder per finding, with codes per OS, the filter and its copy button', async () => {
    const report = await analyzeCapture(join(FIXTURES, 'kernel/mix.pcap'), { conversations: true });
    const html = formatHtml(report);
    expect(report.findings.length).toBeGreaterThan(1);
    expect(count(html, '<svg class="ladder-svg"')).toBe(report.findings.length);
    expect(count(html, '<article class="finding')).toBe(report.findings.length);
    for (const f of report.findings) {
      expect(html).toContain(`data-rule="${f.rule}"`);
      // The short filter, the address filter and the command, each in the element its copy button copies.
      for (const text of [f.streamFilter!, f.filter, f.wireshark!]) {
        const at = html.indexOf(`>${escapeHtml(text)}</code><button type="button" data-copy="`);
        expect(at, text).toBeGreaterThan(0);
        const id = /id="([^"]+)"$/.exec(html.slice(0, at))![1];
        expect(html.slice(at)).toMatch(new RegExp(`^>[^<]*</code><button type="button" data-copy="${id}"`));
      }
      expect(html).toContain(`Community ID: <span class="mono">${escapeHtml(f.communityId!)}</span>`);
    }
    expect(count(html, 'data-copy="')).toBe(3 * report.findings.length);
    expect(html).toMatch(/<td>Windows<\/td><td><code>10061 WSAECONNREFUSED<\/code><\/td>/);
    expect(html).toContain('<summary>Likely causes and what to check</summary>');
    // A summary row per rule with a button that filters to it.
    for (const rule of Object.keys(report.summary.byRule)) expect(html).toContain(`data-show-rule="${rule}"`);
  });

  it('draws every conversation on the timeline, failed ones by rule, linked to their finding', async () => {
    const report = await evilDnsReport();
    expect(report.conversations?.spans).toHaveLength(3);
    const html = formatHtml(report);
    expect(count(html, '<g class="span"')).toBe(1);
    expect(count(html, /<g class="span failed rc-\d+"/g)).toBe(2);
    expect(html).toContain('<a href="#r1-f1"');
  });

  it('without a conversation list, the timeline draws the failed conversations and says so', async () => {
    const html = formatHtml(await evilDnsReport({ conversations: false }));
    expect(count(html, '<g class="span failed')).toBe(2);
    expect(html).toContain('Only failed conversations are drawn');
  });

  it(`shows at most ${MAX_HTML_FINDINGS} findings and says how many more there are`, () => {
    const html = formatHtml(makeReport(refusedScan(MAX_HTML_FINDINGS + 5)));
    expect(count(html, '<svg class="ladder-svg"')).toBe(MAX_HTML_FINDINGS);
    expect(html).toContain('5 more findings not shown');
  });

  it('ids are unique', async () => {
    const report = await analyzeCapture(join(FIXTURES, 'kernel/mix.pcap'), { conversations: true });
    const html = formatScanHtml({ reports: [report, report], failures: [] });
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('formatScanHtml', () => {
  it('renders one section per capture and the unreadable ones with their errors, escaped', async () => {
    const a = await analyzeCapture(join(FIXTURES, 'kernel/refused.pcap'), { name: 'site-a/refused.pcap', conversations: true });
    const b = await evilDnsReport();
    const html = formatScanHtml({
      reports: [a, b],
      failures: [{ file: 'broken/<svg onload=alert(1)>.pcap', error: 'not a capture file: unknown magic 0x3c737667 <b>' }],
    });
    expect(count(html, '<section class="report file-section"')).toBe(2);
    expect(html).toContain('<h2 id="s1-h">site-a/refused.pcap</h2>');
    expect(html).toContain('<h2 id="s2-h">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pcap</h2>');
    expect(html).toContain('Unreadable captures (1)');
    expect(html).toContain('broken/&lt;svg onload=alert(1)&gt;.pcap');
    expect(html).toContain('unknown magic 0x3c737667 &lt;b&gt;');
    expect(html).not.toMatch(/<svg onload|<b>/);
    expect(count(html, '<svg class="ladder-svg"')).toBe(a.findings.length + b.findings.length);
    expect(html).toContain('<option value="connection-refused">');
    expect(html).toContain('<option value="dns-failure">');
  });

  it('still renders a page when every capture was unreadable', () => {
    const html = formatScanHtml({ reports: [], failures: [{ file: 'x.pcap', error: 'truncated' }] });
    expect(html).toContain('No capture could be read.');
    expect(html).toContain('x.pcap');
  });
});

describe('the report data behind the page', () => {
  it('JSON carries evidence on findings but no conversation list unless asked', async () => {
    const report = await analyzeCapture(join(FIXTURES, 'kernel/refused.pcap'));
    expect(report.conversations).toBeUndefined();
    const json = JSON.parse(formatJson(report));
    expect(json.schemaVersion).toBe(1);
    expect(json).not.toHaveProperty('conversations');
    expect(json.findings[0].evidence.map((e: { label: string }) => e.label)).toEqual(['SYN', 'RST-ACK']);
    // New fields come last, so readers that print fields in order see the old ones first.
    expect(Object.keys(json.findings[0]).at(-1)).toBe('evidence');
  });

  it('conversation spans are relative to the first packet and name the rule of failed ones', async () => {
    const report = await evilDnsReport();
    const spans = report.conversations!.spans;
    expect(report.conversations!.omitted).toBe(0);
    expect(spans[0]).toMatchObject({ protocol: 'udp', start: 0, packets: 2, rule: 'dns-failure' });
    expect(spans[0]!.end).toBeCloseTo(0.01, 5);
    const tcp = spans.find((s) => s.protocol === 'tcp')!;
    expect(tcp).toMatchObject({ stream: 0, client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 443 }, packets: 6 });
    expect(tcp.start).toBeCloseTo(0.5, 5);
    expect(tcp.end).toBeCloseTo(1.502, 5);
    expect(tcp.rule).toBeUndefined();
  });
});

describe('wirewhy analyze --format html / --ladder', () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} };
    const code = await runCli(['node', 'wirewhy', ...args], io);
    return { code, out, err };
  }

  it('writes the page, with healthy conversations on the timeline', async () => {
    const { code, out, err } = await run(['analyze', join(FIXTURES, 'kernel/mix.pcap'), '--format', 'html']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(count(out, '<g class="span"')).toBeGreaterThan(0);
  });

  it('draws ladders in the text report', async () => {
    const { out } = await run(['analyze', join(FIXTURES, 'kernel/syn-timeout.pcap'), '--ladder']);
    expect(out).toContain('Ladder of tcp.stream 0');
    expect(out).toMatch(/retransmission, 4\.0 s later/);
    // Not a UTF-8 locale: plain ASCII arrows.
    let ascii = '';
    const io: CliIo = { stdout: { write: (s: string) => (ascii += s), isTTY: false }, stderr: { write: () => true }, env: { LANG: 'C' } };
    await runCli(['node', 'wirewhy', 'analyze', join(FIXTURES, 'kernel/syn-timeout.pcap'), '--ladder'], io);
    expect(ascii).toMatch(/\|-+ SYN -+>\|/);
  });
});
