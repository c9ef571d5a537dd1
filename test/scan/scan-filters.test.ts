/**
 * `wirewhy scan --code/--rule/--severity`: what a user arrives with (10061, a rule, a severity)
 * picks the findings in every format, the totals say how many were left out, --fail-on counts
 * only what is shown, and filters change neither which captures are listed nor the exit status
 * of unreadable input. Captures: the kernel fixtures, whose findings are known
 * (fixtures/kernel/*.expected.json):
 *
 * - mix.pcap: connection-refused (10061), connect-timeout (10060), udp-port-unreachable (10054,
 *   Linux 111), connection-reset (10054), all errors;
 * - refused.pcap: connection-refused (10061), error;
 * - reset-after-own-fin.pcap: connection-reset, warning;
 * - reset-after-close.pcap: connection-reset, info, no code;
 * - healthy.pcap: none.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../../src/model/report.js';
import type { Finding } from '../../src/model/finding.js';
import type { ScanJsonReport } from '../../src/report/scan-json.js';
import { runPool } from '../../src/scan/index.js';
import { ROOT, runBin, type RunResult } from './cli-run.js';

const KERNEL = join(ROOT, 'fixtures/kernel');
const NAMES = ['mix', 'refused', 'reset-after-own-fin', 'reset-after-close', 'healthy'] as const;
/** Every finding of the five captures. */
const ALL = 7;

