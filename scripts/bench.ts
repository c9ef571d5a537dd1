/**
 * `npm run bench [-- --quick] [-- --seed N]`: generates (or reuses) the benchmark captures,
 * runs the full analysis (`wirewhy analyze FILE --format json`) in a child process, and prints
 * throughput, packets per second and peak RSS; checks every report against the generator's
 * ground truth and exits 1 when they differ. Results also go to bench-data/results.json.
 *
 * Full run: 1 GB pcap and pcapng, 100 MB pcap and its gzip, read+decode only, the ratio to
 * `tshark -q -z conv,tcp` (when installed) in alternating runs, and SYN floods against the
 * flow cap, and a busy capture (200,000 new conversations a second, 50,000 open at once) that
 * must be judged whole under 200 MiB. `--quick`: the 100 MB captures only, fewer repetitions.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import Table from 'cli-table3';
import { checkAgainstTruth, generateBenchCapture, GENERATOR_VERSION, type GroundTruth, type ReportCounts } from './bench-capture.js';
import { writeBusyCapture, type BusyTruth } from './busy-capture.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench-data');
const CLI = join(ROOT, 'dist/cli/main.js');
const TIME = '/usr/bin/time';

interface Args {
  quick: boolean;
  seed: number;
  runs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, seed: 1, runs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${a} (use --quick, --seed N, --runs N)`);
  }
  if (args.runs <= 0) args.runs = args.quick ? 3 : 5;
  return args;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Build when dist is missing or older than any source file. */
function ensureBuilt(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  if (built >= newestMtime(join(ROOT, 'src'))) return;
  log('dist is stale: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build failed');
}

function fileSize(p: string): number {
  return existsSync(p) ? statSync(p).size : -1;
}

/** The capture pair for a size and seed: reused when its ground truth says it is the same one. */
function ensureCapture(name: string, seed: number, targetBytes: number, synFlood?: number): { base: string; truth: GroundTruth } {
  const base = join(DATA, name);
  const truthFile = `${base}.truth.json`;
  if (existsSync(truthFile)) {
    const t = JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
    if (t.generator === GENERATOR_VERSION && t.seed === seed && (synFlood ? t.packets === synFlood : t.targetBytes === targetBytes) && fileSize(`${base}.pcap`) === t.pcapBytes && fileSize(`${base}.pcapng`) === t.pcapngBytes) {
      return { base, truth: t };
    }
  }
  log(`generating ${name} (seed ${seed})`);
  const started = performance.now();
  const truth = generateBenchCapture({ outDir: DATA, name, seed, targetBytes, synFlood });
  log(`  ${(truth.pcapBytes / 1e6).toFixed(0)} MB pcap + ${(truth.pcapngBytes / 1e6).toFixed(0)} MB pcapng, ${truth.packets} packets, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { base, truth };
}

/** gzip -1 of the pcap, remade when older than it. */
function ensureGzip(pcap: string): string {
  const gz = `${pcap}.gz`;
  if (existsSync(gz) && statSync(gz).mtimeMs >= statSync(pcap).mtimeMs) return gz;
  log(`gzip -1 ${relative(ROOT, pcap)}`);
  const out = openSync(`${gz}.tmp`, 'w');
  const r = spawnSync('gzip', ['-1', '-c', pcap], { stdio: ['ignore', out, 'inherit'] });
  closeSync(out);
  if (r.status !== 0) throw new Error('gzip failed');
  spawnSync('mv', [`${gz}.tmp`, gz]);
  return gz;
}

interface Measured {
  seconds: number;
  maxRssKiB: number;
  status: number | null;
}

/**
 * Run a command with stdout to `stdoutPath` (default /dev/null), timing it and taking its peak
 * RSS from /usr/bin/time (or, without it, leaving RSS unknown).
 */
function measure(cmd: string, args: string[], stdoutPath = '/dev/null'): Measured {
  const out = openSync(stdoutPath, 'w');
  const timeFile = join(DATA, '.time');
  const useTime = existsSync(TIME);
  const started = performance.now();
  const r: SpawnSyncReturns<Buffer> = useTime
    ? spawnSync(TIME, ['-f', '%M', '-o', timeFile, cmd, ...args], { stdio: ['ignore', out, 'pipe'], maxBuffer: 64 * 1024 * 1024 })
    : spawnSync(cmd, args, { stdio: ['ignore', out, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  closeSync(out);
  let maxRssKiB = -1;
  if (useTime) {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    maxRssKiB = Number(lines[lines.length - 1]);
  }
  if (r.status !== 0 && r.status !== 1) log(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(0, 400)}`);
  return { seconds, maxRssKiB, status: r.status };
}

