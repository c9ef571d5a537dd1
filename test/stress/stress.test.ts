/**
 * A short, seeded run of the stress harness (`npm run stress` runs it for minutes): generated
 * captures with the traffic behaviours that broke reassembly before (spurious retransmissions
 * after both FINs, reordering, drops, replays, high connection rates) against their ground
 * truth, and frame-level mutations of the project's fixtures and of the real captures beside the
 * project. Every input goes through the same checks as the long run: no thrown error, no
 * internal_error anomaly, peak RSS under the bound, the CLI never exits 2 on readable input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import type { Rule } from '../../src/rules/engine.js';
import { Prng, type TrafficOptions } from '../../scripts/bench-capture.js';
import { canRun } from '../helpers/tools.js';
import { Scenario, mergeScenarios } from '../helpers/scenario.js';
import { writePcap } from '../../dev/pcap-writer.js';
import {
  applyFrameMutation,
  buildCase,
  checkCapture,
  describeCase,
  drawMutations,
  fixtureSources,
  generatedCase,
  minimizeCrash,
  readFrames,
  sharedSources,
  tcpDataFrames,
  writeFrames,
  type SourceCapture,
  type StressCase,
  type StressFrame,
} from './support.js';

const workDir = mkdtempSync(join(tmpdir(), 'wirewhy-stress-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Run the checks on a case; the failure message carries its description for reproduction. */
async function expectClean(c: StressCase, cli: boolean): Promise<void> {
  const file = join(workDir, `case-${c.seed}-${c.source.replace(/\W+/g, '_')}.${c.ext}`);
  writeFileSync(file, c.bytes);
  const r = await checkCapture(file, c.bytes.length, { truth: c.truth, readable: c.readable, cli });
  expect(r.failures, describeCase(c)).toEqual([]);
}

/** The checks of several cases, two at a time (the children are separate processes). */
async function expectAllClean(cases: StressCase[], cliEvery: number): Promise<void> {
  for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map((c, j) => expectClean(c, (i + j) % cliEvery === 0)));
}

describe('stress: generated captures give the generator\'s truth', () => {
  const everyBehaviour: TrafficOptions = { retransmitAfterFin: 0.3, reorder: 0.1, drop: 0.03, replay: 0.01 };

  it('normal rate, every behaviour but SPAN duplicates, pcap and pcapng', async () => {
    const cases = [generatedCase(1, everyBehaviour, 1.5e6, workDir, 'pcap'), generatedCase(2, everyBehaviour, 1.5e6, workDir, 'pcapng')];
    for (const c of cases) {
      const n = c.truth!.impairments!;
      // Each behaviour happened, and the retransmissions after FIN are what crashed reassembly.
      expect(Math.min(n.retransmittedAfterFin, n.reordered, n.dropped, n.replayed), JSON.stringify(n)).toBeGreaterThan(0);
    }
    await expectAllClean(cases, 2);
  });

  it('SPAN duplicates (a copy of a packet microseconds later, same IP ID) on top of every behaviour', async () => {
    // Seed 1077 at these settings made fixtures/stress/span-duplicate-retransmission.pcap, when a
    // copy of a retransmission still counted as one (connection-aborted read as connection-reset).
    const cases = [
      generatedCase(7, { ...everyBehaviour, spanDuplicates: 0.3 }, 1.5e6, workDir, 'pcap'),
      generatedCase(1077, { eventsPerSecond: 10_000, meanResponseSegments: 2, spanDuplicates: 0.4962 }, 5.5e6, workDir, 'pcapng'),
    ];
    for (const c of cases) expect(c.truth!.impairments!.duplicated).toBeGreaterThan(100);
    await expectAllClean(cases, 2);
  });

  it('100,000 new conversations per second with short responses', async () => {
    const c = generatedCase(3, { eventsPerSecond: 100_000, meanResponseSegments: 0.5, retransmitAfterFin: 0.1, reorder: 0.05 }, 3e6, workDir, 'pcap');
    expect(c.truth!.maxOpen).toBeGreaterThan(500);
    await expectClean(c, false);
  });

  it('SPAN duplicates and frame-level mutations on top (no truth: the checks that hold for any input)', async () => {
    const cases = [4, 5, 6].map((seed) => buildCase(seed, [], { workDir, kind: 'generated-mutated', maxGeneratedBytes: 1e6 }));
    for (const c of cases) expect(c.truth).toBeNull();
    await expectAllClean(cases, 3);
  });
});

