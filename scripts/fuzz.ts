/**
 * Long fuzz run: the generators and oracle of test/fuzz, with random seeds, in-process, for N
 * minutes. Reports inputs per second; writes every failing input to test/fuzz/regressions/ with
 * its expected outcome (then `npm test` replays it). A watchdog thread writes the input in
 * flight and ends the run when one input hangs.
 *
 *   npm run fuzz -- --minutes 5 [--seed S] [--batch 200] [--hang-seconds 30]
 */
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import {
  DECODERS,
  REGRESSIONS_DIR,
  SUPPORTED_LINK_TYPES,
  captureCaseArb,
  checkDecoder,
  checkFrame,
  checkPipeline,
  checkReader,
  decoderCaseArb,
  materialize,
  saveRegression,
  type CaptureCase,
  type DecoderCase,
  type RegressionCase,
} from '../test/fuzz/support.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string' },
    batch: { type: 'string', default: '200' },
    'hang-seconds': { type: 'string', default: '30' },
  },
});
const minutes = Number(values.minutes);
const batch = Number(values.batch);
const hangSeconds = Number(values['hang-seconds']);
if (!(minutes > 0) || !(batch > 0) || !(hangSeconds > 0)) {
  console.error('usage: npm run fuzz -- --minutes N [--seed S] [--batch N] [--hang-seconds N]');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Watchdog: the input in flight sits in shared memory; a worker writes it out if it hangs.

const MAX_SHARED_INPUT = 16 * 1024 * 1024;
/** [0] sequence number of the input in flight, [1] its length, [2] busy flag; then the JSON case. */
const control = new Int32Array(new SharedArrayBuffer(4 * 4));
const caseText = new Uint8Array(new SharedArrayBuffer(64 * 1024));
const inputBytes = new Uint8Array(new SharedArrayBuffer(MAX_SHARED_INPUT));
const encoder = new TextEncoder();

const watchdogSource = `
const { workerData } = require('node:worker_threads');
const { writeFileSync, mkdirSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { control, caseText, inputBytes, dir, hangSeconds } = workerData;
let lastSeq = -1, since = Date.now();
setInterval(() => {
  const seq = Atomics.load(control, 0);
  if (seq !== lastSeq || Atomics.load(control, 2) === 0) { lastSeq = seq; since = Date.now(); return; }
  if (Date.now() - since < hangSeconds * 1000) return;
  const bytes = Buffer.from(inputBytes.subarray(0, Atomics.load(control, 1)));
  const end = caseText.indexOf(0);
  const c = JSON.parse(Buffer.from(caseText.subarray(0, end < 0 ? caseText.length : end)).toString());
  c.failure = 'hang: no result after ' + hangSeconds + ' s';
  const name = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  mkdirSync(dir, { recursive: true });
  writeFileSync(dir + '/' + name + '.bin', bytes);
  writeFileSync(dir + '/' + name + '.json', JSON.stringify(c, null, 2) + '\\n');
  process.stderr.write('fuzz: HANG: input written to ' + dir + '/' + name + '.bin\\n');
  process.exit(3);
}, 1000);
`;
const watchdog = new Worker(watchdogSource, { eval: true, workerData: { control, caseText, inputBytes, dir: REGRESSIONS_DIR, hangSeconds } });
watchdog.unref();

/** Publish the input about to run, for the watchdog. */
function inFlight(bytes: Uint8Array, c: RegressionCase): void {
  const n = Math.min(bytes.length, MAX_SHARED_INPUT);
  inputBytes.set(bytes.subarray(0, n));
  const text = encoder.encode(JSON.stringify(c));
  caseText.fill(0);
  caseText.set(text.subarray(0, caseText.length - 1));
  Atomics.store(control, 1, n);
  Atomics.add(control, 0, 1);
  Atomics.store(control, 2, 1);
}

function idle(): void {
  Atomics.store(control, 2, 0);
}

// ---------------------------------------------------------------------------------------------
// Targets: each is a property over a generator, and a way to turn a counterexample into a file.

interface Target {
  name: string;
  /** Share of the run's batches. */
  weight: number;
  property(count: () => void): fc.IAsyncPropertyWithHooks<unknown[]> | fc.IAsyncProperty<unknown[]>;
  regression(counterexample: unknown[]): { bytes: Uint8Array; case: RegressionCase };
}

const PIPELINE_CHUNK = fc.integer({ min: 0, max: 64 });

function pipelineCase(c: CaptureCase, chunk: number): { bytes: Uint8Array; case: RegressionCase } {
  return { bytes: materialize(c), case: { target: 'pipeline', chunk, expected: { outcome: 'no-crash' }, failure: '' } };
}

function decoderRegression(c: DecoderCase): { bytes: Uint8Array; case: RegressionCase } {
  return {
    bytes: c.bytes,
    case: { target: 'decoder', decoder: DECODERS[c.decoder % DECODERS.length]![0], offset: c.offset, length: c.length, wireExtra: c.wireExtra, expected: { outcome: 'no-crash' }, failure: '' },
  };
}

const targets: Target[] = [
  {
    name: 'pipeline',
    weight: 4,
    property: (count) =>
      fc.asyncProperty(captureCaseArb, PIPELINE_CHUNK, async (c, chunk) => {
        count();
        const r = pipelineCase(c, chunk);
        inFlight(r.bytes, r.case);
        await checkPipeline(Buffer.from(r.bytes), chunk);
        idle();
      }) as fc.IAsyncProperty<unknown[]>,
    regression: ([c, chunk]) => pipelineCase(c as CaptureCase, chunk as number),
  },
  {
    name: 'reader',
    weight: 3,
    property: (count) =>
      fc.asyncProperty(captureCaseArb, async (c) => {
        count();
        if (c.kind === 'mutant' && c.gzip !== 'none') return; // gzip is the pipeline's
        const bytes = materialize(c);
        inFlight(bytes, { target: 'reader', expected: { outcome: 'no-crash' }, failure: '' });
        await checkReader(bytes);
        idle();
      }) as fc.IAsyncProperty<unknown[]>,
    regression: ([c]) => ({ bytes: materialize(c as CaptureCase), case: { target: 'reader', expected: { outcome: 'no-crash' }, failure: '' } }),
  },
  {
    name: 'decoder',
    weight: 2,
    property: (count) =>
      fc.asyncProperty(decoderCaseArb, async (c) => {
        count();
        const r = decoderRegression(c);
        inFlight(r.bytes, r.case);
        await checkDecoder(c);
        idle();
      }) as fc.IAsyncProperty<unknown[]>,
    regression: ([c]) => decoderRegression(c as DecoderCase),
  },
  {
    name: 'frame',
    weight: 1,
    property: (count) =>
      fc.asyncProperty(fc.constantFrom(...SUPPORTED_LINK_TYPES), fc.uint8Array({ maxLength: 1600 }), async (linkType, bytes) => {
        count();
        inFlight(bytes, { target: 'frame', linkType, expected: { outcome: 'no-crash' }, failure: '' });
        checkFrame(linkType, Buffer.from(bytes));
        idle();
      }) as fc.IAsyncProperty<unknown[]>,
    regression: ([linkType, bytes]) => ({ bytes: bytes as Uint8Array, case: { target: 'frame', linkType: linkType as number, expected: { outcome: 'no-crash' }, failure: '' } }),
  },
];

// ---------------------------------------------------------------------------------------------
// The run.

const counts = new Map<string, number>(targets.map((t) => [t.name, 0]));
const failures: string[] = [];
const started = performance.now();
const deadline = started + minutes * 60_000;
let nextReport = started + 15_000;
let peakRss = process.memoryUsage().rss;
const schedule = targets.flatMap((t) => Array.from({ length: t.weight }, () => t));
let runSeed = values.seed !== undefined ? Number(values.seed) : randomInt(2 ** 31 - 1);
console.log(`fuzz: ${minutes} min, batches of ${batch}, first seed ${runSeed}, regressions in ${REGRESSIONS_DIR}`);

function total(): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}

