/**
 * `scan --shard I/N` and `merge`: three shards of a folder, merged, give the report one scan of
 * the whole folder prints (the same totals, groups across captures and per-capture findings), in
 * every format; on a folder of 200 generated captures and on the public corpus.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShard, relativeToArgument, shardOf } from '../../src/scan/shard.js';
import { compareWalkOrder } from '../../src/scan/shard-merge.js';
import { shardsMissing } from '../../src/cli/merge.js';
import type { ScanJsonReport } from '../../src/report/scan-json.js';
import { PUBLIC_CAPTURES } from '../helpers/fixtures.js';
import { canRun } from '../helpers/tools.js';
import { buildCorpus, manyRefusalsPcap, refusedRecords, type Corpus } from './corpus.js';
import { DEFAULT_MAX_FINDINGS } from '../../src/rules/engine.js';
import { mkdirSync } from 'node:fs';
import { runBin, runInProcess } from './cli-run.js';

const out = mkdtempSync(join(tmpdir(), 'wirewhy-shards-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Times are the machine's, not the scan's: left out of the comparison. */
function withoutTimes(text: string): string {
  return text.replace(/ in \d+\.\d s$/m, ' in T s').replace(/time="[\d.]+"/g, 'time="T"');
}

/** Scan `dir` whole in `format`, and in three shards (JSONL) merged into `format`. */
function wholeAndMerged(dir: string, tag: string, formats: readonly string[]): Array<{ format: string; whole: string; merged: string; wholeCode: number; mergedCode: number }> {
  const shardFiles = [1, 2, 3].map((i) => {
    const path = join(out, `${tag}-${i}.jsonl`);
    const r = runBin(['scan', dir, '--shard', `${i}/3`, '--format', 'jsonl', '-q']);
    writeFileSync(path, r.out);
    return path;
  });
  return formats.map((format) => {
    const whole = runBin(['scan', dir, '-q', '--format', format], { COLUMNS: '1000' });
    const merged = runBin(['merge', ...shardFiles, '--format', format, '--title', dir], { COLUMNS: '1000' });
    return { format, whole: withoutTimes(whole.out), merged: withoutTimes(merged.out), wholeCode: whole.code, mergedCode: merged.code };
  });
}

describe('shards', () => {
  it('I/N: 1-based, checked', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '-1/3']) expect(() => parseShard(bad), bad).toThrow();
  });

  it('a file keeps its shard when the folder grows, and shards are about equal', () => {
    const names = Array.from({ length: 300 }, (_, i) => `site-${i % 7}/ring_${String(i).padStart(5, '0')}.pcap`);
    const before = names.map((n) => shardOf(n, 4));
    const grown = [...names, ...Array.from({ length: 100 }, (_, i) => `new/extra-${i}.pcap`)];
    expect(grown.slice(0, names.length).map((n) => shardOf(n, 4))).toEqual(before);
    const sizes = [1, 2, 3, 4].map((s) => before.filter((x) => x === s).length);
    for (const n of sizes) expect(n).toBeGreaterThan(50);
  });

  it('the path that decides is the one relative to the folder given, wherever it is mounted', () => {
    expect(relativeToArgument('/mnt/a/captures/x/y.pcap', ['/mnt/a/captures/'])).toBe('x/y.pcap');
    expect(relativeToArgument('/srv/captures/x/y.pcap', ['/srv/captures'])).toBe('x/y.pcap');
    expect(relativeToArgument('one.pcap', ['one.pcap'])).toBe('one.pcap');
    expect(relativeToArgument('/data/one.pcap', ['/data/one.pcap'])).toBe('one.pcap');
  });

  it('walk order: folder by folder, each sorted as the walk sorts', () => {
    const paths = ['d/b.pcap', 'd/a/z.pcap', 'd/a.pcap', 'd/B.pcap', 'd/a/b/c.pcap'];
    expect([...paths].sort(compareWalkOrder)).toEqual(['d/B.pcap', 'd/a/b/c.pcap', 'd/a/z.pcap', 'd/a.pcap', 'd/b.pcap']);
  });

  it('merge says when a shard is missing or given twice', () => {
    expect(shardsMissing(['1/3', '2/3', '3/3'])).toBeNull();
    expect(shardsMissing(['1/3', '3/3'])).toMatch(/shard 2\/3 missing/);
    expect(shardsMissing(['1/2', '1/2', '2/2'])).toMatch(/given twice/);
  });
});