let dir: string;
let captures: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-filters-'));
  captures = NAMES.map((n) => {
    const to = join(dir, `${n}.pcap`);
    copyFileSync(join(KERNEL, `${n}.pcap`), to);
    return to;
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scan(args: string[]): RunResult {
  return runBin(['scan', dir, '--jobs', '2', ...args], { COLUMNS: '1000' });
}

function scanJson(args: string[]): ScanJsonReport {
  const r = scan(['--format', 'json', ...args]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as ScanJsonReport;
}

/** `file rule` of every finding, sorted: what a format shows, comparable across formats. */
function keysOf(findings: ReadonlyArray<{ file: string; rule: string }>): string[] {
  return findings.map((f) => `${f.file.slice(dir.length + 1)} ${f.rule}`).sort();
}

/** The filters tested, and what each lets through (file and rule). */
const CASES: ReadonlyArray<{ name: string; args: string[]; shown: string[] }> = [
  { name: 'by code number', args: ['--code', '10061'], shown: ['mix.pcap connection-refused', 'refused.pcap connection-refused'] },
  {
    name: 'by Linux code name, which also names udp-port-unreachable',
    args: ['--code', 'ECONNREFUSED'],
    shown: ['mix.pcap connection-refused', 'mix.pcap udp-port-unreachable', 'refused.pcap connection-refused'],
  },
  {
    name: 'by rule',
    args: ['--rule', 'connection-reset'],
    shown: ['mix.pcap connection-reset', 'reset-after-close.pcap connection-reset', 'reset-after-own-fin.pcap connection-reset'],
  },
  {
    name: 'by lowest severity',
    args: ['--severity', 'warning'],
    shown: [
      'mix.pcap connect-timeout',
      'mix.pcap connection-refused',
      'mix.pcap connection-reset',
      'mix.pcap udp-port-unreachable',
      'refused.pcap connection-refused',
      'reset-after-own-fin.pcap connection-reset',
    ],
  },
  { name: 'rule and severity together', args: ['--rule', 'connection-reset', '--severity', 'warning'], shown: ['mix.pcap connection-reset', 'reset-after-own-fin.pcap connection-reset'] },
];

describe('scan filters, format by format', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('json: each report holds only the matching findings and says so; the totals sum it; the document names the filters', () => {
        const doc = scanJson(c.args);
        // Every capture is still listed, with its summary counting every finding.
        expect(doc.reports.map((r) => r.capture.file).sort()).toEqual([...captures].sort());
        expect(doc.reports.reduce((n, r) => n + r.summary.findings, 0)).toBe(ALL);
        expect(keysOf(doc.reports.flatMap((r) => r.findings.map((f) => ({ file: r.capture.file, rule: f.rule }))))).toEqual(c.shown);
        for (const r of doc.reports) expect(r.filtered).toEqual({ shown: r.findings.length, of: r.summary.findings });
        expect(doc.totals.findings).toBe(ALL);
        expect(doc.totals.filtered).toEqual({ shown: c.shown.length, of: ALL });
        expect(doc.filter).toBeDefined();
      });

      it('jsonl and ecs: only the matching lines; one line on stderr says how many of how many', () => {
        const jsonl = scan(['--format', 'jsonl', ...c.args]);
        expect(jsonl.code).toBe(0);
        const lines = jsonl.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Finding & { file: string });
        expect(keysOf(lines)).toEqual(c.shown);
        expect(jsonl.err).toContain(`wirewhy: ${c.shown.length} of ${ALL} findings shown (`);
        const ecs = scan(['--format', 'ecs', ...c.args]);
        expect(ecs.code).toBe(0);
        const docs = ecs.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { name: string }; file?: { path: string }; wirewhy: { file: string } });
        expect(docs.map((d) => d.rule.name).sort()).toEqual(c.shown.map((s) => s.split(' ')[1]).sort());
        expect(ecs.err).toContain(`${c.shown.length} of ${ALL} findings shown`);
      });

      it('text: the groups count only the matching findings; the table says shown of all per capture and in total', () => {
        const r = scan(c.args);
        expect(r.code).toBe(0);
        expect(r.out).toContain(`${c.shown.length} of ${ALL} findings shown (`);
        expect(r.out).toMatch(new RegExp(`${c.shown.length} failed connections? in \\d+ groups? across captures`));
        const totalRow = r.out.split('\n').find((l) => l.includes('Total (5 captures)'))!;
        expect(totalRow).toContain(`${c.shown.length} of ${ALL}`);
        const mixRow = r.out.split('\n').find((l) => l.includes('mix.pcap') && l.includes(' of '))!;
        expect(mixRow).toContain(`${c.shown.filter((s) => s.startsWith('mix.pcap')).length} of 4`);
        // The group table's rules are the filtered ones only.
        const groupTable = r.out.slice(r.out.indexOf('across captures'));
        for (const rule of ['connection-refused', 'connect-timeout', 'udp-port-unreachable', 'connection-reset']) {
          expect(groupTable.includes(rule), rule).toBe(c.shown.some((s) => s.endsWith(` ${rule}`)));
        }
      });

      it('junit: each case lists only the matching findings; the suite names the filters and the counts', () => {
        const r = scan(['--format', 'junit', ...c.args]);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/<property name="wirewhy.filter" value="--/);
        expect(r.out).toContain(`<property name="wirewhy.findings.shown" value="${c.shown.length}"/>`);
        expect(r.out).toContain(`<property name="wirewhy.findings.all" value="${ALL}"/>`);
        // Each finding is a line of its case's <system-out>, after the line saying how many are shown.
        const lines = [...r.out.matchAll(/^(\S+) \((error|warning|info)\) /gm)].map((m) => m[1]!);
        expect(lines.sort()).toEqual(c.shown.map((s) => s.split(' ')[1]).sort());
      });

      it('html: a card per matching finding; the overview says shown of all', () => {
        const r = scan(['--format', 'html', ...c.args]);
        expect(r.code).toBe(0);
        const cards = [...r.out.matchAll(/<article class="finding [^"]*" id="[^"]*" data-rule="([^"]+)"/g)].map((m) => m[1]!);
        expect(cards.sort()).toEqual(c.shown.map((s) => s.split(' ')[1]).sort());
        expect(r.out).toContain(`${c.shown.length} of ${ALL} findings shown (`);
        // Neither "N more findings not shown" for what the filters left out.
        expect(r.out).not.toContain('more finding');
      });
    });
  }

  it('each capture of a filtered scan is what analyze with the same filters reports', () => {
    const args = ['--code', '10054', '--severity', 'warning'];
    const doc = scanJson(args);
    for (const file of captures) {
      const a = runBin(['analyze', file, '--format', 'json', ...args]);
      const alone = JSON.parse(a.out) as AnalysisReport;
      const inScan = doc.reports.find((r) => r.capture.file === file)!;
      expect(inScan.findings).toEqual(alone.findings);
      expect(inScan.filtered).toEqual(alone.filtered);
    }
    expect(doc.totals.filtered).toEqual({ shown: 3, of: ALL });
  });

  it('a code as Windows prints an HRESULT, a negative macOS code, a TLS library name: each finds the TLS failures', () => {
    // tls-no-shared-cipher.pcap: 5 handshake failures citing 0x80090326 SEC_E_ILLEGAL_MESSAGE,
    // OpenSSL 1040 SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE and Secure Transport -9824.
    const files = [join(KERNEL, 'tls-no-shared-cipher.pcap'), captures[0]!];
    const shown = (code: string): unknown => (JSON.parse(runBin(['scan', ...files, '--format', 'json', `--code=${code}`]).out) as ScanJsonReport).totals.filtered;
    for (const code of ['0x80090326', '2148074278', '-9824', 'ssl_r_sslv3_alert_handshake_failure', '1040']) expect(shown(code), code).toEqual({ shown: 5, of: 9 });
    // 80090326 read as decimal is another number: nothing.
    expect(shown('80090326')).toEqual({ shown: 0, of: 9 });
  });

  it('a filter nothing matches: every capture still listed, "No finding matches", exit 0', () => {
    const r = scan(['--code', '11001']);
    expect(r.code).toBe(0);
    for (const f of captures) expect(r.out).toContain(f);
    expect(r.out).toContain(`0 of ${ALL} findings shown (--code 11001)`);
    expect(r.out).toContain('No finding matches the filters.');
    expect(r.out).not.toContain('No failed connections found');
  });
});

