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
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcapWriter } from '../test/helpers/pcap-writer.js';
import { Scenario } from '../test/helpers/scenario.js';

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

function parseArgs(argv: string[]): ScanBenchOptions {
  const o: ScanBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') {
      o.files ??= 8;
      o.megabytes ??= 10;
      o.runs ??= 1;
      continue;
    }
    const v = argv[++i];
    if (a === '--files') o.files = Number(v);
    else if (a === '--mb') o.megabytes = Number(v);
    else if (a === '--runs') o.runs = Number(v);
    else if (a === '--dir') o.dir = v;
    else throw new Error(`unknown argument ${a} (use --quick, --files N, --mb M, --runs R, --dir D)`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = benchScan(parseArgs(process.argv.slice(2)));
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
