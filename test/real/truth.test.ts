/**
 * The real captures of ../shared/captures/real against their judged truth (truth.jsonl, made from
 * tshark's dissection and by reading the frames, never from wirewhy): every failure found with its
 * rule at error or warning on tshark's stream, and no error or warning finding on a benign or
 * unlisted conversation. A failure a rule reports that the truth does not list, where the frames
 * show an application really saw it, goes in reviewed-additions.jsonl beside this file (file,
 * protocol, stream, rule, frames, why) instead of being suppressed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canRun } from '../helpers/tools.js';
import { realCapturesPresent, REAL_CAPTURES, scoreRealCaptures, totals, type FalseFinding } from '../helpers/truth.js';

interface ReviewedAddition {
  file: string;
  protocol: 'tcp' | 'udp';
  stream: number;
  rule: string;
  frames: number[];
  why: string;
}

const additions: ReviewedAddition[] = readFileSync(join(import.meta.dirname, 'reviewed-additions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as ReviewedAddition);

function reviewed(file: string, f: FalseFinding): boolean {
  return additions.some((a) => a.file === file && a.protocol === f.finding.protocol && a.stream === f.finding.stream && a.rule === f.finding.rule);
}

const run = canRun('the real captures with a judged truth', realCapturesPresent(), `${REAL_CAPTURES} is not beside the project`);

describe.runIf(run)('real captures against their judged truth', async () => {
  const scores = run ? await scoreRealCaptures() : [];

  it('scores every capture the truth names', () => {
    expect(scores.length).toBeGreaterThanOrEqual(20);
  });

  for (const s of scores) {
    it(s.file, () => {
      const missed = s.missed.map((m) => `${m.truth.rule} ${m.truth.protocol}.stream ${m.truth.stream}: ${m.truth.why}`);
      expect(missed, 'failures not reported at error or warning with their rule').toEqual([]);
      const wrong = s.falseFindings
        .filter((f) => !reviewed(s.file, f))
        .map((f) => `${f.kind}: ${f.finding.rule}/${f.finding.severity} ${f.finding.protocol}.stream ${f.finding.stream} frames ${f.finding.frames.join(',')}: ${f.finding.summary}`);
      expect(wrong, 'error or warning findings no application saw').toEqual([]);
    });
  }

  it('in all: every failure found, no false alarm', () => {
    const t = totals(scores);
    expect({ found: t.found, failures: t.failures }).toEqual({ found: t.failures, failures: t.failures });
  });
});
