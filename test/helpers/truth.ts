/**
 * Scores findings against the judged truth of the real captures beside the project
 * (../shared/captures/real/truth.jsonl, never copied into it), by the rules of that folder's
 * README:
 *
 * - a `failure` must be reported with its rule, at severity error or warning, on tshark's
 *   tcp.stream / udp.stream (or one of `streamAlt`); a DNS failure also with its name and qtype;
 * - an `ambiguous` conversation accepts a finding or none (`rule: "*"` accepts any rule);
 * - a `benign` or unlisted conversation must have no error or warning finding (info is allowed).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeCapture } from '../../src/analyze.js';
import type { Finding } from '../../src/rules/types.js';
import { ROOT } from './fixtures.js';

/** The real captures with a judged truth (not part of the project). */
export const REAL_CAPTURES = resolve(ROOT, '../shared/captures/real');

/** One judged conversation of truth.jsonl. */
export interface TruthEntry {
  file: string;
  rule: string;
  verdict: 'failure' | 'ambiguous' | 'benign';
  protocol: 'tcp' | 'udp';
  client: string;
  server: string;
  stream: number;
  frames: number[];
  why: string;
  /** DNS: the question's name and type ("A", "AAAA"…). */
  name?: string;
  qtype?: string;
  /** Other stream indices accepted where tshark's own numbering is arguable. */
  streamAlt?: number[];
  resetBy?: string;
}

/** Why a finding does not count as right. */
export type FalseKind =
  /** On a conversation judged benign. */
  | 'benign'
  /** On a conversation the truth does not list (it had no failure). */
  | 'unlisted'
  /** On a conversation that failed or is ambiguous, but with another rule. */
  | 'wrong-rule';

/** A finding at error or warning that the truth does not accept. */
export interface FalseFinding {
  finding: Finding;
  kind: FalseKind;
  /** The truth entries on the same conversation, if any. */
  truth: TruthEntry[];
}

/** The score of one capture. */
export interface CaptureScore {
  file: string;
  /** Failures found with their rule at error/warning, with the finding that found each. */
  found: Array<{ truth: TruthEntry; finding: Finding }>;
  /** Failures no error/warning finding reported (with findings on their conversation, if any). */
  missed: Array<{ truth: TruthEntry; findings: Finding[] }>;
  /** Error/warning findings on ambiguous conversations (accepted either way). */
  ambiguous: Finding[];
  falseFindings: FalseFinding[];
  /** Error/warning findings in all (right, ambiguous or false). */
  alarms: number;
  /** Info findings (never false). */
  info: number;
}

/** Totals over captures. */
export interface TruthTotals {
  failures: number;
  found: number;
  alarms: number;
  falseFindings: number;
  /** found / failures. */
  recall: number;
  /** falseFindings / alarms. */
  falseRate: number;
}

/** True when the real captures and their truth are present. */
export function realCapturesPresent(dir = REAL_CAPTURES): boolean {
  return existsSync(join(dir, 'truth.jsonl'));
}

/** truth.jsonl, one entry a line. */
export function readTruth(dir = REAL_CAPTURES): TruthEntry[] {
  return readFileSync(join(dir, 'truth.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TruthEntry);
}

/** The capture files of the folder (by name: the truth refers to them by name), sorted. */
export function realCaptureFiles(dir = REAL_CAPTURES): string[] {
  return readdirSync(dir)
    .filter((n) => /\.(pcap|pcapng|cap)(\.gz)?$/i.test(n))
    .sort();
}

const ALARMS = new Set(['error', 'warning']);

/** The truth entry is about the finding's conversation (and, for DNS, its question). */
function sameConversation(t: TruthEntry, f: Finding): boolean {
  if (t.protocol !== f.protocol) return false;
  if (t.stream !== f.stream && !(t.streamAlt ?? []).includes(f.stream)) return false;
  if (t.name === undefined || f.rule !== 'dns-failure') return true;
  const d = f.details as { name?: unknown; qtype?: unknown };
  return sameName(d.name, t.name) && (t.qtype === undefined || d.qtype === t.qtype);
}

/** DNS names compare without case and without a trailing dot. */
function sameName(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** Score one capture's findings against its truth entries. */
export function scoreCapture(file: string, findings: readonly Finding[], truth: readonly TruthEntry[]): CaptureScore {
  const entries = truth.filter((t) => t.file === file);
  const score: CaptureScore = { file, found: [], missed: [], ambiguous: [], falseFindings: [], alarms: 0, info: 0 };
  const alarms = findings.filter((f) => ALARMS.has(f.severity));
  score.info = findings.length - alarms.length;
  score.alarms = alarms.length;
  const foundBy = new Map<TruthEntry, Finding>();
  for (const f of alarms) {
    const here = entries.filter((t) => sameConversation(t, f));
    const failure = here.find((t) => t.verdict === 'failure' && t.rule === f.rule);
    if (failure) {
      if (!foundBy.has(failure)) foundBy.set(failure, f);
      continue;
    }
    if (here.some((t) => t.verdict === 'ambiguous' && (t.rule === '*' || t.rule === f.rule))) {
      score.ambiguous.push(f);
      continue;
    }
    const kind: FalseKind = here.length === 0 ? 'unlisted' : here.some((t) => t.verdict !== 'benign') ? 'wrong-rule' : 'benign';
    score.falseFindings.push({ finding: f, kind, truth: here });
  }
  for (const t of entries) {
    if (t.verdict !== 'failure') continue;
    const f = foundBy.get(t);
    if (f) score.found.push({ truth: t, finding: f });
    else score.missed.push({ truth: t, findings: findings.filter((x) => sameConversation(t, x)) });
  }
  return score;
}

/** Add up capture scores. */
export function totals(scores: readonly CaptureScore[]): TruthTotals {
  const found = scores.reduce((n, s) => n + s.found.length, 0);
  const failures = found + scores.reduce((n, s) => n + s.missed.length, 0);
  const alarms = scores.reduce((n, s) => n + s.alarms, 0);
  const falseFindings = scores.reduce((n, s) => n + s.falseFindings.length, 0);
  return { failures, found, alarms, falseFindings, recall: failures === 0 ? 1 : found / failures, falseRate: alarms === 0 ? 0 : falseFindings / alarms };
}

/** Analyse every capture of the folder and score each against truth.jsonl. */
export async function scoreRealCaptures(dir = REAL_CAPTURES): Promise<CaptureScore[]> {
  const truth = readTruth(dir);
  const files = realCaptureFiles(dir);
  const missing = [...new Set(truth.map((t) => t.file))].filter((f) => !files.includes(f));
  if (missing.length > 0) throw new Error(`truth.jsonl names captures that are not in ${dir}: ${missing.join(', ')}`);
  const scores: CaptureScore[] = [];
  for (const file of files) {
    // Every finding, not just the first DEFAULT_MAX_FINDINGS: a dropped one could be false.
    const report = await analyzeCapture(join(dir, file), { maxFindings: Number.MAX_SAFE_INTEGER });
    scores.push(scoreCapture(file, report.findings, truth));
  }
  return scores;
}
