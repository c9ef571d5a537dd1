/**
 * `wirewhy diff` and `check` on a capture with one extra connection early on: every later stream
 * index moves, and still no finding is new, gone or changed, because failures are matched by
 * endpoints and cause, not by stream index.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import type { AnalysisReport } from '../../src/model/report.js';
import type { CaptureDiff } from '../../src/report/diff.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { mergeScenarios, Scenario } from '../helpers/scenario.js';
import { canRun, findTool } from '../helpers/tools.js';
import { healthyRecords, refusedRecords } from '../scan/corpus.js';
import { runInProcess } from '../scan/cli-run.js';

const work = mkdtempSync(join(tmpdir(), 'wirewhy-diff-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A healthy connection. */
function healthy(client: string, server: string, t0: number): Scenario {
  return healthyRecords(0, { client, server, t0 });
}

/** A refusal. */
function refused(client: string, server: string, t0: number): Scenario {
  return refusedRecords(0, server, { client, t0 });
}

/** Three refusals after some healthy traffic, and the same with one more connection first. */
function captures(extra: Scenario): { before: string; after: string } {
  const t0 = 1_700_000_000;
  const base = [healthy('10.0.0.1:40000', '10.0.0.3:443', t0), refused('10.0.0.1:40001', '10.0.0.2:8080', t0 + 1), refused('10.0.0.4:40002', '10.0.0.2:5432', t0 + 2), refused('10.0.0.1:40003', '10.0.0.2:8080', t0 + 3)];
  const dir = mkdtempSync(join(work, 'pair-'));
  const before = join(dir, 'before.pcap');
  const after = join(dir, 'after.pcap');
  writeFileSync(before, writePcap(mergeScenarios(...base)));
  writeFileSync(after, writePcap(mergeScenarios(extra, ...base)));
  return { before, after };
}

async function diff(before: string, after: string): Promise<{ code: number; d: CaptureDiff; text: string }> {
  const json = await runInProcess(['diff', before, after, '--format', 'json']);
  const text = await runInProcess(['diff', before, after]);
  expect(text.code).toBe(json.code);
  return { code: json.code, d: JSON.parse(json.out) as CaptureDiff, text: text.out };
}