for (let round = 0; performance.now() < deadline; round++) {
  const target = schedule[round % schedule.length]!;
  const seed = runSeed;
  runSeed = values.seed !== undefined ? (runSeed + 1) % (2 ** 31 - 1) : randomInt(2 ** 31 - 1);
  const details = await fc.check(target.property(() => counts.set(target.name, counts.get(target.name)! + 1)), { seed, numRuns: batch });
  idle();
  if (details.failed && details.counterexample) {
    const { bytes, case: c } = target.regression(details.counterexample as unknown[]);
    const err = details.errorInstance as Error | undefined;
    c.failure = `${err?.message ?? String(details.errorInstance)} (fast-check seed ${seed}, path ${details.counterexamplePath})`;
    const path = saveRegression(bytes, c);
    failures.push(`${target.name}: ${c.failure.split('\n')[0]} -> ${path}`);
    console.log(`fuzz: FAILURE in ${target.name} (seed ${seed}, path ${details.counterexamplePath}): ${c.failure.split('\n')[0]}\n      input written to ${path}`);
  } else if (details.failed) {
    failures.push(`${target.name}: run failed without a counterexample (seed ${seed}): ${String(details.errorInstance)}`);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const now = performance.now();
  if (now >= nextReport) {
    nextReport = now + 15_000;
    const s = (now - started) / 1000;
    console.log(`fuzz: ${s.toFixed(0)} s, ${total().toLocaleString('en-US')} inputs (${Math.round(total() / s).toLocaleString('en-US')}/s), ${failures.length} failures`);
  }
}

const seconds = (performance.now() - started) / 1000;
const n = total();
console.log('');
console.log(`fuzz: done in ${seconds.toFixed(1)} s: ${n.toLocaleString('en-US')} inputs, ${Math.round(n / seconds).toLocaleString('en-US')} inputs/s`);
console.log(`fuzz: per target: ${[...counts].map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`);
console.log(`fuzz: peak RSS ${(peakRss / 1048576).toFixed(0)} MiB`);
console.log(`fuzz: ${failures.length} failures (uncaught exceptions, CaptureErrors without a finite offset, invalid output, inputs over the time bound of 50 ms + 2 µs/byte + 0.2 ms per stream chunk)`);
for (const f of failures) console.log(`  ${f}`);
mkdirSync(REGRESSIONS_DIR, { recursive: true });
process.exitCode = failures.length > 0 ? 1 : 0;
