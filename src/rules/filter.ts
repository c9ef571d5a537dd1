/**
 * Which findings a user asked for: by the code their application showed (`--code 10061`,
 * `--code ECONNREFUSED`, `--code 111`), by rule id, by lowest severity. A finding matches when it
 * passes every filter given; each filter's values are alternatives.
 */
import { severityReaches, type Finding, type Severity } from './types.js';

/** The filters, as the command line gives them. */
export interface FindingFilterSpec {
  /** Error codes by number or name, any OS ("10061", "ECONNREFUSED", "WSAECONNREFUSED", "111"). */
  codes?: readonly string[];
  /** Rule ids. */
  rules?: readonly string[];
  /** Lowest severity shown. */
  severity?: Severity;
}

/** A predicate for `spec`, or null when it filters nothing. */
export function findingFilter(spec: FindingFilterSpec): ((f: Finding) => boolean) | null {
  const codes = (spec.codes ?? []).map((c) => c.trim()).filter((c) => c !== '');
  const rules = new Set(spec.rules ?? []);
  const lowest = spec.severity;
  if (codes.length === 0 && rules.size === 0 && lowest === undefined) return null;
  const numbers = new Set(codes.filter((c) => /^\d+$/.test(c)).map(Number));
  const names = new Set(codes.filter((c) => !/^\d+$/.test(c)).map((c) => c.toUpperCase()));
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
