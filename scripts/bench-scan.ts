/**
 * `npx tsx scripts/bench-scan.ts [--files N] [--mb M] [--runs R] [--dir D]`: measures how much
 * faster `wirewhy scan` is with the default --jobs (every CPU) than with --jobs 1, on a folder of
 * equal-sized captures (default 20 × 20 MB, written with the project's pcap writer into the
 * temporary folder, reused when already there). Runs the built CLI with the default text output
 * (npm run build first);
 * alternates the two settings, keeps the best wall time of each, prints the speedup.
 * `--quick` scans a smaller folder once (8 × 10 MB).
 *
 * It also prints how many cores a scan with --jobs 1 keeps busy (process CPU time over wall
 * time): V8 collects garbage and compiles on helper threads, so one analysis uses more than one
 * core, and the speedup on N cores cannot exceed N divided by that.
 * `benchScan()` is exported for the main benchmark.
 *
 * `--memory [--counts 3,41] [--formats text,json,jsonl,junit,html,check] [--jobs 2]
 * [--capture-mb 1000] [--limit-mib 300]`: the peak memory of `scan` (and `check`) per output
 * format and number of captures, on folders of N hard links to one benchmark capture
 * (scripts/bench-capture.ts, seed 1, in bench-data/; hard links, so 41 captures of 1 GB take
 * 1 GB of disk: the scan tells files apart by path, not by inode, and the script checks that
 * every link was analysed). The peak is the process's peak resident set size (getrusage
 * ru_maxrss, printed by a preloaded module at exit): scan workers are threads of that process,
 * so it is the peak of everything the scan runs. Prints a table and exits 1 when a peak passes
 * `--limit-mib` (default 300). `benchScanMemory()` is exported.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { PcapWriter } from '../dev/pcap-writer.js';
import { Scenario } from '../test/helpers/scenario.js';
import { generateBenchCapture, GENERATOR_VERSION, type GroundTruth } from './bench-capture.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin/wirewhy.js');

/** What the scan benchmark measured. */
export interface ScanBenchResult {
  files: number;
  bytesPerFile: number;
  jobs: number;
  /** Best wall-clock seconds with --jobs 1 and with the default. */
  secondsOneJob: number;
  secondsDefault: number;
  speedup: number;
  /** CPU seconds over wall seconds of the fastest --jobs 1 run: the cores one analysis keeps busy. */
  coresBusyOneJob: number;
  /** The most the default could gain: jobs / coresBusyOneJob. */
  speedupCeiling: number;
}

/** Options of {@link benchScan}. */
export interface ScanBenchOptions {
  files?: number;
  megabytes?: number;
  runs?: number;
  dir?: string;
  log?: (line: string) => void;
}

/** Preloaded into the scan: prints the process's CPU time (every thread's, also the workers') at exit. */
const CPU_PROBE = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('wirewhy-bench-cpu '+(u.user+u.system)/1e6+'\\n')})`;

/**
 * One capture of about `bytes`: conversations of several kinds (healthy with data, refused,
 * timed out, reset), so the per-packet work is the analysis's usual mix.
 */
function buildCapture(bytes: number): Buffer {
  const w = new PcapWriter();
  const parts: Buffer[] = [w.header()];
  let size = 24;
  const payload = Buffer.alloc(900, 0x61);
  for (let i = 0; size < bytes; i++) {
    const t0 = 1_700_000_000 + i * 0.01;
    const client = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 60000)}`;
    const s = new Scenario(client, `10.200.0.${i % 50}:${i % 7 === 0 ? 8080 : 443}`, { t0 });
    switch (i % 10) {
      case 0:
        s.tcp('c', 0, ['SYN'], 1).tcp('s', 0.0003, ['RST', 'ACK'], 0, 2);
        break;
      case 1:
        s.tcp('c', 0, ['SYN'], 1).tcp('c', 1, ['SYN'], 1).tcp('c', 3, ['SYN'], 1);
        break;
      case 2:
        s.tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['SYN', 'ACK'], 7, 2).tcp('c', 0.002, ['ACK'], 2, 8).tcp('s', 0.01, ['RST', 'ACK'], 8, 2);
        break;
      default: {
        s.tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['SYN', 'ACK'], 7, 2).tcp('c', 0.002, ['ACK'], 2, 8);
        let seq = 8;
        for (let k = 0; k < 8; k++) {
          s.tcp('s', 0.003 + k * 0.0001, ['ACK', 'PSH'], seq, 2, { payload });
          seq += payload.length;
        }
        s.tcp('c', 0.004, ['FIN', 'ACK'], 2, seq).tcp('s', 0.005, ['FIN', 'ACK'], seq, 3).tcp('c', 0.006, ['ACK'], 3, seq + 1);
      }
    }
    for (const r of s.records) {
      const rec = w.encodeRecord(r);
      parts.push(rec);
      size += rec.length;
    }
  }
  return Buffer.concat(parts);
}