describe('stress: frame-level mutations', () => {
  it('a data segment replayed after its conversation closed both ways, in every kernel fixture with TCP data', async () => {
    // The shape of the reassembly crash: the same bytes again after FIN both ways, from 1 µs to 3 s after.
    const cases: StressCase[] = [];
    for (const src of fixtureSources().filter((s) => s.name.startsWith('fixtures/kernel/'))) {
      const frames = readFrames(readFileSync(src.path)).frames;
      const data = tcpDataFrames(frames);
      if (data.length === 0) continue;
      const mutations = data.map((frame, k) => ({ op: 'after-close' as const, frame, us: [1, 200_000, 3_000_000][k % 3]! }));
      // Apply from the last frame back, so the earlier indices still point at the same frames.
      for (const m of [...mutations].reverse()) applyFrameMutation(frames, m);
      cases.push({ seed: 0, source: src.name, mutations, ext: 'pcap', bytes: writeFrames({ format: 'pcap', frames }), truth: null, readable: true });
    }
    expect(cases.length).toBeGreaterThan(3);
    await expectAllClean(cases, 4);
  });

  it('the project\'s fixtures, 8 seeds', async () => {
    const sources = fixtureSources();
    const cases = Array.from({ length: 8 }, (_, i) => buildCase(100 + i, sources, { workDir, kind: 'mutated' }));
    await expectAllClean(cases, 4);
  });

  const real = sharedSources();
  const present = canRun('the real captures of ../shared/captures', real.length > 0, 'the folder beside the project');
  it.skipIf(!present)('the real captures of ../shared/captures, 8 seeds', async () => {
    const cases = Array.from({ length: 8 }, (_, i) => buildCase(200 + i, real, { workDir, kind: 'mutated' }));
    await expectAllClean(cases, 4);
  });
});

describe('stress: the harness itself', () => {
  const stamp = (sec: number, tag: number): StressFrame => ({ sec, nsec: 0, linkType: 1, data: Buffer.from([tag]), originalLength: 1 });

  it('reorder moves the bytes and leaves the timestamps in order; duplicate repeats the bytes microseconds later', () => {
    const frames = [stamp(1, 1), stamp(2, 2), stamp(3, 3), stamp(4, 4)];
    applyFrameMutation(frames, { op: 'reorder', frame: 0, by: 2 });
    expect(frames.map((f) => f.data[0])).toEqual([2, 3, 1, 4]);
    expect(frames.map((f) => f.sec)).toEqual([1, 2, 3, 4]);
    applyFrameMutation(frames, { op: 'duplicate', frame: 1, us: 20 });
    expect(frames.map((f) => f.data[0])).toEqual([2, 3, 3, 1, 4]);
    expect([frames[2]!.sec, frames[2]!.nsec]).toEqual([2, 20_000]);
  });

  it('after-close places the copy after the last frame of the same TCP conversation', () => {
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80')
      .tcp('c', 0, ['PSH', 'ACK'], 1, 1, { payload: 10 })
      .tcp('c', 0.1, ['FIN', 'ACK'], 11, 1)
      .tcp('s', 0.2, ['FIN', 'ACK'], 1, 12);
    const other = new Scenario('10.0.0.1:40001', '10.0.0.3:80').tcp('c', 0.3, ['SYN'], 1).tcp('c', 5, ['SYN'], 1);
    const { frames } = readFrames(writePcap(mergeScenarios(s, other)));
    applyFrameMutation(frames, { op: 'after-close', frame: 0, us: 1000 });
    // Data, FIN, FIN, the copy 1 ms after the second FIN, then the other conversation's SYNs.
    expect(frames.map((f) => f.data.length)).toEqual([64, 54, 54, 64, 54, 54]);
    expect(frames[3]!.data.equals(frames[0]!.data)).toBe(true);
    expect(frames[3]!.sec + frames[3]!.nsec / 1e9).toBeCloseTo(frames[2]!.sec + frames[2]!.nsec / 1e9 + 0.001, 6);
  });

  it('the same seed draws the same mutations', () => {
    const source: SourceCapture = fixtureSources().find((s) => s.name.endsWith('kernel/mix.pcap'))!;
    const draw = (): unknown => drawMutations(new Prng(7), readFrames(readFileSync(source.path)).frames, 10);
    expect(draw()).toEqual(draw());
  });

  it('minimising a crash keeps only the frames it needs', async () => {
    // A rule that fails on conversations to port 4242 (a fault injected through the public options).
    const faulty: Rule = {
      meta: { ...RULES[0]!.meta, id: 'faulty-test-rule' },
      create: () => ({
        onTcpConversationEnd(c) {
          if (c.server.port === 4242) throw new Error('injected fault');
        },
      }),
    };
    const noise = Array.from({ length: 20 }, (_, i) => new Scenario(`10.0.0.1:${41000 + i}`, '10.0.0.2:80').tcp('c', i * 0.01, ['SYN'], 1).tcp('s', i * 0.01 + 0.001, ['RST', 'ACK'], 0, 2));
    const target = new Scenario('10.0.0.1:40000', '10.0.0.9:4242').tcp('c', 0.055, ['SYN'], 1).tcp('c', 1.055, ['SYN'], 1);
    const bytes = writePcap(mergeScenarios(...noise, target));
    // First in order: the rules after it do not run once one reports.
    const min = await minimizeCrash(bytes, { rules: [faulty, ...RULES] });
    expect(min).not.toBeNull();
    expect(min!.frames).toBe(1);
    const kept = readFrames(min!.bytes).frames[0]!.data;
    expect(target.records.some((r) => kept.equals(r.data))).toBe(true);
    // Without the fault there is nothing to minimise.
    expect(await minimizeCrash(bytes)).toBeNull();
  });
});
