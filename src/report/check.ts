/**
 * The outputs of `wirewhy check`: text for people (a line per capture, the diff under each
 * failing one), JUnit (a test case per capture, the diff in its failure) and JSON.
 */
import type { CheckOutcome, CheckStatus, ExpectationDiff, ExpectedFinding } from '../model/check.js';
import type { OsName } from '../model/finding.js';
import { endpointLabel, plural } from '../model/words.js';
import { VERSION } from '../version.js';
import { junitXml, type JunitCase } from './junit.js';
import { terminalStyle, type TerminalOptions } from './terminal.js';

const OS_KEYS: readonly OsName[] = ['windows', 'linux', 'macos'];

/** "<rule> tcp.stream 0 10.0.0.1:40000 → 10.0.0.2:80 (windows 10061, linux 111)". */
export function describeExpected(e: ExpectedFinding, arrow = '→'): string {
  const codes = OS_KEYS.filter((os) => e.codes[os] !== undefined).map((os) => `${os} ${[e.codes[os]!].flat().join('/')}`);
  return `${e.rule} ${e.protocol}.stream ${e.stream} ${endpointLabel(e.client)} ${arrow} ${endpointLabel(e.server)}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}

/** The diff as lines for people (no indentation, no colour). */
export function formatDiffLines(d: ExpectationDiff, arrow = '→'): string[] {
  const lines: string[] = [];
  for (const e of d.missing) lines.push(`- missing:    ${describeExpected(e, arrow)}`);
  for (const a of d.unexpected) lines.push(`+ unexpected: ${describeExpected(a, arrow)}`);
  for (const c of d.changed) {
    lines.push(`~ changed:    ${c.expected.protocol}.stream ${c.expected.stream}: ${c.changes.join('; ').replaceAll('→', arrow)}`);
  }
  return lines;
}

function noExpectationMessage(o: CheckOutcome): string {
  return `no expectation file ${o.expectation} (wirewhy check --update writes it)`;
}

/** Text for people: one line per capture, the diff under each failing one, and a count. */
export function formatCheckText(outcomes: readonly CheckOutcome[], opts: TerminalOptions): string {
  const style = terminalStyle(opts);
  const t = style.text;
  const lines: string[] = [];
  const counts = new Map<CheckStatus, number>();
  for (const o of outcomes) {
    counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
    const n = o.findings !== undefined ? ` (${plural(o.findings, 'finding')})` : '';
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
  lines.push(style.bold(`${plural(outcomes.length, 'capture')}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`));
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
        if (o.findings !== undefined) c.systemOut = `${plural(o.findings, 'finding')} as expected`;
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
