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
import { VERSION } from '../version.js';
import { junitXml, type JunitCase } from '../report/junit.js';
import { terminalStyle } from '../report/terminal.js';
import { scanPaths, type PoolOptions } from '../scan/index.js';
import { CapturePartStore } from '../scan/parts.js';
import { describeSystemError } from '../report/errors.js';
import {
  diffExpectation,
  expectationPath,
  formatDiffLines,
  isExpectationFile,
  isMatch,
  parseExpectation,
  type ExpectationDiff,
} from '../scan/expect.js';
import { jobsForCores } from './jobs.js';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREADABLE, useColor, useUnicode, type CliIo } from './io.js';
import { noCapturesLines } from './no-captures.js';

/** Output formats of `check`. */
export { CHECK_FORMATS } from './formats.js';

/** Options of `wirewhy check`. */
export interface CheckCommandOptions {
  format: string;
  update?: boolean;
  jobs?: number;
  quiet?: boolean;
  maxFlows?: number;
}

/** What happened to one capture. */
export type CheckStatus = 'pass' | 'fail' | 'no-expectation' | 'error' | 'written' | 'updated' | 'unchanged' | 'not-run';

/** The outcome for one capture. */
export interface CheckOutcome {
  file: string;
  expectation: string;
  status: CheckStatus;
  findings?: number;
  diff?: ExpectationDiff;
  /** One line, for 'error'. */
  error?: string;
  seconds?: number;
}

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
  const parts = new CapturePartStore({ kind: 'expectation' });
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

function noExpectationMessage(o: CheckOutcome): string {
  return `no expectation file ${o.expectation} (wirewhy check --update writes it)`;
}

/** Text for people: one line per capture, the diff under each failing one, and a count. */
export function formatCheckText(outcomes: readonly CheckOutcome[], opts: { color: boolean; unicode: boolean }): string {
  const style = terminalStyle(opts);
  const t = style.text;
  const lines: string[] = [];
  const counts = new Map<CheckStatus, number>();
  for (const o of outcomes) {
    counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
    const n = o.findings !== undefined ? ` (${o.findings} finding${o.findings === 1 ? '' : 's'})` : '';
    switch (o.status) {
      case 'pass':
        lines.push(`${style.green('PASS')}  ${t(o.file)}${n}`);
        break;
      case 'fail':
        lines.push(`${style.bold(style.red('FAIL'))}  ${t(o.file)}: findings differ from ${t(o.expectation)}`);
        for (const l of formatDiffLines(o.diff!, style.arrow)) lines.push(`      ${t(l)}`);
        break;
      case 'no-expectation':
        lines.push(`${style.red('NONE')}  ${t(o.file)}: ${t(noExpectationMessage(o))}`);
        break;
      case 'error':
        lines.push(`${style.bold(style.red('ERROR'))} ${t(o.error ?? o.file)}`);
        break;
      case 'written':
        lines.push(`${style.cyan('WROTE')} ${t(o.expectation)}${n}`);
        break;
      case 'updated':
        lines.push(`${style.yellow('UPDATED')} ${t(o.expectation)}${n}`);
        break;
      case 'unchanged':
        lines.push(`${style.dim('SAME')}  ${t(o.expectation)}${n}`);
        break;
      case 'not-run':
        lines.push(`${style.yellow('SKIP')}  ${t(o.file)}: not analysed (interrupted)`);
        break;
    }
  }
  const parts: string[] = [];
  const label: Array<[CheckStatus, string]> = [
    ['pass', 'passed'],
    ['fail', 'failed'],
    ['no-expectation', 'without expectation'],
    ['error', 'unreadable'],
    ['written', 'written'],
    ['updated', 'updated'],
    ['unchanged', 'unchanged'],
    ['not-run', 'not analysed'],
  ];
  for (const [s, name] of label) if (counts.get(s)) parts.push(`${counts.get(s)} ${name}`);
  lines.push('');
  lines.push(style.bold(`${outcomes.length} capture${outcomes.length === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`));
  return `${lines.join('\n')}\n`;
}

/** JUnit: one test suite for the run, one test case per capture, the diff in the failure. */
export function formatCheckJunit(outcomes: readonly CheckOutcome[], seconds: number): string {
  const cases: JunitCase[] = outcomes.map((o) => {
    const c: JunitCase = { name: o.file, classname: 'wirewhy.check' };
    switch (o.status) {
      case 'fail': {
        const d = o.diff!;
        const message = `findings differ from ${o.expectation}: ${d.missing.length} missing, ${d.unexpected.length} unexpected, ${d.changed.length} changed`;
        c.failure = { message, type: 'expectation', text: [`${o.file}: ${message}`, ...formatDiffLines(d)].join('\n') };
        break;
      }
      case 'no-expectation':
        c.failure = { message: noExpectationMessage(o), type: 'no-expectation' };
        break;
      case 'error':
        c.error = { message: o.error ?? o.file, type: 'unreadable' };
        break;
      case 'not-run':
        // An error, not "skipped": CI shows skipped tests as passing, and nothing was compared.
        c.error = { message: 'not analysed: the check was interrupted', type: 'interrupted' };
        break;
      default:
        if (o.findings !== undefined) c.systemOut = `${o.findings} finding${o.findings === 1 ? '' : 's'} as expected`;
    }
    return c;
  });
  return junitXml([{ name: 'wirewhy check', time: seconds, cases }]);
}

/** JSON: every capture's status and diff. */
export function formatCheckJson(outcomes: readonly CheckOutcome[]): string {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return `${JSON.stringify({ schemaVersion: 1, kind: 'check', tool: { name: 'wirewhy', version: VERSION }, captures: outcomes, counts }, null, 2)}\n`;
}

/** Run `wirewhy check`. Returns the exit status. */
export async function runCheck(paths: string[], opts: CheckCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  const { outcomes, seconds, noCaptures } = await checkCaptures(paths, opts, io, signal);
  if (noCaptures) {
    for (const line of noCaptures) io.stderr.write(`${line}\n`);
    return EXIT_UNREADABLE;
  }
  switch (opts.format) {
    case 'junit':
      io.stdout.write(formatCheckJunit(outcomes, seconds));
      break;
    case 'json':
      io.stdout.write(formatCheckJson(outcomes));
      break;
    default:
      io.stdout.write(formatCheckText(outcomes, { color: useColor(io), unicode: useUnicode(io) }));
  }
  return checkExitStatus(outcomes);
}
