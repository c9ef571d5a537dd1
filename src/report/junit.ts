/**
 * `--format junit`: JUnit XML as GitLab, Jenkins and the GitHub test-report actions read it
 * (one <testsuites> with one <testsuite> per run).
 * Ref: https://github.com/testmoapp/junitxml (the de-facto schema), XML 1.0 §2.2 (characters).
 *
 * A test case fails exactly when it would make the command exit 1:
 * - analyze: one test case per group of identical findings (same rule, server, codes); it fails
 *   when the group reaches --fail-on. Without --fail-on nothing fails and the findings are in
 *   <system-out>. A capture without findings is one passing test case.
 * - scan: one test case per capture; it fails when one of its findings reaches --fail-on; a
 *   capture that cannot be read is an <error> (the run exits 2).
 * - check: one test case per capture; a difference from the expectation file (or a missing
 *   expectation file) is a <failure> with the diff; an unreadable capture is an <error>.
 */
import { endpointLabel } from '../model/words.js';
import { severityReaches, type Finding, type Severity } from '../rules/types.js';
import type { ScanFileResult, ScanResult } from '../model/scan.js';
import type { ReportOptions } from './reporter.js';
import { groupFindings, serverLabel } from './text.js';
import { filteredSentence, filterLabel } from '../rules/filter.js';
import type { AnalysisReport } from './types.js';

/** One test case. At most one of failure, error, skipped. */
export interface JunitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time?: number;
  failure?: { message: string; type?: string; text?: string };
  error?: { message: string; type?: string; text?: string };
  skipped?: { message: string };
  systemOut?: string;
}

/** One test suite. */
export interface JunitSuite {
  name: string;
  time?: number;
  cases: JunitCase[];
}