function ensureFolder(dir: string, files: number, bytes: number, log: (s: string) => void): void {
  mkdirSync(dir, { recursive: true });
  const existing = readdirSync(dir).filter((n) => n.endsWith('.pcap'));
  if (existing.length === files && existing.every((n) => Math.abs(statSync(join(dir, n)).size - bytes) < 1_000_000)) return;
  log(`writing ${files} captures of ${(bytes / 1e6).toFixed(0)} MB into ${dir}`);
  const capture = buildCapture(bytes);
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `capture-${String(i).padStart(2, '0')}.pcap`), capture);
}

function timeScan(dir: string, jobs: number | null): { seconds: number; cpu: number } {
  const args = ['--import', CPU_PROBE, BIN, 'scan', dir, '--quiet', ...(jobs === null ? [] : ['--jobs', String(jobs)])];
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`wirewhy scan exited ${r.status}: ${r.stderr}`);
  const cpu = Number(/wirewhy-bench-cpu ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, cpu };
}

/** Measure the scan speedup of the default --jobs over --jobs 1. */
export function benchScan(options: ScanBenchOptions = {}): ScanBenchResult {
  const files = options.files ?? 20;
  const bytes = Math.round((options.megabytes ?? 20) * 1e6);
  const runs = options.runs ?? 3;
  const dir = options.dir ?? join(tmpdir(), `wirewhy-bench-scan-${files}x${options.megabytes ?? 20}MB`);
  const log = options.log ?? ((s: string) => console.log(s));
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
  ensureFolder(dir, files, bytes, log);
  // Warm the page cache so both settings read from memory.
  timeScan(dir, null);
  let one = { seconds: Infinity, cpu: NaN };
  let all = { seconds: Infinity, cpu: NaN };
  for (let i = 0; i < runs; i++) {
    const a = timeScan(dir, 1);
    const b = timeScan(dir, null);
    log(
      `run ${i + 1}: --jobs 1 ${a.seconds.toFixed(2)} s (CPU ${a.cpu.toFixed(2)} s), default (${availableParallelism()} CPUs) ${b.seconds.toFixed(2)} s (CPU ${b.cpu.toFixed(2)} s) (load average ${loadavg()[0]!.toFixed(2)})`,
    );
    if (a.seconds < one.seconds) one = a;
    if (b.seconds < all.seconds) all = b;
  }
  const jobs = availableParallelism();
  const coresBusyOneJob = one.cpu / one.seconds;
  return {
    files,
    bytesPerFile: bytes,
    jobs,
    secondsOneJob: one.seconds,
    secondsDefault: all.seconds,
    speedup: one.seconds / all.seconds,
    coresBusyOneJob,
    speedupCeiling: jobs / coresBusyOneJob,
  };
}

/** Formats `--memory` measures by default (`check` is `wirewhy check` on the same captures). */
export const MEMORY_FORMATS = ['text', 'json', 'jsonl', 'junit', 'html', 'check'] as const;

/** Options of {@link benchScanMemory}. */
export interface ScanMemoryOptions {
  /** Numbers of captures to scan (default 3 and 41). */
  counts?: number[];
  formats?: string[];
  /** --jobs (default 2). */
  jobs?: number;
  /** Size of the capture each folder links to, in MB (default 1000). */
  captureMegabytes?: number;
  log?: (line: string) => void;
}

/** One measured scan. */
export interface ScanMemoryRow {
  format: string;
  captures: number;
  /** Peak resident set size of the process (main thread and workers), MiB. */
  peakMiB: number;
  seconds: number;
}

/** Preloaded into a measured scan: prints the process's peak RSS (KiB, all threads) at exit. */
const RSS_PROBE = `data:text/javascript,process.on('exit',()=>{process.stderr.write('wirewhy-bench-maxrss '+process.resourceUsage().maxRSS+'\\n')})`;

const DATA = join(ROOT, 'bench-data');

