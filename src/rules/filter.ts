/**
 * Which findings a user asked for: by the code their application showed (`--code 10061`,
 * `--code ECONNREFUSED`, `--code 111`), by rule id, by lowest severity. A finding matches when it
 * passes every filter given; each filter's values are alternatives.
 */
import type { AnalysisReport, FilteredCount, FindingFilterSpec } from '../model/report.js';
import { ERROR_CODES, findCodes, pingUnreachableCodes, tlsAlertReceivedCodes, tlsCertificateRejectedCodes } from './codes.js';
import { severityReaches, type Finding, type Severity } from './types.js';

export type { FilteredCount, FindingFilterSpec } from '../model/report.js';

/** What a filter reads of a finding: also all a scan worker knows of one it does not keep. */
export type FilteredFinding = Pick<Finding, 'rule' | 'severity' | 'codes'>;

/** Whether a finding is shown. */
export type FindingPredicate = (f: FilteredFinding) => boolean;

/** A decimal number, signed ("-2": glibc's EAI_NONAME), or hex as Windows prints HRESULTs ("0x80090326"). */
const DECIMAL = /^[+-]?\d{1,12}$/;
const HEX = /^0x[0-9a-f]{1,8}$/i;

/** The values a code written as a number stands for (a 32-bit hex code signed or not), or null for a name. */
function codeNumbers(text: string): number[] | null {
  if (DECIMAL.test(text)) return [Number(text)];
  if (!HEX.test(text)) return null;
  const n = parseInt(text.slice(2), 16);
  return n > 0x7fffffff ? [n, n - 2 ** 32] : [n];
}

/** A predicate for `spec`, or null when it filters nothing. */
export function findingFilter(spec: FindingFilterSpec): FindingPredicate | null {
  const codes = (spec.codes ?? []).map((c) => c.trim()).filter((c) => c !== '');
  const rules = new Set(spec.rules ?? []);
  const lowest = spec.severity;
  if (codes.length === 0 && rules.size === 0 && lowest === undefined) return null;
  const numbers = new Set(codes.flatMap((c) => codeNumbers(c) ?? []));
  const names = new Set(codes.filter((c) => codeNumbers(c) === null).map((c) => c.toUpperCase()));
  return (f) => {
    if (rules.size > 0 && !rules.has(f.rule)) return false;
    if (lowest !== undefined && !severityReaches(f.severity, lowest)) return false;
    if (codes.length > 0 && !f.codes.some((c) => numbers.has(c.code) || names.has(c.name.toUpperCase()) || names.has(`WSA${c.name.toUpperCase()}`))) return false;
    return true;
  };
}

/** Split repeated or comma-separated option values ("--code 10061,111 --code ETIMEDOUT"). */
export function optionList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** The filters of the command-line options, or undefined when none was given. */
export function filterOfOptions(opts: { code?: readonly string[]; rule?: readonly string[]; severity?: string }): FindingFilterSpec | undefined {
  const codes = optionList(opts.code);
  const rules = optionList(opts.rule);
  if (codes.length === 0 && rules.length === 0 && opts.severity === undefined) return undefined;
  return { ...(codes.length > 0 ? { codes } : {}), ...(rules.length > 0 ? { rules } : {}), ...(opts.severity !== undefined ? { severity: opts.severity as Severity } : {}) };
}

/** The filters as the command line spells them: "--code 10061,111 --severity error". */
export function filterLabel(spec: FindingFilterSpec): string {
  const words: string[] = [];
  if (spec.codes?.length) words.push(`--code ${spec.codes.join(',')}`);
  if (spec.rules?.length) words.push(`--rule ${spec.rules.join(',')}`);
  if (spec.severity) words.push(`--severity ${spec.severity}`);
  return words.join(' ');
}

/** "2 of 5 findings shown (--code 10061)": what a filter let through, in words. */
export function filteredSentence(count: FilteredCount, spec: FindingFilterSpec | undefined): string {
  return `${count.shown} of ${count.of} finding${count.of === 1 ? '' : 's'} shown (${spec ? filterLabel(spec) : 'filtered'})`;
}

/**
 * `report` with only the findings `wanted` lets through, and how many it let through of every
 * finding decided: `shownNotKept` counts those it let through past the report's cap (the
 * analysis's `onDroppedFinding`), so `filtered` counts what `summary.findings` counts.
 */
export function filteredReport(report: AnalysisReport, wanted: FindingPredicate, shownNotKept: number): AnalysisReport {
  const findings = report.findings.filter(wanted);
  return { ...report, findings, filtered: { shown: findings.length + shownNotKept, of: report.summary.findings } };
}

/** Upper-case names of every code a finding can cite, and of every error `explain` knows. */
let knownNames: Set<string> | undefined;

async function codeNames(): Promise<Set<string>> {
  if (knownNames) return knownNames;
  const [{ RULES }, { KNOWN_ERRORS }] = await Promise.all([import('./index.js'), import('./known-errors.js')]);
  const codes = [...ERROR_CODES, ...RULES.flatMap((r) => r.meta.codes)];
  // The codes made per case (a socket's ICMP codes are all in ERROR_CODES): TLS alerts, and ping.
  for (let alert = 0; alert < 256; alert++) codes.push(...tlsAlertReceivedCodes(alert), ...tlsCertificateRejectedCodes(alert));
  for (const version of [4, 6] as const) for (let icmp = 0; icmp < 16; icmp++) codes.push(...pingUnreachableCodes(version, icmp));
  knownNames = new Set([...codes.map((c) => c.name), ...KNOWN_ERRORS.flatMap((e) => (e.name ? [e.name] : []))].map((n) => n.toUpperCase()));
  return knownNames;
}

/**
 * Why the filters cannot be what the user meant, in one line, or null when they can: a rule id
 * no rule has, or a code that is neither a number nor a name any OS table (or `explain`'s
 * catalogue) knows. A number is always taken: servers' own codes (SQL Server 18456, HTTP 503)
 * are numbers a finding may cite. `named` says how the line names the filters (the command's
 * options by default; the MCP tool's arguments there).
 */
export async function filterProblem(spec: FindingFilterSpec | undefined, named: { rule: string; code: string } = { rule: '--rule', code: '--code' }): Promise<string | null> {
  if (!spec) return null;
  if (spec.rules?.length) {
    const { RULES } = await import('./index.js');
    const ids = RULES.map((r) => r.meta.id);
    const unknown = spec.rules.filter((id) => !ids.includes(id));
    if (unknown.length > 0) return `unknown rule ${unknown.map((id) => JSON.stringify(id)).join(', ')} (${named.rule}); the rules are ${[...ids].sort().join(', ')}`;
  }
  const names = spec.codes?.filter((c) => codeNumbers(c) === null) ?? [];
  if (names.length > 0) {
    const known = await codeNames();
    // "ECONNREFUSED" also names the Winsock twin WSAECONNREFUSED (findCodes knows).
    const unknown = names.filter((n) => !known.has(n.toUpperCase()) && findCodes(n).length === 0);
    if (unknown.length > 0) return `unknown error code ${unknown.map((c) => JSON.stringify(c)).join(', ')} (${named.code}); give a number (10061, 111, 0x80090326) or a name an OS uses (ECONNREFUSED, WSAECONNREFUSED, ETIMEDOUT); wirewhy explain lists what it knows`;
  }
  return null;
}
