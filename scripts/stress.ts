/**
 * `npm run stress -- --minutes N`: realistic captures across seeds, checked against the
 * invariants of test/stress/support.ts (no thrown error, no internal_error, no exit 2 on
 * readable input, peak RSS under the bound, findings equal to the generator's truth for
 * unmutated generated captures). Seed after seed: generated traffic with spurious
 * retransmissions after FIN, SPAN duplicates, reordering, drops, replays and high connection
 * rates; real captures (../shared/captures) and the project's fixtures changed at the frame
 * level. Each failure prints its seed and mutations, is written to stress-failures/ with a
 * command that reproduces it, and the first crash of each kind is minimised to the fewest frames
 * that still crash.
 *
 *   npm run stress -- --minutes 10 [--seed S] [--jobs 2] [--cases N] [--cli-share 0.25] [--verbose]
 *   npm run stress -- --check stress-failures/seed-123.pcap   # run the checks on one file
 */
import { randomInt } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FAILURES_DIR,
  ROOT,
  buildCase,
  checkCapture,
  describeCase,
  failureSignature,
  fixtureSources,
  minimizeCrash,
  saveFailure,
  savedCaseFor,
  sharedSources,
  type CheckResult,
  type StressCase,
} from '../test/stress/support.js';

const { values, positionals } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    cases: { type: 'string' },
    'cli-share': { type: 'string', default: '0.25' },
    'max-mb': { type: 'string', default: '30' },
    check: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const log = (line: string): void => void process.stdout.write(`stress: ${line}\n`);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The checks run the built dist/: build it when it is older than src/. */