/** The benchmark capture of `megabytes` (seed 1), generated unless bench-data/ already holds it. */
function ensureBenchCapture(megabytes: number, log: (s: string) => void): string {
  const name = megabytes % 1000 === 0 ? `mix-${megabytes / 1000}G-seed1` : `mix-${megabytes}M-seed1`;
  const base = join(DATA, name);
  const truthFile = `${base}.truth.json`;
  if (existsSync(truthFile)) {
    const t = JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
    if (t.generator === GENERATOR_VERSION && t.targetBytes === megabytes * 1e6 && existsSync(`${base}.pcap`) && statSync(`${base}.pcap`).size === t.pcapBytes) return `${base}.pcap`;
  }
  log(`generating ${name}`);
  generateBenchCapture({ outDir: DATA, name, seed: 1, targetBytes: megabytes * 1e6 });
  return `${base}.pcap`;
}

/** `dir` holding exactly `count` hard links to `capture` (c01.pcap, …), and `extra(name)` beside each. */
function linkFolder(dir: string, capture: string, count: number, extra?: (name: string) => void): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const width = String(count).length;
  for (let i = 1; i <= count; i++) {
    const name = `c${String(i).padStart(width, '0')}`;
    linkSync(capture, join(dir, `${name}.pcap`));
    extra?.(name);
  }
}

