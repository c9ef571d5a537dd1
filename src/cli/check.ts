/**
 * `wirewhy check PATH...`: compare each capture's findings with NAME.expect.json beside it;
 * `--update` writes the expectation files instead (like a snapshot update).
 *
 * Exit status: 0 every capture matches its expectation; 1 a capture differs or has no
 * expectation file; 2 a capture or an expectation file cannot be read, or no capture was found
 * (2 wins, as in scan).
 * A capture without an expectation is a failure, not a pass: in CI it is usually a fixture
 * added without `check --update`, and passing it would check nothing (jest --ci treats a
 * missing snapshot the same way).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CheckOutcome } from '../model/check.js';
import { EXPECTATION_PART } from '../model/parts.js';
import { REPORTERS, type ReporterName } from '../report/index.js';
import { scanPaths, type PoolOptions } from '../scan/index.js';
import { CapturePartStore } from '../scan/parts.js';
import { describeSystemError } from '../report/errors.js';
import { diffExpectation, expectationPath, isExpectationFile, isMatch, parseExpectation } from '../scan/expect.js';
import { jobsForCores } from './jobs.js';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREADABLE, useColor, useUnicode, type CliIo } from './io.js';
import { noCapturesLines } from './no-captures.js';

/** Options of `wirewhy check`. */
export interface CheckCommandOptions {
  format: string;
  update?: boolean;
  jobs?: number;
  quiet?: boolean;
  maxFlows?: number;
}

// What happened to each capture is plain data (model/check.ts); its reporters are in report/check.ts.
export type { CheckOutcome, CheckStatus } from '../model/check.js';
export { formatCheckJson, formatCheckJunit, formatCheckText } from '../report/check.js';

function readExpectation(path: string): { text: string } | { missing: true } | { error: string } {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { missing: true };
    return { error: `cannot read: ${describeSystemError(err)}` };
  }
}

/**
 * What the scan of `check` asks of its workers: each capture's expectation, kept in `parts`;
 * nothing else of a capture (no findings, no tally) stays once it is done.
 */
export function checkScanOptions(parts: CapturePartStore): Pick<PoolOptions, 'keepFindings' | 'parts' | 'onResult'> {
  return { keepFindings: false, parts, onResult: (r) => void delete r.tally };
}

/** Compare (or, with `update`, write) every capture under `paths`. */
export async function checkCaptures(
  paths: string[],
  opts: CheckCommandOptions,
  io: CliIo,
  signal?: { stopped: boolean },
): Promise<{ outcomes: CheckOutcome[]; seconds: number; noCaptures: string[] | null }> {
  // Each capture's worker makes its expectation and keeps it on disk; it is read back when its
  // turn comes, so a folder of captures with thousands of findings each is never in memory.
  const parts = new CapturePartStore({ kind: EXPECTATION_PART });
  try {
    return await compareWithExpectations(paths, opts, io, signal, parts);
  } finally {
    parts.close();
  }
}

async function compareWithExpectations(
  paths: string[],
  opts: CheckCommandOptions,
  io: CliIo,
  signal: { stopped: boolean } | undefined,
  parts: CapturePartStore,
): Promise<{ outcomes: CheckOutcome[]; seconds: number; noCaptures: string[] | null }> {
  const result = await scanPaths(paths, {
    ...checkScanOptions(parts),
    ignore: isExpectationFile,
    jobs: jobsForCores(opts.jobs, io),
    maxFlows: opts.maxFlows,
    shouldStop: signal ? () => signal.stopped : undefined,
    progress: io.stderr.isTTY && !opts.quiet ? { stream: io.stderr as { write(s: string): unknown; columns?: number }, unicode: useUnicode(io) } : undefined,
  });
  const outcomes: CheckOutcome[] = result.pathErrors.map((e) => ({ file: e.path, expectation: '', status: 'error', error: `wirewhy: ${e.path}: ${e.message}` }));
  const claimed = new Map<string, string>();
  for (const f of result.files) {
    const expectation = expectationPath(f.file);
    const o: CheckOutcome = { file: f.file, expectation, status: 'pass' };
    outcomes.push(o);
    if (f.error || !f.report) {
      o.status = f.error ? 'error' : 'not-run';
      if (f.error) o.error = f.error.line;
      continue;
    }
    // Two captures (x.pcap, x.pcapng) would share x.expect.json: refuse rather than mix them.
    const other = claimed.get(expectation);
    if (other !== undefined) {
      o.status = 'error';
      o.error = `wirewhy: ${f.file}: its expectation file ${expectation} also belongs to ${other}; rename one capture`;
      continue;
    }
    claimed.set(expectation, f.file);
    const text = parts.text(f.part!.at);
    const actual = parseExpectation(text);
    o.findings = actual.findings.length;
    const current = readExpectation(expectation);
    if (opts.update) {
      if ('text' in current && current.text === text) {
        o.status = 'unchanged';
        continue;
      }
      try {
        writeFileSync(expectation, text);
        o.status = 'missing' in current ? 'written' : 'updated';
      } catch (e) {
        o.status = 'error';
        o.error = `wirewhy: ${expectation}: cannot write: ${describeSystemError(e)}`;
      }
      continue;
    }
    if ('missing' in current) {
      o.status = 'no-expectation';
      continue;
    }
    if ('error' in current) {
      o.status = 'error';
      o.error = `wirewhy: ${expectation}: ${current.error}`;
      continue;
    }
    let expected;
    try {
      expected = parseExpectation(current.text);
    } catch (e) {
      o.status = 'error';
      o.error = `wirewhy: ${expectation}: ${(e as Error).message}`;
      continue;
    }
    o.diff = diffExpectation(expected.findings, actual.findings);
    o.status = isMatch(o.diff) ? 'pass' : 'fail';
  }
  return { outcomes, seconds: result.seconds, noCaptures: noCapturesLines(paths, result) };
}

/** The exit status of a check (see the module comment). */
export function checkExitStatus(outcomes: readonly CheckOutcome[]): number {
  if (outcomes.some((o) => o.status === 'not-run')) return EXIT_INTERRUPTED;
  if (outcomes.some((o) => o.status === 'error')) return EXIT_UNREADABLE;
  if (outcomes.some((o) => o.status === 'fail' || o.status === 'no-expectation')) return EXIT_FINDINGS;
  return EXIT_OK;
}

/** Run `wirewhy check`. Returns the exit status. */
export async function runCheck(paths: string[], opts: CheckCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  const { outcomes, seconds, noCaptures } = await checkCaptures(paths, opts, io, signal);
  if (noCaptures) {
    for (const line of noCaptures) io.stderr.write(`${line}\n`);
    return EXIT_UNREADABLE;
  }
  const output = await REPORTERS[opts.format as ReporterName].check!.load();
  io.stdout.write(output.format(outcomes, seconds, { color: useColor(io), unicode: useUnicode(io) }));
  return checkExitStatus(outcomes);
}
