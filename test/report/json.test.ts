import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/report/json.js';
import { formatJsonl, formatJsonlFinding } from '../../src/report/jsonl.js';
import { makeReport, nxdomainFinding, refusedFinding, refusedScan } from './support.js';

describe('formatJson', () => {
  it('round-trips the report, 2-space indented, ending in a newline', () => {
    const report = makeReport([nxdomainFinding(), refusedFinding({ stream: 1, frames: [5, 6] })], {
      warnings: [{ code: 'truncated_record', message: 'last record cut short', offset: 4096, frame: 11 }],
      anomalies: { truncated_tcp_header: 2 },
    });
    const out = formatJson(report);
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.split('\n')[1]).toBe('  "schemaVersion": 1,');
    expect(JSON.parse(out)).toEqual(report);
  });

  it('round-trips a report without findings or packets', () => {
    const report = makeReport([], { packets: 0, bytes: 24, start: null, end: null, linkTypes: [] });
    expect(JSON.parse(formatJson(report))).toEqual(report);
  });

  it('stays valid, well-formed JSON whatever characters a capture put in strings', () => {
    const name = 'a\u0000b\u001b[31mred\u007f\u0085\ud800x\udfff\u2028"\\';
    const report = makeReport([nxdomainFinding({ summary: `A ${name}`, details: { name } })], { file: 'cap\nture.pcap' });
    const out = formatJson(report);
    expect(JSON.parse(out)).toEqual(report);
    // Lone surrogates are written as escapes, so the text encodes to UTF-8 and back unchanged.
    expect(out).not.toMatch(/[\ud800-\udfff]/);
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('writes bigint details as numbers when exact, as strings otherwise', () => {
    const report = makeReport([refusedFinding({ details: { small: 42n, huge: 2n ** 70n } })]);
    const parsed = JSON.parse(formatJson(report)) as { findings: { details: Record<string, unknown> }[] };
    expect(parsed.findings[0]!.details).toEqual({ small: 42, huge: '1180591620717411303424' });
  });
});

describe('formatJsonlFinding', () => {
  it('writes one parseable line ending in a newline', () => {
    const finding = nxdomainFinding({ summary: 'line one\nline two' });
    const line = formatJsonlFinding(finding);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(finding);
  });

  it('puts extra fields such as file first', () => {
    const finding = refusedFinding();
    const parsed = JSON.parse(formatJsonlFinding(finding, { file: 'a.pcap' })) as Record<string, unknown>;
    expect(Object.keys(parsed)[0]).toBe('file');
    expect(Object.keys(parsed).slice(1)).toEqual(Object.keys(finding));
    expect(parsed).toEqual({ file: 'a.pcap', ...finding });
  });

  it('keeps the finding value when an extra field has the same name', () => {
    const parsed = JSON.parse(formatJsonlFinding(refusedFinding(), { rule: 'other' })) as Record<string, unknown>;
    expect(parsed.rule).toBe('connection-refused');
  });
});

describe('formatJsonl', () => {
  it('writes one line per finding, each tagged with the capture file', () => {
    const findings = refusedScan(5);
    const out = formatJsonl(makeReport(findings, { file: 'scan.pcap' }));
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(5);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(parsed)[0]).toBe('file');
      expect(parsed).toEqual({ file: 'scan.pcap', ...findings[i] });
    });
  });

  it('writes nothing for a report without findings', () => {
    expect(formatJsonl(makeReport([]))).toBe('');
  });
});
