import { describe, expect, it } from 'vitest';
import { REPORTERS, REPORTER_NAMES, formatReport, isReporterName } from '../../src/report/index.js';
import { formatJson } from '../../src/report/json.js';
import { formatText } from '../../src/report/text.js';
import { makeReport, refusedFinding } from './support.js';

describe('REPORTERS', () => {
  const report = makeReport([refusedFinding()]);
  const opts = { color: false, unicode: true };

  it('knows text, json, jsonl, junit and html', () => {
    expect(REPORTER_NAMES).toEqual(['text', 'json', 'jsonl', 'junit', 'html', 'ecs']);
    expect(Object.keys(REPORTERS)).toEqual([...REPORTER_NAMES]);
    expect(isReporterName('json')).toBe(true);
    expect(isReporterName('xml')).toBe(false);
    expect(isReporterName('toString')).toBe(false);
  });

  it('formatReport dispatches by name', () => {
    expect(formatReport('json', report, opts)).toBe(formatJson(report));
    expect(formatReport('text', report, opts)).toBe(formatText(report, opts));
    const line = formatReport('jsonl', report, opts);
    expect(JSON.parse(line)).toEqual({ file: 'capture.pcap', ...report.findings[0] });
  });
});
