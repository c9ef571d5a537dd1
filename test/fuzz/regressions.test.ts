/**
 * Replays every input in test/fuzz/regressions/: each `<hash>.bin` goes to the target named in
 * `<hash>.json`, must satisfy the fuzz oracle, and must end in the outcome recorded there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGRESSIONS_DIR, replayRegression, type RegressionCase } from './support.js';

const names = existsSync(REGRESSIONS_DIR)
  ? readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort()
  : [];

describe('fuzz regressions', () => {
  it('the folder exists and every input has its expected outcome', () => {
    expect(existsSync(REGRESSIONS_DIR)).toBe(true);
    for (const name of names) expect(existsSync(join(REGRESSIONS_DIR, `${name}.json`)), `${name}.json`).toBe(true);
  });

  for (const name of names) {
    const c = JSON.parse(readFileSync(join(REGRESSIONS_DIR, `${name}.json`), 'utf8')) as RegressionCase;
    it(`${name} (${c.target}): ${c.failure.split('\n')[0]!.slice(0, 80)}`, async () => {
      const bytes = readFileSync(join(REGRESSIONS_DIR, `${name}.bin`));
      const outcome = await replayRegression(bytes, c);
      const want = c.expected;
      if (want.outcome === 'no-crash' || outcome === null) return;
      expect(outcome.outcome).toBe(want.outcome);
      if (want.code !== undefined && outcome.outcome === 'capture-error') expect(outcome.code).toBe(want.code);
      if (outcome.outcome === 'report') {
        if (want.packets !== undefined) expect(outcome.packets).toBe(want.packets);
        if (want.warnings !== undefined) expect(outcome.warnings).toEqual(want.warnings);
      }
    });
  }
});
