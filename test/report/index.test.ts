import { describe, expect, it } from 'vitest';
import { REPORTERS, REPORTER_NAMES, formatReport, formatsOf, isReporterName, loadScanOutput } from '../../src/report/index.js';
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

  it('formatReport dispatches by name', async () => {
    expect(await formatReport('json', report, opts)).toBe(formatJson(report));
    expect(await formatReport('text', report, opts)).toBe(formatText(report, opts));
    const line = await formatReport('jsonl', report, opts);
    expect(JSON.parse(line)).toEqual({ file: 'capture.pcap', ...report.findings[0] });
  });
});

describe('every reporter has the outputs its needs say', () => {
  for (const name of REPORTER_NAMES) {
    const r = REPORTERS[name];
    it(`${name}`, async () => {
      if (r.analyze) {
        const a = await r.analyze.load();
        // A streamed format writes each finding as it is decided; a kept one, the whole report.
        expect(typeof (r.analyze.findings === 'streamed' ? a.finding : a.report)).toBe('function');
        for (const option of r.analyze.takes) expect(['ladder', 'brief']).toContain(option);
      }
      if (r.scan) {
        const s = await loadScanOutput(name);
        if (r.scan.findings === 'streamed') expect(typeof s.finding).toBe('function');
        // Kept formats: each capture's part is rendered by its scan worker.
        if (r.scan.findings === 'kept') expect(typeof s.part).toBe('function');
        expect(typeof s.open).toBe('function');
      }
      if (r.check) expect(typeof (await r.check.load()).format).toBe('function');
      expect(r.description.length).toBeGreaterThan(10);
    });
  }

  it('each command offers the formats that have an output for it', () => {
    expect(formatsOf('analyze')).toEqual(expect.arrayContaining(['text', 'json', 'jsonl', 'junit', 'html']));
    expect(formatsOf('scan')).toEqual(expect.arrayContaining(['text', 'json', 'jsonl', 'junit', 'html']));
    // check compares findings with expectations: no finding stream, no page.
    expect(formatsOf('check')).toEqual(expect.arrayContaining(['text', 'json', 'junit']));
    expect(formatsOf('check')).not.toContain('jsonl');
    expect(formatsOf('check')).not.toContain('html');
  });
});