// Characters XML 1.0 allows: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// Everything else (other C0 controls, U+FFFE/U+FFFF, lone surrogates) cannot appear even escaped.
const XML_ILLEGAL = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\ud800-\udbff\udc00-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Remove the characters XML 1.0 does not allow (as U+FFFD would hide that they were there, say so). */
export function stripXmlIllegal(s: string): string {
  return s.replace(XML_ILLEGAL, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Escape text content. */
export function xmlText(s: string): string {
  return stripXmlIllegal(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape an attribute value (double-quoted); line breaks and tabs kept as character references. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(t: number | undefined): string {
  return (t ?? 0).toFixed(3);
}

function outcome(tag: 'failure' | 'error', o: { message: string; type?: string; text?: string }): string {
  const type = o.type ? ` type="${xmlAttr(o.type)}"` : '';
  return `      <${tag} message="${xmlAttr(o.message)}"${type}>${xmlText(o.text ?? o.message)}</${tag}>\n`;
}

/** One `<testcase>` element, indented for its place in a suite. */
export function junitCaseXml(c: JunitCase): string {
  let xml = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="${seconds(c.time)}">\n`;
  if (c.failure) xml += outcome('failure', c.failure);
  if (c.error) xml += outcome('error', c.error);
  if (c.skipped) xml += `      <skipped message="${xmlAttr(c.skipped.message)}"/>\n`;
  if (c.systemOut) xml += `      <system-out>${xmlText(c.systemOut)}</system-out>\n`;
  return `${xml}    </testcase>\n`;
}

/** How many test cases a suite has, how many failed, erred and were skipped, and its seconds. */
export interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time?: number;
}

function countsAttrs(c: SuiteCounts): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(c.time)}"`;
}

function suiteCounts(s: JunitSuite): SuiteCounts {
  return {
    tests: s.cases.length,
    failures: s.cases.filter((c) => c.failure).length,
    errors: s.cases.filter((c) => c.error).length,
    skipped: s.cases.filter((c) => c.skipped).length,
    time: s.time,
  };
}

/**
 * Write a document of one suite whose test cases come as XML pieces (`writeCases` writes them,
 * {@link junitCaseXml} each): the same bytes as {@link junitXml}, without the cases in memory.
 */
export function writeJunitSuite(name: string, counts: SuiteCounts, writeCases: () => void, write: (chunk: string) => unknown, properties: ReadonlyArray<[string, string]> = []): void {
  write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="wirewhy" ${countsAttrs(counts)}>\n`);
  write(`  <testsuite name="${xmlAttr(name)}" ${countsAttrs(counts)}>\n`);
  if (properties.length > 0) write(`    <properties>\n${properties.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>\n`).join('')}    </properties>\n`);
  writeCases();
  write('  </testsuite>\n</testsuites>\n');
}

/** The whole XML document for some suites. */
export function junitXml(suites: readonly JunitSuite[], name = 'wirewhy'): string {
  const total: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  let body = '';
  for (const s of suites) {
    const c = suiteCounts(s);
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
    total.time! += s.time ?? 0;
    body += `  <testsuite name="${xmlAttr(s.name)}" ${countsAttrs(c)}>\n`;
    for (const k of s.cases) body += junitCaseXml(k);
    body += '  </testsuite>\n';
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlAttr(name)}" ${countsAttrs(total)}>\n${body}</testsuites>\n`;
}

function reaches(severity: Severity, threshold: Severity | undefined): boolean {
  return threshold !== undefined && severityReaches(severity, threshold);
}

function codesText(f: Finding): string {
  return f.codes.map((c) => `${c.os} ${c.code} ${c.name}`).join(', ');
}

/** One line per finding: "<rule id> tcp 10.0.0.1:40000 → 10.0.0.2:80 stream 0: summary". */
export function findingLine(f: Finding): string {
  const ep = endpointLabel;
  return `${f.rule} (${f.severity}) ${f.protocol} ${ep(f.client)} → ${ep(f.server)} ${f.protocol}.stream ${f.stream} frames ${f.frames.join(',')}: ${f.summary} [${codesText(f)}]`;
}

/** `analyze --format junit`: one test case per group of identical findings. */
export function formatJunit(report: AnalysisReport, opts: Pick<ReportOptions, 'failOn'>): string {
  const file = report.capture.file;
  const cases: JunitCase[] = [];
  for (const g of groupFindings(report.findings)) {
    const lines = g.findings.map(findingLine).join('\n');
    const name = `${g.rule} ${serverLabel(g)} (${g.findings.length})`;
    const c: JunitCase = { name, classname: `wirewhy.${file}`, systemOut: lines };
    if (reaches(g.severity, opts.failOn)) c.failure = { message: g.findings[0]!.summary, type: g.rule, text: lines };
    cases.push(c);
  }
  if (cases.length === 0) cases.push({ name: 'no failed connections', classname: `wirewhy.${file}` });
  const warnings = report.capture.warnings.map((w) => `warning: ${w.message}`).join('\n');
  if (warnings) cases[0]!.systemOut = cases[0]!.systemOut ? `${cases[0]!.systemOut}\n${warnings}` : warnings;
  return junitXml([{ name: `wirewhy analyze ${file}`, cases }]);
}

/** The test case of one capture in `scan --format junit`. */
export function scanJunitCase(f: ScanFileResult, failOn: Severity | undefined): JunitCase {
  const c: JunitCase = { name: f.file, classname: 'wirewhy.scan' };
  if (f.error) {
    c.error = { message: f.error.line, type: f.error.code };
    return c;
  }
  if (f.notRun || !f.report) {
    // An error, not "skipped": CI shows skipped tests as passing, and nothing was checked here.
    c.error = { message: 'not analysed: the scan was interrupted', type: 'interrupted' };
    return c;
  }
  const findings = f.report.findings;
  const lines = findings.map(findingLine);
  // With filters, the case says how many findings it leaves out (the suite's properties name the filters).
  if (f.report.filtered) lines.unshift(filteredSentence(f.report.filtered, undefined));
  if (lines.length > 0) c.systemOut = lines.join('\n');
  const failing = findings.filter((x) => reaches(x.severity, failOn));
  if (failing.length > 0) {
    const byRule = new Map<string, number>();
    for (const x of failing) byRule.set(x.rule, (byRule.get(x.rule) ?? 0) + 1);
    const message = `${failing.length} finding${failing.length === 1 ? '' : 's'} at or above ${failOn}: ${[...byRule].map(([r, n]) => `${r} ×${n}`).join(', ')}`;
    c.failure = { message, type: 'findings', text: failing.map(findingLine).join('\n') };
  }
  return c;
}

function pathErrorCase(e: ScanResult['pathErrors'][number]): JunitCase {
  return { name: e.path, classname: 'wirewhy.scan', error: { message: `wirewhy: ${e.path}: ${e.message}`, type: 'cannot_open' } };
}

/**
 * Write `scan --format junit`: one test case per capture, the paths that could not be read
 * after them. The case of a capture whose scan worker made it (`f.part`) is passed on by
 * `copyPart` as the worker wrote it; the others (unreadable, not analysed, or scanned without
 * parts) are made here from the result. Only one case is in memory at a time.
 */
export function writeScanJunit(result: ScanResult, failOn: Severity | undefined, write: (chunk: string) => unknown, copyPart?: (f: ScanFileResult) => void): void {
  const made = (f: ScanFileResult): JunitCase | null => (f.part && copyPart ? null : scanJunitCase(f, failOn));
  const counts = { tests: result.files.length + result.pathErrors.length, failures: 0, errors: result.pathErrors.length, skipped: 0, time: result.seconds };
  for (const f of result.files) {
    const c = made(f);
    if (c === null) counts.failures += f.part!.failed ? 1 : 0;
    else {
      if (c.failure) counts.failures++;
      if (c.error) counts.errors++;
      if (c.skipped) counts.skipped++;
    }
  }
  writeJunitSuite('wirewhy scan', counts, () => {
    for (const f of result.files) {
      const c = made(f);
      if (c === null) copyPart!(f);
      else write(junitCaseXml(c));
    }
    for (const e of result.pathErrors) write(junitCaseXml(pathErrorCase(e)));
  }, write, filterProperties(result));
}

/** With filters, the suite's properties: the filters and how many findings they let through. */
function filterProperties(result: ScanResult): Array<[string, string]> {
  const count = result.totals.filtered;
  if (!count) return [];
  return [
    ['wirewhy.filter', result.filter ? filterLabel(result.filter) : 'filtered'],
    ['wirewhy.findings.shown', String(count.shown)],
    ['wirewhy.findings.all', String(count.of)],
  ];
}

/** `scan --format junit` as one string, every case made from the results in memory. */
export function formatScanJunit(result: ScanResult, failOn: Severity | undefined): string {
  const pieces: string[] = [];
  writeScanJunit(result, failOn, (c) => pieces.push(c));
  return pieces.join('');
}
