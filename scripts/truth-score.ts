/**
 * Scores wirewhy against the judged truth of the real captures (../shared/captures/real): per
 * file, the failures found and missed and every false finding; then recall and false rate. With
 * tshark installed it first checks that our stream numbering is tshark's on every file, since
 * the truth names conversations by tshark's tcp.stream / udp.stream.
 *
 *   npx tsx scripts/truth-score.ts [DIR] [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStreams, TSHARK, tsharkRows } from '../test/helpers/tshark.js';
import { REAL_CAPTURES, realCaptureFiles, realCapturesPresent, scoreRealCaptures, totals, type CaptureScore } from '../test/helpers/truth.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const dir = args.find((a) => !a.startsWith('--')) ?? REAL_CAPTURES;
if (!realCapturesPresent(dir)) {
  console.error(`no truth.jsonl in ${dir}`);
  process.exit(2);
}

const REVIEWED = readFileSync(join(import.meta.dirname, '../test/real/reviewed-additions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { file: string; protocol: string; stream: number; rule: string });

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const pad = (s: string | number, n: number): string => String(s).padEnd(n);

if (TSHARK) {
  let same = 0;
  for (const file of realCaptureFiles(dir)) {
    const path = join(dir, file);
    const diffs = await compareStreams(path, tsharkRows(path));
    if (diffs.length === 0) same++;
    else console.log(`stream numbering differs from tshark in ${file}:\n  ${diffs.join('\n  ')}`);
  }
  if (!asJson) console.log(`stream numbering: ${same} of ${realCaptureFiles(dir).length} files equal tshark's\n`);
} else if (!asJson) console.log('tshark not found: stream numbering not checked\n');

const scores = await scoreRealCaptures(dir);
const sum = totals(scores);

if (asJson) {
  console.log(JSON.stringify({ totals: sum, files: scores.map(brief) }, null, 2));
} else {
  const w = Math.max(...scores.map((s) => s.file.length));
  console.log(`${pad('file', w)}  found  missed  alarms  false  info`);
  for (const s of scores) {
    console.log(`${pad(s.file, w)}  ${pad(s.found.length, 5)}  ${pad(s.missed.length, 6)}  ${pad(s.alarms, 6)}  ${pad(s.falseFindings.length, 5)}  ${s.info}`);
  }
  console.log(`${pad('total', w)}  ${pad(sum.found, 5)}  ${pad(sum.failures - sum.found, 6)}  ${pad(sum.alarms, 6)}  ${pad(sum.falseFindings, 5)}`);
  console.log(`\nrecall ${sum.found}/${sum.failures} = ${pct(sum.recall)}; false findings ${sum.falseFindings}/${sum.alarms} = ${pct(sum.falseRate)}`);
  // Failures the truth does not list but whose frames were checked (test/real/reviewed-additions.jsonl): still
  // counted above, named here so the number reads right.
  const reviewedCount = scores.reduce((n, s) => n + s.falseFindings.filter((f) => isReviewed(s.file, f.finding)).length, 0);
  if (reviewedCount > 0) console.log(`of the false findings, ${reviewedCount} are reviewed additions (test/real/reviewed-additions.jsonl); ${sum.falseFindings - reviewedCount} are not`);
  for (const s of scores) {
    if (s.missed.length === 0 && s.falseFindings.length === 0) continue;
    console.log(`\n${s.file}`);
    for (const m of s.missed) {
      const seen = m.findings.map((f) => `${f.rule}/${f.severity}`).join(', ') || 'no finding';
      console.log(`  MISSED ${m.truth.rule} ${m.truth.protocol}.stream ${m.truth.stream}${m.truth.name ? ` ${m.truth.name} ${m.truth.qtype}` : ''} frames ${m.truth.frames.join(',')} (${seen}): ${m.truth.why}`);
    }
    for (const f of s.falseFindings) {
      const x = f.finding;
      console.log(`  FALSE [${f.kind}] ${x.rule}/${x.severity} ${x.protocol}.stream ${x.stream} frames ${x.frames.join(',')}: ${x.summary}`);
    }
  }
}

/** Whether a finding is one of test/real/reviewed-additions.jsonl (same file, protocol, stream and rule). */
function isReviewed(file: string, f: { protocol: string; stream: number; rule: string }): boolean {
  return REVIEWED.some((a) => a.file === file && a.protocol === f.protocol && a.stream === f.stream && a.rule === f.rule);
}

/** A score without the full findings, for --json. */
function brief(s: CaptureScore): unknown {
  return {
    file: s.file,
    found: s.found.map((f) => ({ rule: f.truth.rule, stream: f.truth.stream, severity: f.finding.severity })),
    missed: s.missed.map((m) => ({ rule: m.truth.rule, protocol: m.truth.protocol, stream: m.truth.stream, name: m.truth.name, qtype: m.truth.qtype, seen: m.findings.map((f) => `${f.rule}/${f.severity}`) })),
    falseFindings: s.falseFindings.map((f) => ({ kind: f.kind, rule: f.finding.rule, severity: f.finding.severity, protocol: f.finding.protocol, stream: f.finding.stream, frames: f.finding.frames, summary: f.finding.summary, details: f.finding.details })),
    alarms: s.alarms,
    info: s.info,
  };
}