describe('wirewhy diff', () => {
  it('one extra healthy connection early: every stream moves, nothing new, gone or changed, exit 0', async () => {
    const { before, after } = captures(healthy('10.9.9.9:50000', '10.9.9.8:22', 1_699_999_999));
    const streams = async (p: string) => (JSON.parse((await runInProcess(['analyze', p, '--format', 'json'])).out) as AnalysisReport).findings.map((f) => f.stream);
    // The premise: stream indices differ between the two.
    expect(await streams(after)).toEqual((await streams(before)).map((s) => s + 1));
    const { code, d, text } = await diff(before, after);
    expect(code).toBe(0);
    expect([d.new, d.gone, d.changed, d.unchanged]).toEqual([[], [], [], 3]);
    expect(text).toContain('0 new, 0 gone, 0 changed, 3 unchanged');
  });

  it('one extra failing connection early: it alone is new, exit 1', async () => {
    const { before, after } = captures(refused('10.9.9.9:50000', '10.0.0.2:8080', 1_699_999_999));
    const { code, d, text } = await diff(before, after);
    expect(code).toBe(1);
    expect(d.new.map((f) => [f.rule, f.client.address, f.server.port, f.stream])).toEqual([['connection-refused', '10.9.9.9', 8080, 0]]);
    expect([d.gone, d.changed, d.unchanged]).toEqual([[], [], 3]);
    expect(text).toMatch(/\+ new: {5}connection-refused 10\.9\.9\.9 -> 10\.0\.0\.2:8080 tcp \(HTTP-alt\), tcp\.stream 0, frames 1, 2/);
    // Reversed, the same failure is gone, and nothing is new: exit 0.
    const back = await diff(after, before);
    expect(back.code).toBe(0);
    expect(back.d.gone).toHaveLength(1);
  });

  it('a service that refused before and times out now is one changed cause, matched across client ports', async () => {
    const t0 = 1_700_000_000;
    const dir = mkdtempSync(join(work, 'changed-'));
    const before = join(dir, 'before.pcap');
    const after = join(dir, 'after.json');
    writeFileSync(before, refused('10.0.0.1:40001', '10.0.0.2:8080', t0).toPcap());
    const timeout = new Scenario('10.0.0.1:51000', '10.0.0.2:8080', { t0 }).tcp('c', 0, ['SYN'], 1).tcp('c', 1, ['SYN'], 1).tcp('c', 3, ['SYN'], 1).tcp('c', 7, ['SYN'], 1);
    writeFileSync(join(dir, 'after.pcap'), timeout.toPcap());
    // The after side as a saved report.
    writeFileSync(after, (await runInProcess(['analyze', join(dir, 'after.pcap'), '--format', 'json'])).out);
    const { code, d, text } = await diff(before, after);
    expect(code).toBe(0);
    expect(d.changed.map((c) => c.changes[0])).toEqual(['rule: "connection-refused" → "connect-timeout"']);
    expect(text).toContain('~ changed: 10.0.0.1 -> 10.0.0.2:8080 tcp: rule: "connection-refused" -> "connect-timeout"; codes.windows: 10061 -> 10060');
    expect(text).not.toContain('client:');
  });

  it('input that is neither a capture nor a report: exit 2', async () => {
    const bad = join(work, 'notes.txt');
    writeFileSync(bad, 'hello\n');
    const r = await runInProcess(['diff', bad, join(FIXTURES, 'kernel/mix.pcap')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('neither a capture nor a JSON report');
    expect((await runInProcess(['diff', join(work, 'missing.pcap'), bad])).code).toBe(2);
  });
});

describe('wirewhy check survives unrelated traffic', () => {
  it('expectations written before one extra early connection still match after it', async () => {
    const { before, after } = captures(healthy('10.9.9.9:50000', '10.9.9.8:22', 1_699_999_999));
    const dir = mkdtempSync(join(work, 'check-'));
    const capture = join(dir, 'service.pcap');
    copyFileSync(before, capture);
    expect((await runInProcess(['check', '--update', '-q', dir])).code).toBe(0);
    copyFileSync(after, capture);
    const r = await runInProcess(['check', '-q', dir]);
    expect(r.code, r.out).toBe(0);
  });

  const mergecap = findTool('mergecap');
  it.skipIf(!canRun('mergecap', mergecap !== null, 'apt-get install -y wireshark-common'))('the kernel-made mix.pcap, mergecap\'d with a small extra capture before it: diff and check see no change', async () => {
    const mix = join(FIXTURES, 'kernel/mix.pcap');
    let first = Infinity;
    readCaptureBuffer(readFileSync(mix), (f) => void (first = Math.min(first, f.tsSec + f.tsNsec / 1e9)));
    const dir = join(work, 'mix');
    mkdirSync(dir);
    const extra = join(dir, 'extra.pcap');
    writeFileSync(extra, healthy('10.9.9.9:50000', '10.9.9.8:22', first - 1).toPcap());
    const combined = join(dir, 'mix-plus.pcap');
    execFileSync(mergecap!, ['-F', 'pcap', '-w', combined, extra, mix]);
    const { code, d } = await diff(mix, combined);
    expect(code).toBe(0);
    expect(d.unchanged).toBeGreaterThan(2);
    expect([d.new, d.gone, d.changed]).toEqual([[], [], []]);

    const checked = join(dir, 'checked');
    mkdirSync(checked);
    copyFileSync(mix, join(checked, 'mix.pcap'));
    expect((await runInProcess(['check', '--update', '-q', checked])).code).toBe(0);
    copyFileSync(combined, join(checked, 'mix.pcap'));
    const r = await runInProcess(['check', '-q', checked]);
    expect(r.code, r.out).toBe(0);
  });
});