function ensureBuilt(): void {
  const cli = join(ROOT, 'dist/cli/main.js');
  if (existsSync(cli) && statSync(cli).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  log('dist/ is older than src/: npm run build');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build failed');
}

async function checkFiles(files: string[]): Promise<number> {
  let failed = 0;
  for (const file of files) {
    const saved = savedCaseFor(file);
    const r = await checkCapture(file, statSync(file).size, { truth: saved?.truth ?? null, readable: saved?.readable ?? false, cli: true });
    log(`${file}: ${r.packets} packets, ${r.findings} findings, peak RSS ${r.maxRssMiB.toFixed(0)} MiB${r.captureError ? `, not a readable capture (${r.captureError})` : ''}`);
    for (const f of r.failures) log(`  FAIL ${f}`);
    if (r.failures.length > 0) failed++;
  }
  return failed > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  ensureBuilt();
  if (values.check) return checkFiles(positionals);
  if (positionals.length > 0) {
    console.error(`unexpected ${positionals.join(' ')} (files go after --check)`);
    return 2;
  }

  const minutes = Number(values.minutes);
  const jobs = Math.max(1, Number(values.jobs));
  const maxCases = values.cases !== undefined ? Number(values.cases) : Infinity;
  const cliShare = Number(values['cli-share']);
  if (!(minutes > 0) || !(jobs > 0) || !(maxCases > 0) || !(cliShare >= 0 && cliShare <= 1)) {
    console.error('usage: npm run stress -- --minutes N [--seed S] [--jobs N] [--cases N] [--cli-share 0..1] [--max-mb N] | --check FILE...');
    return 2;
  }
  const firstSeed = values.seed !== undefined ? Number(values.seed) : randomInt(2 ** 31 - 1);
  const fixtures = fixtureSources();
  const shared = sharedSources();
  if (shared.length === 0) log('../shared/captures is absent: mutating the project\'s fixtures only');
  const sources = [...fixtures, ...shared];
  const workDir = mkdtempSync(join(tmpdir(), 'wirewhy-stress-'));
  log(`${minutes} min, first seed ${firstSeed}, ${jobs} jobs, ${fixtures.length} fixtures and ${shared.length} real captures to mutate, failures to ${relative(ROOT, FAILURES_DIR)}/`);

  const started = performance.now();
  const deadline = started + minutes * 60_000;
  let nextReport = started + 30_000;
  const stats = { cases: 0, generated: 0, truthChecked: 0, mutated: 0, unreadable: 0, cli: 0, packets: 0, bytes: 0, maxRssMiB: 0, maxRssSeed: 0 };
  const groups = new Map<string, { count: number; first: string }>();
  let failedCases = 0;
  let seed = firstSeed;

  const report = async (c: StressCase, r: CheckResult): Promise<void> => {
    stats.cases++;
    stats.packets += r.packets;
    stats.bytes += c.bytes.length;
    if (r.maxRssMiB > stats.maxRssMiB) {
      stats.maxRssMiB = r.maxRssMiB;
      stats.maxRssSeed = c.seed;
    }
    if (values.verbose) log(`seed ${c.seed}: ${(c.bytes.length / 1e6).toFixed(1)} MB, ${r.packets} packets, ${r.findings} findings, ${r.maxRssMiB.toFixed(0)} MiB, ${r.seconds.toFixed(2)} s, ${r.failures.length} failures: ${describeCase(c).slice(0, 300)}`);
    if (c.source === 'generated') stats.generated++;
    if (c.truth) stats.truthChecked++;
    if (c.mutations.length > 0) stats.mutated++;
    if (r.captureError) stats.unreadable++;
    if (r.failures.length === 0) return;
    failedCases++;
    const path = saveFailure(c, r.failures);
    const rel = relative(ROOT, path);
    const lines = [`FAILURE ${describeCase(c)}`, ...r.failures.map((f) => `  ${f}`), `  written to ${rel}; reproduce: npm run stress -- --check ${rel}   (or regenerate: npm run stress -- --seed ${c.seed} --cases 1)`];
    let newKind = false;
    for (const f of r.failures) {
      const sig = failureSignature(f);
      const g = groups.get(sig);
      if (g) g.count++;
      else {
        groups.set(sig, { count: 1, first: rel });
        newKind = true;
      }
    }
    // The first crash of each kind is minimised, within the run's time (at least 15 s, at most 2 min).
    if (r.crashed && newKind) {
      const min = await minimizeCrash(c.bytes, {}, Math.min(120_000, Math.max(15_000, deadline - performance.now())));
      if (min) {
        const minPath = path.replace(/\.(pcapng|pcap|bin)(\.gz)?$/, '.min.$1');
        writeFileSync(minPath, min.bytes);
        lines.push(`  minimised to ${min.frames} frame${min.frames === 1 ? '' : 's'} (${min.signature}): ${relative(ROOT, minPath)}; reproduce: node dist/cli/main.js analyze ${relative(ROOT, minPath)}`);
      }
    }
    log(lines.join('\n'));
  };

  const running = new Set<Promise<void>>();
  while (performance.now() < deadline && stats.cases + running.size < maxCases) {
    const s = seed++;
    let c: StressCase;
    try {
      c = buildCase(s, sources, { workDir, maxGeneratedBytes: Number(values['max-mb']) * 1e6 });
    } catch (e) {
      // Building an input is the harness's own work; its failure is a bug here, with the seed to replay it.
      log(`could not build the input of seed ${s}: ${(e as Error).stack}`);
      failedCases++;
      continue;
    }
    const file = join(workDir, `seed-${s}.${c.ext}`);
    writeFileSync(file, c.bytes);
    const cli = cliShare > 0 && s % Math.round(1 / cliShare) === 0;
    if (cli) stats.cli++;
    const p = checkCapture(file, c.bytes.length, { truth: c.truth, readable: c.readable, cli })
      .then((r) => report(c, r))
      .finally(() => {
        rmSync(join(workDir, `seed-${s}.${c.ext}`), { force: true });
        for (const ext of ['pcap', 'pcapng', 'truth.json']) rmSync(join(workDir, `gen-${s}.${ext}`), { force: true });
        running.delete(p);
      });
    running.add(p);
    if (running.size >= jobs) await Promise.race(running);
    const now = performance.now();
    if (now >= nextReport) {
      nextReport = now + 30_000;
      log(`${((now - started) / 1000).toFixed(0)} s: ${stats.cases} inputs, ${failedCases} failed`);
    }
  }
  await Promise.all(running);
  rmSync(workDir, { recursive: true, force: true });

  const seconds = (performance.now() - started) / 1000;
  log('');
  log(`done in ${seconds.toFixed(0)} s: seeds ${firstSeed} to ${seed - 1}, ${stats.cases} inputs (${stats.generated} generated, ${stats.truthChecked} of them checked against their truth; ${stats.mutated} mutated; ${stats.unreadable} not readable captures; ${stats.cli} also through the CLI)`);
  log(`${(stats.bytes / 1e6).toFixed(0)} MB and ${stats.packets.toLocaleString('en-US')} packets analysed; highest peak RSS of one analysis ${stats.maxRssMiB.toFixed(0)} MiB (seed ${stats.maxRssSeed})`);
  log(`${failedCases} failing input${failedCases === 1 ? '' : 's'}${groups.size > 0 ? ', by kind:' : ''}`);
  for (const [sig, g] of [...groups].sort((a, b) => b[1].count - a[1].count)) log(`  ${g.count} × ${sig}   (first: ${g.first})`);
  return failedCases > 0 ? 1 : 0;
}

process.exitCode = await main();