/** Run the built CLI with the RSS probe; output goes to a temporary file, removed after. */
function measure(args: string[], expectStatus: number): { peakMiB: number; seconds: number; stdout: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'wirewhy-bench-mem-'));
  const outFile = join(tmp, 'out');
  const fd = openSync(outFile, 'w');
  try {
    const start = performance.now();
    const r = spawnSync(process.execPath, ['--import', RSS_PROBE, BIN, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    const seconds = (performance.now() - start) / 1000;
    closeSync(fd);
    if (r.status !== expectStatus) throw new Error(`wirewhy ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const kib = Number(/wirewhy-bench-maxrss (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    // Only the short outputs are read back (to check what was scanned).
    const stdout = statSync(outFile).size < 10_000_000 ? readFileSync(outFile, 'utf8') : '';
    return { peakMiB: kib / 1024, seconds, stdout };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Measure the peak memory of `scan` in each format (and of `check`) on folders of `counts`
 * captures, all hard links to one benchmark capture.
 */
export async function benchScanMemory(options: ScanMemoryOptions = {}): Promise<ScanMemoryRow[]> {
  const counts = options.counts ?? [3, 41];
  const formats = options.formats ?? [...MEMORY_FORMATS];
  const jobs = options.jobs ?? 2;
  const log = options.log ?? ((s: string) => console.log(s));
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
  const capture = ensureBenchCapture(options.captureMegabytes ?? 1000, log);
  const { findCaptures } = (await import(pathToFileURL(join(ROOT, 'dist/scan/index.js')).href)) as typeof import('../src/scan/index.js');
  const root = join(DATA, 'scan-memory');
  let expectation: string | null = null;
  if (formats.includes('check')) {
    // One expectation, made by check --update, linked beside every capture of the check folders.
    const one = join(root, 'expect-1');
    linkFolder(one, capture, 1);
    measure(['check', one, '--update', '--quiet'], 0);
    expectation = join(one, 'c1.expect.json');
  }
  const rows: ScanMemoryRow[] = [];
  for (const count of counts) {
    const dir = join(root, `scan-${count}`);
    linkFolder(dir, capture, count);
    // The scan must see every link as a capture of its own, or the count would be a lie.
    const found = (await findCaptures([dir])).captures.length;
    if (found !== count) throw new Error(`the scan found ${found} captures among ${count} hard links in ${dir}: it no longer tells links apart; use distinct captures`);
    for (const format of formats) {
      log(`${format}, ${count} captures of ${(statSync(capture).size / 1e6).toFixed(0)} MB, --jobs ${jobs} (load average ${loadavg()[0]!.toFixed(2)})`);
      let m;
      if (format === 'check') {
        const checkDir = join(root, `check-${count}`);
        linkFolder(checkDir, capture, count, (name) => linkSync(expectation!, join(checkDir, `${name}.expect.json`)));
        m = measure(['check', checkDir, '--jobs', String(jobs), '--quiet'], 0);
        if (!m.stdout.includes(`${count} capture${count === 1 ? '' : 's'}: ${count} passed`)) throw new Error(`check did not pass ${count} captures:\n${m.stdout.slice(-500)}`);
      } else {
        m = measure(['scan', dir, '--format', format, '--jobs', String(jobs), '--quiet'], 0);
        if (format === 'text' && !m.stdout.includes(`Scanned ${count} capture${count === 1 ? '' : 's'} (${count} analysed`)) throw new Error(`scan did not analyse ${count} captures:\n${m.stdout.slice(0, 500)}`);
      }
      log(`  peak ${m.peakMiB.toFixed(0)} MiB in ${m.seconds.toFixed(1)} s`);
      rows.push({ format, captures: count, peakMiB: m.peakMiB, seconds: m.seconds });
    }
  }
  return rows;
}

/** The rows as a table: a line per format, a column per number of captures, and the growth. */
export function formatScanMemory(rows: readonly ScanMemoryRow[], limitMiB: number): string {
  const counts = [...new Set(rows.map((r) => r.captures))].sort((a, b) => a - b);
  const formats = [...new Set(rows.map((r) => r.format))];
  const table = new Table({ head: ['format', ...counts.map((n) => `${n} captures: peak MiB (s)`), 'MiB per added capture', `≤ ${limitMiB} MiB`] });
  for (const format of formats) {
    const mine = counts.map((n) => rows.find((r) => r.format === format && r.captures === n));
    const first = mine[0];
    const last = mine[mine.length - 1];
    const growth = first && last && last.captures > first.captures ? ((last.peakMiB - first.peakMiB) / (last.captures - first.captures)).toFixed(2) : '';
    const within = mine.every((r) => !r || r.peakMiB <= limitMiB);
    table.push([format, ...mine.map((r) => (r ? `${r.peakMiB.toFixed(0)} (${r.seconds.toFixed(0)})` : '')), growth, within ? 'yes' : 'NO']);
  }
  const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
  return `${table.toString()}\n${machine}`;
}

function parseArgs(argv: string[]): ScanBenchOptions & { memory?: ScanMemoryOptions & { limitMiB: number } } {
  const o: ScanBenchOptions & { memory?: ScanMemoryOptions & { limitMiB: number } } = {};
  const memory = (): ScanMemoryOptions & { limitMiB: number } => (o.memory ??= { limitMiB: 300 });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') {
      o.files ??= 8;
      o.megabytes ??= 10;
      o.runs ??= 1;
      continue;
    }
    if (a === '--memory') {
      memory();
      continue;
    }
    const v = argv[++i];
    if (a === '--files') o.files = Number(v);
    else if (a === '--mb') o.megabytes = Number(v);
    else if (a === '--runs') o.runs = Number(v);
    else if (a === '--dir') o.dir = v;
    else if (a === '--counts') memory().counts = v!.split(',').map(Number);
    else if (a === '--formats') memory().formats = v!.split(',');
    else if (a === '--jobs') memory().jobs = Number(v);
    else if (a === '--capture-mb') memory().captureMegabytes = Number(v);
    else if (a === '--limit-mib') memory().limitMiB = Number(v);
    else throw new Error(`unknown argument ${a} (use --quick, --files N, --mb M, --runs R, --dir D; --memory, --counts A,B, --formats F,G, --jobs N, --capture-mb M, --limit-mib L)`);
  }
  return o;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.memory) {
    const rows = await benchScanMemory(args.memory);
    console.log(formatScanMemory(rows, args.memory.limitMiB));
    if (rows.some((r) => r.peakMiB > args.memory!.limitMiB)) process.exitCode = 1;
    return;
  }
  const r = benchScan(args);
  const total = (r.files * r.bytesPerFile) / 1e6;
  console.log(
    `scan of ${r.files} × ${(r.bytesPerFile / 1e6).toFixed(0)} MB: --jobs 1 ${r.secondsOneJob.toFixed(2)} s (${(total / r.secondsOneJob).toFixed(0)} MB/s), ` +
      `default (${r.jobs} CPUs) ${r.secondsDefault.toFixed(2)} s (${(total / r.secondsDefault).toFixed(0)} MB/s): speedup ${r.speedup.toFixed(2)}x`,
  );
  console.log(
    `--jobs 1 keeps ${r.coresBusyOneJob.toFixed(2)} cores busy (garbage collection and compilation run on helper threads), ` +
      `so ${r.jobs} jobs can be at most ${r.speedupCeiling.toFixed(2)}x faster on ${r.jobs} cores`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