describe('--fail-on counts only the findings shown', () => {
  // refused.pcap has an error; reset-after-close.pcap only an info reset.
  const files = (): string[] => [captures[1]!, captures[3]!];

  for (const format of ['text', 'json', 'jsonl', 'junit', 'html', 'ecs']) {
    it(`${format}: an error left out by the filter does not fail the run; one shown does`, () => {
      const run = (args: string[]) => runBin(['scan', ...files(), '--format', format, '--fail-on', 'error', ...args]);
      expect(run([]).code).toBe(1);
      expect(run(['--rule', 'connection-reset']).code).toBe(0);
      expect(run(['--code', '10061']).code).toBe(1);
      expect(run(['--severity', 'info', '--rule', 'connection-reset']).code).toBe(0);
    });
  }

  it('junit: a case fails only for a shown finding at --fail-on', () => {
    const r = runBin(['scan', ...files(), '--format', 'junit', '--fail-on', 'info', '--rule', 'connection-reset']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('failures="1"');
    expect(r.out).toMatch(/<failure message="1 finding at or above info: connection-reset ×1"/);
  });
});

describe('filters change nothing about input that could not be read', () => {
  it('an unreadable capture is listed with its error and the status is 2, whatever the filter', () => {
    const bad = mkdtempSync(join(tmpdir(), 'wirewhy-scan-filters-bad-'));
    try {
      copyFileSync(join(KERNEL, 'refused.pcap'), join(bad, 'refused.pcap'));
      writeFileSync(join(bad, 'cut.pcap'), readFileSync(join(KERNEL, 'refused.pcap')).subarray(0, 10));
      for (const format of ['text', 'json', 'jsonl', 'junit']) {
        const r = runBin(['scan', bad, '--format', format, '--code', '11001', '--fail-on', 'error']);
        expect(r.code, format).toBe(2);
        expect(r.out + r.err, format).toContain('cut.pcap');
      }
      const doc = JSON.parse(runBin(['scan', bad, '--format', 'json', '--rule', 'dns-failure']).out) as ScanJsonReport;
      expect(doc.errors.map((e) => e.file)).toEqual([join(bad, 'cut.pcap')]);
      expect(doc.reports.map((r) => r.capture.file)).toEqual([join(bad, 'refused.pcap')]);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('filters the user cannot have meant are usage errors, for analyze and scan alike', () => {
  const mix = join(KERNEL, 'mix.pcap');
  for (const command of ['analyze', 'scan']) {
    it(`${command} --rule with an id no rule has: exit 2, one line listing the rule ids, nothing on stdout`, () => {
      const r = runBin([command, mix, '--rule', 'connection-refused,conection-reset']);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"conection-reset"');
      expect(lines[0]).not.toContain('"connection-refused"');
      for (const id of ['connection-refused', 'connection-reset', 'connect-timeout', 'dns-failure']) expect(lines[0]).toContain(id);
    });

    it(`${command} --code with a name no OS table knows: exit 2, one line`, () => {
      const r = runBin([command, mix, '--code', 'EFOO']);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain('"EFOO"');
    });

    it(`${command} --code takes any number and every name a finding or explain knows`, () => {
      for (const code of ['10061', '111', '-2', '0x80090326', '99999', 'econnrefused', 'WSAECONNREFUSED', 'ECONNREFUSED', 'SEC_E_ILLEGAL_MESSAGE', 'errSSLPeerHandshakeFail', 'ENOTFOUND', 'EAI_NONAME']) {
        const r = runBin([command, mix, '--code', code, '--format', 'json']);
        expect(r.code, `${code}: ${r.err}`).toBe(0);
      }
    });
  }
});

describe('the workers keep what the filters leave out', () => {
  it('streamed findings, kept findings and tallies hold only the matching ones; the summary still counts all', async () => {
    const mix = captures[0]!;
    const streamed: string[] = [];
    const [result] = await runPool([{ path: mix, size: 1 }], { jobs: 1, filter: { codes: ['10054'] }, onFinding: (_file, f) => streamed.push(f.rule) });
    expect(streamed.sort()).toEqual(['connection-reset', 'udp-port-unreachable']);
    expect(result!.report!.findings.map((f) => f.rule).sort()).toEqual(['connection-reset', 'udp-port-unreachable']);
    expect(result!.report!.filtered).toEqual({ shown: 2, of: 4 });
    expect(result!.report!.summary.findings).toBe(4);
    expect(result!.tally!.map((t) => t.rule).sort()).toEqual(['connection-reset', 'udp-port-unreachable']);

    // Counted only (as for the text format): the tally too.
    const [counted] = await runPool([{ path: mix, size: 1 }], { jobs: 1, keepFindings: false, filter: { rules: ['connect-timeout'] } });
    expect(counted!.report!.findings).toEqual([]);
    expect(counted!.tally!.map((t) => [t.rule, t.count])).toEqual([['connect-timeout', 1]]);
    expect(counted!.report!.filtered).toEqual({ shown: 1, of: 4 });
  });
});

describe('shards run with filters merge to the filtered scan', () => {
  it('text and json: the same findings, counts and filters as one filtered scan', () => {
    const args = ['--code', '10061,10054'];
    const one = scanJson(args);
    const parts = [1, 2, 3].map((i) => {
      const r = scan(['--format', 'jsonl', '--shard', `${i}/3`, ...args]);
      expect(r.code).toBe(0);
      const file = join(dir, `..`, `${dir.split('/').pop()}-shard-${i}.jsonl`);
      writeFileSync(file, r.out);
      return file;
    });
    try {
      const merged = runBin(['merge', ...parts, '--format', 'json']);
      expect(merged.code, merged.err).toBe(0);
      expect(merged.err).toBe('');
      const doc = JSON.parse(merged.out) as ScanJsonReport;
      expect(doc.filter).toEqual(one.filter);
      expect(doc.totals.filtered).toEqual(one.totals.filtered);
      expect(doc.reports.map((r) => [r.capture.file, r.filtered, r.findings.map((f) => f.rule)])).toEqual(one.reports.map((r) => [r.capture.file, r.filtered, r.findings.map((f) => f.rule)]));
      const text = runBin(['merge', ...parts], { COLUMNS: '1000' });
      expect(text.out).toContain(`${one.totals.filtered!.shown} of ${ALL} findings shown (--code 10061,10054)`);

      // A shard run without the filters: merged, with a warning, each capture as its shard wrote it.
      const unfiltered = scan(['--format', 'jsonl', '--shard', '1/3']);
      writeFileSync(parts[0]!, unfiltered.out);
      const mixed = runBin(['merge', ...parts]);
      expect(mixed.err).toMatch(/warning: the shards were run with different filters \(none; --code 10061,10054\)|warning: the shards were run with different filters \(--code 10061,10054; none\)/);
      expect(mixed.out).toContain('findings shown (filtered)');
    } finally {
      for (const p of parts) rmSync(p, { force: true });
    }
  });
});
