/** Expectation files: file names, stable serialisation, and the missing/unexpected/changed diff. */
import { describe, expect, it } from 'vitest';
import {
  diffExpectation,
  expectationOf,
  expectationPath,
  formatDiffLines,
  parseExpectation,
  serializeExpectation,
  type ExpectedFinding,
} from '../../src/scan/expect.js';
import { analyzeBuffer, mergeScenarios } from '../helpers/scenario.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { refusedRecords } from './corpus.js';

function finding(stream: number, rule = 'connection-refused', linux = 111): ExpectedFinding {
  return { rule, protocol: 'tcp', client: { address: '10.0.0.1', port: 40000 + stream }, server: { address: '10.0.0.2', port: 80 }, stream, codes: { windows: 10061, linux } };
}

describe('expectation files', () => {
  it('sit beside the capture, named after it without its extensions', () => {
    expect(expectationPath('fixtures/refused.pcap')).toBe('fixtures/refused.expect.json');
    expect(expectationPath('fixtures/refused.pcapng.gz')).toBe('fixtures/refused.expect.json');
    expect(expectationPath('a.b.pcap')).toBe('a.b.expect.json');
    expect(expectationPath('capture')).toBe('capture.expect.json');
    expect(expectationPath('.hidden')).toBe('.hidden.expect.json');
  });

  it('serialise sorted, one finding per line, and parse back', async () => {
    const report = await analyzeBuffer(writePcap(mergeScenarios(refusedRecords(40001), refusedRecords(40000, '10.0.0.9:22'))));
    const text = serializeExpectation(expectationOf(report.findings));
    const lines = text.split('\n');
    expect(lines[0]).toBe('{');
    expect(lines.filter((l) => l.includes('"rule"'))).toHaveLength(2);
    expect(lines.findIndex((l) => l.includes('"stream": 0'))).toBeLessThan(lines.findIndex((l) => l.includes('"stream": 1')));
    expect(serializeExpectation(parseExpectation(text))).toBe(text);
  });

  it('reject files that are not expectation files, saying why', () => {
    expect(() => parseExpectation('[]')).toThrow(/not a wirewhy expectation file/);
    expect(() => parseExpectation('{"schema":"wirewhy-expect","version":2,"findings":[]}')).toThrow(/version 2/);
    expect(() => parseExpectation('{"schema":"wirewhy-expect","version":1,"findings":[{"rule":1}]}')).toThrow(/finding 1: "rule"/);
  });

  it('diff: same conversation with other contents is changed; the rest missing or unexpected', () => {
    const d = diffExpectation([finding(0), finding(1), finding(2, 'connect-timeout', 110)], [finding(0), finding(1, 'connection-refused', 113), finding(3)]);
    expect(d.missing).toEqual([finding(2, 'connect-timeout', 110)]);
    expect(d.unexpected).toEqual([finding(3)]);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]!.changes).toEqual(['codes.linux: 111 → 113']);
    expect(formatDiffLines(d)).toEqual([
      '- missing:    connect-timeout tcp.stream 2 10.0.0.1:40002 → 10.0.0.2:80 (windows 10061, linux 110)',
      '+ unexpected: connection-refused tcp.stream 3 10.0.0.1:40003 → 10.0.0.2:80 (windows 10061, linux 111)',
      '~ changed:    tcp.stream 1: codes.linux: 111 → 113',
    ]);
  });

  it('diff: identical findings match as a multiset, in any order', () => {
    const d = diffExpectation([finding(1), finding(0), finding(0)], [finding(0), finding(1), finding(0)]);
    expect(d).toEqual({ missing: [], unexpected: [], changed: [] });
    expect(diffExpectation([finding(0), finding(0)], [finding(0)]).missing).toEqual([finding(0)]);
  });
});