function analyze(file: string, stdoutPath?: string, extra: string[] = []): Measured {
  return measure(process.execPath, [CLI, 'analyze', file, '--format', 'json', ...extra], stdoutPath);
}

interface ReportSummary extends ReportCounts {
  capture: { packets: number; warnings: Array<{ code: string; message: string }> };
  summary: { tcpConversations: number; udpExchanges: number; findings: number; byRule: Record<string, number> };
}

interface Row {
  name: string;
  file: string;
  /** Bytes of capture data analysed (uncompressed). */
  bytes: number;
  packets: number;
  seconds: number;
  runs: number[];
  maxRssMiB: number;
  check: string;
  note?: string;
}

function mbps(r: Row): number {
  return r.bytes / 1e6 / r.seconds;
}

/** One correctness run (report kept), then `runs` timed runs; the row has the medians. */
function benchAnalyze(name: string, file: string, truth: GroundTruth, runs: number, failures: string[]): Row {
  const reportPath = join(DATA, `.${name.replace(/\W+/g, '_')}.report.json`);
  const first = analyze(file, reportPath);
  // A crash or an unreadable capture is a failed check, not a crash of the benchmark.
  const diffs = first.status === 0 || first.status === 1 ? checkAgainstTruth(JSON.parse(readFileSync(reportPath, 'utf8')) as ReportSummary, truth) : [`exit status ${first.status}`];
  for (const d of diffs) failures.push(`${name}: ${d}`);
  const times: number[] = [];
  const rss: number[] = [first.maxRssKiB];
  for (let i = 0; i < runs; i++) {
    const m = analyze(file);
    times.push(m.seconds);
    rss.push(m.maxRssKiB);
  }
  const row: Row = {
    name,
    file: relative(ROOT, file),
    bytes: truth.pcapBytes,
    packets: truth.packets,
    seconds: median(times),
    runs: times,
    maxRssMiB: Math.max(...rss) / 1024,
    check: diffs.length === 0 ? 'ok' : `FAIL (${diffs.length})`,
  };
  if (file.endsWith('.pcapng')) row.bytes = truth.pcapngBytes;
  log(`${name}: ${mbps(row).toFixed(0)} MB/s, ${row.maxRssMiB.toFixed(0)} MiB, ${row.check}`);
  return row;
}

function benchDecode(name: string, file: string, truth: GroundTruth, runs: number, failures: string[]): Row {
  const times: number[] = [];
  const rss: number[] = [];
  let packets = 0;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench-decode.ts'), file], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench-decode failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as { seconds: number; packets: number; maxRssKiB: number };
    times.push(m.seconds);
    rss.push(m.maxRssKiB);
    packets = m.packets;
  }
  const ok = packets === truth.packets;
  if (!ok) failures.push(`${name}: ${packets} packets read, expected ${truth.packets}`);
  const row: Row = { name, file: relative(ROOT, file), bytes: truth.pcapBytes, packets, seconds: median(times), runs: times, maxRssMiB: Math.max(...rss) / 1024, check: ok ? 'ok' : 'FAIL', note: 'in-process timing (no start-up)' };
  log(`${name}: ${mbps(row).toFixed(0)} MB/s`);
  return row;
}

function hasTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

interface TsharkComparison {
  file: string;
  ours: number[];
  tshark: number[];
  oursMedian: number;
  tsharkMedian: number;
  tsharkMaxRssMiB: number;
  ratio: number;
}

/** Alternating runs, ours then tshark, so both see the same machine load. */
function compareTshark(file: string, runs: number): TsharkComparison {
  const ours: number[] = [];
  const tshark: number[] = [];
  let tsharkRss = 0;
  for (let i = 0; i < runs; i++) {
    ours.push(analyze(file).seconds);
    const t = measure('tshark', ['-r', file, '-q', '-z', 'conv,tcp']);
    tshark.push(t.seconds);
    tsharkRss = Math.max(tsharkRss, t.maxRssKiB);
  }
  const oursMedian = median(ours);
  const tsharkMedian = median(tshark);
  const c = { file: relative(ROOT, file), ours, tshark, oursMedian, tsharkMedian, tsharkMaxRssMiB: tsharkRss / 1024, ratio: tsharkMedian / oursMedian };
  log(`tshark conv,tcp: ${tsharkMedian.toFixed(2)} s, ours ${oursMedian.toFixed(2)} s: ${c.ratio.toFixed(1)}x`);
  return c;
}

interface FloodResult {
  name: string;
  file: string;
  packets: number;
  seconds: number;
  maxRssMiB: number;
  tcpConversations: number;
  findings: number;
  flowCapWarning: boolean;
  check: string;
}

