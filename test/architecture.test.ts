/**
 * The pipeline's shape, checked on the sources: every module has its stage, and only the command
 * and the scan workers touch V8's process-wide heap settings.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

const SRC = join(ROOT, 'src');

/** Stages in pipeline order; a module may import from its own stage or an earlier one. */
const STAGES = ['model', 'capture', 'decode', 'flow', 'app', 'rules', 'analyze.ts', 'report', 'scan', 'cli'] as const;

/** Entry points may import anything: the library API and the scan worker (a thread's main). */
const ENTRY_POINTS = new Set(['index.ts', 'scan/worker.ts']);

/** Modules every stage may use: plain data and constants. */
const SHARED = new Set(['version.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function stageOf(rel: string): number {
  const top = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : rel;
  return STAGES.indexOf(top as (typeof STAGES)[number]);
}

/** Relative imports of a source file (static, re-exports and dynamic), as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return out;
}

describe('architecture', () => {
  const files = sources(SRC).map((f) => ({ file: f, rel: relative(SRC, f) }));

  it('every module belongs to a stage, an entry point or the shared modules', () => {
    const lost = files.filter(({ rel }) => !ENTRY_POINTS.has(rel) && !SHARED.has(rel) && stageOf(rel) < 0).map(({ rel }) => rel);
    expect(lost).toEqual([]);
  });

  it('only the command and the scan workers touch V8 flags or force collections', () => {
    const touching = files
      .filter(({ rel }) => !rel.startsWith('cli/') && rel !== 'scan/worker.ts')
      .filter(({ file }) => /setFlagsFromString|expose-gc|runInNewContext\(\s*'gc'|globalThis\.gc|global\.gc/.test(readFileSync(file, 'utf8')))
      .map(({ rel }) => rel);
    expect(touching).toEqual([]);
  });
});