describe('three shards of a folder of 200 captures, merged', () => {
  let corpus: Corpus;
  beforeAll(() => {
    corpus = buildCorpus(200);
  });
  afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

  it('share the captures out: each once, none twice', () => {
    const files = [1, 2, 3].map((i) => {
      const r = runBin(['scan', corpus.dir, '--shard', `${i}/3`, '--format', 'jsonl', '-q']);
      return r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { record?: string; file?: string })
        .filter((o) => o.record === 'capture')
        .map((o) => o.file!);
    });
    for (const f of files) expect(f.length).toBeGreaterThan(30);
    const all = files.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(corpus.readable.length + corpus.corrupt.length);
  });

  it('equal one scan of the folder, in every format, with the same exit status', () => {
    for (const r of wholeAndMerged(corpus.dir, 'corpus200', ['text', 'json', 'junit', 'html'])) {
      expect(r.merged, r.format).toBe(r.whole);
      expect(r.mergedCode, r.format).toBe(r.wholeCode);
    }
    const doc = JSON.parse(runBin(['scan', corpus.dir, '-q', '--format', 'json']).out) as ScanJsonReport;
    expect(doc.totals.captures).toBe(200);
    expect(doc.totals.byRule['connection-refused']).toBe(corpus.refused.length);
  });

  it('JSON outputs of the shards merge to the same document', async () => {
    const docs = [1, 2, 3].map((i) => {
      const path = join(out, `doc-${i}.json`);
      writeFileSync(path, runBin(['scan', corpus.dir, '--shard', `${i}/3`, '--format', 'json', '-q']).out);
      return path;
    });
    const merged = await runInProcess(['merge', ...docs, '--format', 'json']);
    const whole = runBin(['scan', corpus.dir, '-q', '--format', 'json']);
    expect(JSON.parse(merged.out)).toEqual(JSON.parse(whole.out));
  });

  it('a file that is not a shard output: exit 2, one line', async () => {
    const bad = join(out, 'bad.jsonl');
    writeFileSync(bad, '{"hello": 1}\n');
    const r = await runInProcess(['merge', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.jsonl: not a sharded scan output \(line 1: /);
  });
});

describe('a capture with more findings than a report keeps, sharded and merged', () => {
  const dir = join(out, 'capped');
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'many.pcap'), manyRefusalsPcap(DEFAULT_MAX_FINDINGS + 40));
    writeFileSync(join(dir, 'one.pcap'), refusedRecords(40000).toPcap());
  });

  it('the text scan counts every finding and no cap warning, merged as whole; JSON keeps its cap warning', () => {
    const results = wholeAndMerged(dir, 'capped', ['text', 'json']);
    for (const r of results) expect(r.merged, r.format).toBe(r.whole);
    const text = results.find((r) => r.format === 'text')!.merged;
    // The row of many.pcap: every finding counted, and no warning (nothing the text prints was cut).
    const row = text.split('\n').find((l) => l.includes('many.pcap') && l.includes(String(DEFAULT_MAX_FINDINGS + 40)))!;
    expect(row).toBeDefined();
    expect(row).not.toMatch(/warning/);
    expect(text).toContain(`${DEFAULT_MAX_FINDINGS + 41} failed connections`);
    const doc = JSON.parse(results.find((r) => r.format === 'json')!.merged) as ScanJsonReport;
    const many = doc.reports.find((x) => x.capture.file.endsWith('many.pcap'))!;
    expect(many.findings).toHaveLength(DEFAULT_MAX_FINDINGS);
    expect(many.capture.warnings.map((w) => w.code)).toContain('finding_cap_reached');
  }, 120_000);
});

describe.skipIf(!canRun('the public capture corpus', existsSync(join(PUBLIC_CAPTURES, 'MANIFEST.tsv')), `expected at ${PUBLIC_CAPTURES}`))('three shards of the public corpus, merged', () => {
  it('equal one scan of it (text and json)', () => {
    for (const r of wholeAndMerged(PUBLIC_CAPTURES, 'public', ['text', 'json'])) {
      expect(r.merged, r.format).toBe(r.whole);
      expect(r.mergedCode, r.format).toBe(r.wholeCode);
    }
  }, 300_000);
});
