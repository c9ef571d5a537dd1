/** `wirewhy check`: expectation files beside captures, --update, diffs, and JUnit output. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePcap } from '../../dev/pcap-writer.js';
import { canRun, findTool } from '../helpers/tools.js';
import { healthyRecords, refusedRecords } from '../scan/corpus.js';
import { runBin, runInProcess } from '../scan/cli-run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-check-'));
  mkdirSync(join(dir, 'tls'));
  writeFileSync(join(dir, 'refused.pcap'), refusedRecords(40000).toPcap());
  writeFileSync(join(dir, 'healthy.pcap'), healthyRecords(40001).toPcap());
  writeFileSync(join(dir, 'tls', 'two-refusals.pcap'), writePcap([...refusedRecords(40002).records, ...refusedRecords(40003, '10.0.0.2:8443').records.map((r) => ({ ...r, time: (r.time as number) + 1 }))]));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const xmllint = findTool('xmllint');

function xmlWellFormed(xml: string): void {
  const file = join(dir, 'out.xml');
  writeFileSync(file, xml);
  // Throws (and fails the test) when xmllint finds the document not well-formed.
  execFileSync(xmllint!, ['--noout', file], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('wirewhy check', () => {
  it('captures whose findings are about ICMP messages or ARP (no TCP or UDP conversation) are checked like the others', () => {
    for (const name of ['arp-no-reply.pcap', 'ndp-no-reply.pcap', 'icmp-host-unreachable.pcap']) writeFileSync(join(dir, name), readFileSync(join('fixtures/kernel', name)));
    const up = runBin(['check', '--update', dir]);
    expect(up.err).toBe('');
    expect(up.code).toBe(0);
    const arp = JSON.parse(readFileSync(join(dir, 'arp-no-reply.expect.json'), 'utf8')) as { findings: Array<{ protocol: string; rule: string }> };
    expect(arp.findings).toEqual([expect.objectContaining({ protocol: 'arp', rule: 'host-unreachable' })]);
    const check = runBin(['check', dir]);
    expect(check.code).toBe(0);
    expect(check.err).toBe('');
  });

  it('check --update writes NAME.expect.json beside each capture, then check exits 0', () => {
    const up = runBin(['check', '--update', dir]);
    expect(up.code).toBe(0);
    expect(up.out).toContain('3 written');
    const expectation = readFileSync(join(dir, 'refused.expect.json'), 'utf8');
    expect(JSON.parse(expectation)).toEqual({
      schema: 'wirewhy-expect',
      version: 1,
      findings: [
        {
          rule: 'connection-refused',
          protocol: 'tcp',
          client: { address: '10.0.0.1', port: 40000 },
          server: { address: '10.0.0.2', port: 8080 },
          stream: 0,
          codes: { windows: 10061, linux: 111, macos: 61 },
        },
      ],
    });
    // Nothing volatile: no times, frames or sentences.
    expect(expectation).not.toMatch(/20\d\d-|frames|summary/);
    expect(readFileSync(join(dir, 'healthy.expect.json'), 'utf8')).toContain('"findings": []');
    const check = runBin(['check', dir]);
    expect(check.code).toBe(0);
    expect(check.out).toContain('3 passed');
    // A second update changes nothing.
    expect(runBin(['check', '--update', dir]).out).toContain('3 unchanged');
  });

  it('an edited expectation makes check exit 1 with a diff naming the capture', () => {
    expect(runBin(['check', '--update', dir]).code).toBe(0);
    const file = join(dir, 'tls', 'two-refusals.expect.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { findings: Array<{ server: { port: number }; codes: Record<string, number> }> };
    // Change one finding's Linux code, drop the other, and add one that will not be found.
    doc.findings = doc.findings.filter((f) => f.server.port !== 8443);
    doc.findings[0]!.codes.linux = 110;
    doc.findings.push({ rule: 'connect-timeout', protocol: 'tcp', client: { address: '10.0.0.9', port: 1 }, server: { address: '10.0.0.2', port: 22 }, stream: 9, codes: { linux: 110 } } as never);
    const edited = JSON.stringify(doc, null, 2);
    writeFileSync(file, edited);
    const r = runBin(['check', dir]);
    expect(r.code).toBe(1);
    const capture = join(dir, 'tls', 'two-refusals.pcap');
    expect(r.out).toContain(`FAIL  ${capture}: findings differ from ${file}`);
    expect(r.out).toMatch(/- missing: {4}connect-timeout tcp\.stream 9 10\.0\.0\.9:1 -> 10\.0\.0\.2:22 \(linux 110\)/);
    expect(r.out).toMatch(/\+ unexpected: connection-refused tcp\.stream 1 10\.0\.0\.1:40003 -> 10\.0\.0\.2:8443/);
    expect(r.out).toMatch(/~ changed: {4}tcp\.stream 0: codes\.linux: 110 -> 111/);
    expect(r.out).toContain('2 passed, 1 failed');
  });

  it('a capture without an expectation file fails as "no expectation"', async () => {
    const r = await runInProcess(['check', join(dir, 'refused.pcap'), '--jobs', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`no expectation file ${join(dir, 'refused.expect.json')}`);
  });

  it('an unreadable capture or expectation file exits 2', () => {
    expect(runBin(['check', '--update', dir]).code).toBe(0);
    writeFileSync(join(dir, 'healthy.expect.json'), '{ not json');
    const r = runBin(['check', dir]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`wirewhy: ${join(dir, 'healthy.expect.json')}: not valid JSON`);
  });

  it('nothing to check (empty folder, mistyped path, an empty capture named): exit 2 with one line, nothing on stdout', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    for (const args of [[empty], ['--update', empty], [empty, '--format', 'junit']]) {
      const r = await runInProcess(['check', ...args, '--jobs', '1']);
      expect(r).toEqual({ code: 2, out: '', err: `wirewhy: no captures found under ${empty}\n` });
    }
    const typo = await runInProcess(['check', join(dir, 'fixturse'), '--jobs', '1']);
    expect(typo).toEqual({ code: 2, out: '', err: `wirewhy: ${join(dir, 'fixturse')}: no such file or directory\n` });
    writeFileSync(join(dir, 'failed-tcpdump.pcap'), '');
    const named = await runInProcess(['check', join(dir, 'failed-tcpdump.pcap'), '--jobs', '1']);
    expect(named).toEqual({ code: 2, out: '', err: `wirewhy: ${join(dir, 'failed-tcpdump.pcap')}: empty file\n` });
  });

  it.skipIf(!canRun('xmllint', xmllint !== null, 'apt-get install -y libxml2-utils'))('--format junit: well-formed XML, one test case per capture, the diff in the failure', () => {
    expect(runBin(['check', '--update', dir]).code).toBe(0);
    const file = join(dir, 'refused.expect.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"windows": 10061', '"windows": 10060'));
    // A file name with characters XML must escape, and one it does not allow at all.
    writeFileSync(join(dir, 'a&b <"q">\u0001.pcap'), refusedRecords(40010).toPcap());
    const r = runBin(['check', dir, '--format', 'junit']);
    expect(r.code).toBe(1);
    xmlWellFormed(r.out);
    expect(r.out.match(/<testsuite /g)).toHaveLength(1);
    expect(r.out.match(/<testcase /g)).toHaveLength(4);
    expect(r.out).toContain('tests="4" failures="2" errors="0"');
    expect(r.out).toContain(`<testcase name="${join(dir, 'refused.pcap')}" classname="wirewhy.check"`);
    expect(r.out).toContain('~ changed:    tcp.stream 0: codes.windows: 10060 → 10061');
    expect(r.out).toContain('a&amp;b &lt;&quot;q&quot;&gt;\\u{1}.pcap');
  });
});