/** A SYN flood: one-packet flows beyond the cap; memory must stay bounded, with the warning. */
function benchFlood(name: string, file: string, expectedFlows: number | null, failures: string[]): FloodResult {
  const reportPath = join(DATA, `.${name.replace(/\W+/g, '_')}.report.json`);
  const m = analyze(file, reportPath);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ReportSummary;
  const capWarning = report.capture.warnings.some((w) => w.code === 'flow_cap_reached');
  const problems: string[] = [];
  if (expectedFlows !== null && report.summary.tcpConversations !== expectedFlows) problems.push(`tcpConversations ${report.summary.tcpConversations}, expected ${expectedFlows}`);
  if (expectedFlows !== null && !capWarning) problems.push('no flow_cap_reached warning');
  if (m.maxRssKiB / 1024 > 150) problems.push(`peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB > 150 MiB`);
  for (const p of problems) failures.push(`${name}: ${p}`);
  const r: FloodResult = {
    name,
    file: relative(ROOT, file),
    packets: report.capture.packets,
    seconds: m.seconds,
    maxRssMiB: m.maxRssKiB / 1024,
    tcpConversations: report.summary.tcpConversations,
    findings: report.summary.findings,
    flowCapWarning: capWarning,
    check: problems.length ? `FAIL (${problems.join('; ')})` : 'ok',
  };
  log(`${name}: ${r.seconds.toFixed(2)} s, ${r.maxRssMiB.toFixed(0)} MiB, cap warning ${capWarning}`);
  return r;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(DATA, { recursive: true });
  ensureBuilt();
  const failures: string[] = [];
  const load = loadavg();
  const rows: Row[] = [];

  const small = ensureCapture(`mix-100M-seed${args.seed}`, args.seed, 100e6);
  const large = args.quick ? null : ensureCapture(`mix-1G-seed${args.seed}`, args.seed, 1e9);

  if (large) {
    rows.push(benchAnalyze('1 GB pcap', `${large.base}.pcap`, large.truth, args.runs, failures));
    rows.push(benchAnalyze('1 GB pcapng', `${large.base}.pcapng`, large.truth, args.runs, failures));
  }
  rows.push(benchAnalyze('100 MB pcap', `${small.base}.pcap`, small.truth, args.runs, failures));
  if (args.quick) rows.push(benchAnalyze('100 MB pcapng', `${small.base}.pcapng`, small.truth, args.runs, failures));
  const gz = ensureGzip(`${small.base}.pcap`);
  const gzRow = benchAnalyze('100 MB pcap.gz', gz, small.truth, args.runs, failures);
  const gunzip: number[] = [];
  const nodeGunzip: number[] = [];
  // Node's own inflate (what the analysis decompresses with), in a process of its own like ours.
  const inflateOnly = `const z=require('node:zlib'),fs=require('node:fs');fs.createReadStream(process.argv[1],{highWaterMark:1<<20}).pipe(z.createGunzip({chunkSize:1<<20})).resume()`;
  for (let i = 0; i < args.runs; i++) {
    gunzip.push(measure('gzip', ['-dc', gz]).seconds);
    nodeGunzip.push(measure(process.execPath, ['-e', inflateOnly, gz]).seconds);
  }
  gzRow.note = `decompression alone: gzip -dc ${median(gunzip).toFixed(2)} s, Node's zlib ${median(nodeGunzip).toFixed(2)} s (with start-up)`;
  rows.push(gzRow);
  const decodeTarget = large ?? small;
  rows.push(benchDecode(`read+decode ${large ? '1 GB' : '100 MB'} pcap`, `${decodeTarget.base}.pcap`, decodeTarget.truth, args.runs, failures));

  let tshark: TsharkComparison | null = null;
  if (hasTshark()) tshark = compareTshark(`${small.base}.pcap`, Math.max(3, args.quick ? 3 : args.runs));
  else log('tshark not installed: no comparison');

  const floods: FloodResult[] = [];
  if (!args.quick) {
    const flood = ensureCapture(`synflood-1000000-seed${args.seed}`, args.seed, 0, 1_000_000);
    floods.push(benchFlood('SYN flood, 1M random sources', `${flood.base}.pcap`, flood.truth.tcpConversations, failures));
    const stopddos = join(ROOT, '../shared/captures/public/stopddos_synflood_spoofed.pcap');
    if (existsSync(stopddos)) floods.push(benchFlood('stopddos_synflood_spoofed.pcap', stopddos, null, failures));
  }

  // A busy server's SPAN port (200,000 new conversations a second, 50,000 open at once): every
  // conversation judged at default settings, under 200 MiB.
  let busy: string | null = null;
  if (!args.quick) {
    const file = join(DATA, 'busy-200k.pcap');
    const truth = existsSync(`${file}.truth.json`) ? (JSON.parse(readFileSync(`${file}.truth.json`, 'utf8')) as BusyTruth) : writeBusyCapture(file);
    const reportPath = join(DATA, '.busy.report.json');
    const m = analyze(file, reportPath);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ReportSummary;
    const problems: string[] = [];
    if ((report.summary.byRule['connection-refused'] ?? 0) !== truth.refused) problems.push(`refused ${report.summary.byRule['connection-refused'] ?? 0}, expected ${truth.refused}`);
    if ((report.summary.byRule['connection-reset'] ?? 0) !== truth.reset) problems.push(`reset ${report.summary.byRule['connection-reset'] ?? 0}, expected ${truth.reset}`);
    if (report.summary.tcpConversations !== truth.conversations) problems.push(`tcpConversations ${report.summary.tcpConversations}, expected ${truth.conversations}`);
    if (report.capture.warnings.some((w) => w.code === 'flow_cap_reached')) problems.push('conversations were set aside (flow_cap_reached)');
    if (m.maxRssKiB / 1024 > 200) problems.push(`peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB > 200 MiB`);
    for (const p of problems) failures.push(`busy capture: ${p}`);
    busy = `busy capture (${truth.rate} new conversations/s, ${truth.maxOpen} open at once, ${(fileSize(file) / 1e6).toFixed(0)} MB): ${m.seconds.toFixed(2)} s, ${(fileSize(file) / 1e6 / m.seconds).toFixed(0)} MB/s, peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB: ${problems.length ? `FAIL (${problems.join('; ')})` : 'ok'}`;
    log(busy);
  }

  let scan: { status: number | null } | null = null;
  const scanScript = join(ROOT, 'scripts/bench-scan.ts');
  if (existsSync(scanScript)) {
    log('running scripts/bench-scan.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', scanScript, ...(args.quick ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    scan = { status: r.status };
    if (r.status !== 0) failures.push(`scripts/bench-scan.ts exited ${r.status}`);
  }

  // The table.
  const table = new Table({ head: ['input', 'MB', 'seconds', 'MB/s', 'packets/s', 'peak RSS MiB', 'truth', 'note'] });
  for (const r of rows) {
    table.push([r.name, (r.bytes / 1e6).toFixed(0), r.seconds.toFixed(2), mbps(r).toFixed(0), `${((r.packets / r.seconds) / 1e6).toFixed(2)} M`, r.maxRssMiB.toFixed(0), r.check, r.note ?? '']);
  }
  const lines = [table.toString()];
  const pcap1g = rows.find((r) => r.name === '1 GB pcap');
  const ng1g = rows.find((r) => r.name === '1 GB pcapng');
  if (pcap1g && ng1g) lines.push(`pcapng / pcap throughput: ${((100 * mbps(ng1g)) / mbps(pcap1g)).toFixed(0)}%`);
  const p100 = rows.find((r) => r.name === '100 MB pcap');
  if (pcap1g && p100) lines.push(`peak RSS 1 GB vs 100 MB: ${pcap1g.maxRssMiB.toFixed(0)} vs ${p100.maxRssMiB.toFixed(0)} MiB`);
  if (tshark) lines.push(`tshark -q -z conv,tcp on ${tshark.file}: median ${tshark.tsharkMedian.toFixed(2)} s (peak RSS ${tshark.tsharkMaxRssMiB.toFixed(0)} MiB) vs wirewhy ${tshark.oursMedian.toFixed(2)} s: ${tshark.ratio.toFixed(1)}x faster (${tshark.ours.length} alternating runs each)`);
  if (busy) lines.push(busy);
  for (const f of floods) lines.push(`${f.name}: ${f.packets} packets in ${f.seconds.toFixed(2)} s, peak RSS ${f.maxRssMiB.toFixed(0)} MiB, ${f.tcpConversations} conversations, flow_cap_reached ${f.flowCapWarning ? 'yes' : 'no'}: ${f.check}`);
  lines.push(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at start ${load.map((x) => x.toFixed(2)).join(' ')}, node ${process.version}; medians of ${args.runs} runs`);
  process.stdout.write(lines.join('\n') + '\n');

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: load,
    args,
    truth: { small: small.truth, large: large?.truth ?? null },
    rows: rows.map((r) => ({ ...r, mbPerSecond: mbps(r), packetsPerSecond: r.packets / r.seconds })),
    tshark,
    floods,
    scan,
    failures,
  };
  writeFileSync(join(DATA, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  if (failures.length) {
    process.stdout.write(`\nFAILED: the analysis disagrees with the ground truth or a bound:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
