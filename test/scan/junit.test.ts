/** JUnit XML: escaping, characters XML 1.0 forbids, and the analyze/scan test cases. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJunit, junitCaseXml, junitXml, stripXmlIllegal, writeJunitSuite, xmlAttr, xmlText, type JunitCase } from '../../src/report/junit.js';
import { analyzeBuffer, mergeScenarios } from '../helpers/scenario.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { canRun, findTool } from '../helpers/tools.js';
import { healthyRecords, refusedRecords } from './corpus.js';
import { runBin } from './cli-run.js';

const xmllint = findTool('xmllint');

function wellFormed(xml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'wirewhy-junit-'));
  try {
    writeFileSync(join(dir, 'x.xml'), xml);
    execFileSync(xmllint!, ['--noout', join(dir, 'x.xml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('JUnit XML', () => {
  it('escapes markup and removes characters XML 1.0 does not allow, keeping visible marks', () => {
    expect(xmlText('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(xmlAttr('say "hi"\n\'x\'\t')).toBe('say &quot;hi&quot;&#10;&apos;x&apos;&#9;');
    expect(stripXmlIllegal('ok\u0000\u001b[31m\ufffe\uffff')).toBe('ok\\u{0}\\u{1b}[31m\\u{fffe}\\u{ffff}');
    // Lone surrogates go; a pair (an emoji) stays.
    expect(stripXmlIllegal('\ud800x\udc00 \ud83d\ude00')).toBe('\\u{d800}x\\u{dc00} \ud83d\ude00');
    expect(stripXmlIllegal('tab\tnl\ncr\r')).toBe('tab\tnl\ncr\r');
  });

  it.skipIf(!canRun('xmllint', xmllint !== null, 'apt-get install -y libxml2-utils'))('any text makes a well-formed document', () => {
    let nasty = '';
    for (let c = 0; c < 0x100; c++) nasty += String.fromCharCode(c);
    nasty += '\ud800\udfff\ufffe]]><![CDATA[';
    wellFormed(junitXml([{ name: nasty, cases: [{ name: nasty, classname: nasty, failure: { message: nasty, type: nasty, text: nasty }, systemOut: nasty }] }]));
  });

  it('a suite written case by case is the same document as written whole', () => {
    const cases: JunitCase[] = [
      { name: 'a.pcap', classname: 'wirewhy.scan', systemOut: 'connection-refused <x> & "y"' },
      { name: 'b.pcap', classname: 'wirewhy.scan', time: 1.5, failure: { message: '2 findings', type: 'findings', text: 'line 1\nline 2' } },
      { name: 'c.pcap', classname: 'wirewhy.scan', error: { message: 'wirewhy: c.pcap: truncated', type: 'truncated_header' } },
      { name: 'd.pcap', classname: 'wirewhy.scan', skipped: { message: 'not analysed' } },
    ];
    const pieces: string[] = [];
    const counts = { tests: 4, failures: 1, errors: 1, skipped: 1, time: 12.3456 };
    writeJunitSuite('wirewhy scan', counts, () => cases.forEach((c) => pieces.push(junitCaseXml(c))), (s) => pieces.push(s));
    expect(pieces.join('')).toBe(junitXml([{ name: 'wirewhy scan', time: 12.3456, cases }]));
  });

  it('analyze: one test case per finding group, failing only at --fail-on', async () => {
    const report = await analyzeBuffer(writePcap(mergeScenarios(refusedRecords(40000), refusedRecords(40001), healthyRecords(40002))));
    const passing = formatJunit(report, {});
    expect(passing.match(/<testcase /g)).toHaveLength(1);
    expect(passing).toContain('failures="0"');
    expect(passing).toContain('connection-refused 10.0.0.2:8080 (2)');
    const failing = formatJunit(report, { failOn: 'error' });
    expect(failing).toContain('tests="1" failures="1"');
    expect(failing).toMatch(/<failure message="10\.0\.0\.1:40000 → 10\.0\.0\.2:8080: SYN answered by RST/);
  });

  it.skipIf(!canRun('xmllint', xmllint !== null, 'apt-get install -y libxml2-utils'))('analyze and scan --format junit through the CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirewhy-junit-'));
    try {
      writeFileSync(join(dir, 'refused.pcap'), refusedRecords(40000).toPcap());
      writeFileSync(join(dir, 'healthy.pcap'), healthyRecords(40001).toPcap());
      writeFileSync(join(dir, 'broken.pcap'), refusedRecords(40000).toPcap().subarray(0, 12));
      const a = runBin(['analyze', join(dir, 'refused.pcap'), '--format', 'junit', '--fail-on', 'error']);
      expect(a.code).toBe(1);
      wellFormed(a.out);
      const s = runBin(['scan', dir, '--format', 'junit', '--fail-on', 'error']);
      expect(s.code).toBe(2);
      wellFormed(s.out);
      expect(s.out.match(/<testcase /g)).toHaveLength(3);
      expect(s.out).toContain('tests="3" failures="1" errors="1"');
      expect(s.out).toContain(`wirewhy: ${join(dir, 'broken.pcap')}: file ends inside its header`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
