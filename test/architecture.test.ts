/**
 * The pipeline's shape, checked on the sources: every module has its stage and imports only from
 * its own stage or an earlier one (type-only imports too: a type names the module that owns it),
 * model/ imports nothing of ours, and only the command and the scan workers touch V8's
 * process-wide heap settings.
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

/** Relative imports of a source text (static, type-only, re-exports and dynamic), as paths under src/. */
function importsIn(text: string, file: string): string[] {
  const out: string[] = [];
  // `import … from '…'`, `import type … from '…'`, `export … from '…'` (also spread over lines),
  // `import('…')` and `typeof import('…')`: whatever names another module.
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return out;
}

function importsOf(file: string): string[] {
  return importsIn(readFileSync(file, 'utf8'), file);
}

/** Why `from` may not import `to` (a later stage, or out of model/), or null when it may. */
function layerViolation(from: string, to: string): string | null {
  if (ENTRY_POINTS.has(from) || SHARED.has(to)) return null;
  const a = stageOf(from);
  const b = stageOf(to);
  if (a === 0 && b !== 0) return `${from} imports ${to}: model/ is plain data and imports nothing of ours`;
  if (b > a) return `${from} (${STAGES[a]}) imports ${to} (${STAGES[b]}), a later stage`;
  return null;
}

/** What touches V8's process-wide heap settings or forces a collection. */
const HEAP_TOUCH = /setFlagsFromString|expose-gc|expose_gc|runInNewContext\(\s*'gc'|globalThis\.gc\b|global\.gc\b|from 'node:v8'|from 'v8'|require\('(?:node:)?v8'\)/;

describe('the architecture check itself', () => {
  it('finds every form of import, type-only ones included', () => {
    const file = join(SRC, 'report', 'x.ts');
    const text = [
      "import type { ScanResult } from '../scan/types.js';",
      "import {\n  a,\n  b,\n} from '../flow/tcp.js';",
      "export { c } from '../model/words.js';",
      "export type * from './reporter.js';",
      "const m = await import('../cli/heap.js');",
      "type M = typeof import('./check.js');",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(importsIn(text, file)).toEqual(['scan/types.ts', 'flow/tcp.ts', 'model/words.ts', 'report/reporter.ts', 'cli/heap.ts', 'report/check.ts']);
  });

  it('refuses an import from a later stage and out of model/, and allows the rest', () => {
    expect(layerViolation('report/junit.ts', 'scan/types.ts')).toMatch(/later stage/);
    expect(layerViolation('rules/engine.ts', 'analyze.ts')).toMatch(/later stage/);
    expect(layerViolation('analyze.ts', 'report/errors.ts')).toMatch(/later stage/);
    expect(layerViolation('model/report.ts', 'rules/types.ts')).toMatch(/model/);
    expect(layerViolation('capture/pcap.ts', 'model/capture.ts')).toBeNull();
    expect(layerViolation('scan/pool.ts', 'report/index.ts')).toBeNull();
    expect(layerViolation('cli/analyze.ts', 'analyze.ts')).toBeNull();
    expect(layerViolation('index.ts', 'cli/program.ts')).toBeNull();
    expect(layerViolation('rules/engine.ts', 'version.ts')).toBeNull();
  });

  it('sees V8 flags and forced collections', () => {
    for (const text of ["v8.setFlagsFromString('--max-semi-space-size=8')", "import { setFlagsFromString } from 'node:v8';", "runInNewContext('gc')", 'globalThis.gc?.()', "execArgv: ['--expose-gc']"]) {
      expect(HEAP_TOUCH.test(text), text).toBe(true);
    }
    expect(HEAP_TOUCH.test('const gcCount = 0; // globalThis.gcd')).toBe(false);
  });
});

describe('architecture', () => {
  const files = sources(SRC).map((f) => ({ file: f, rel: relative(SRC, f) }));

  it('every module belongs to a stage, an entry point or the shared modules', () => {
    const lost = files.filter(({ rel }) => !ENTRY_POINTS.has(rel) && !SHARED.has(rel) && stageOf(rel) < 0).map(({ rel }) => rel);
    expect(lost).toEqual([]);
  });

  it('no module imports from a later stage of the pipeline, type-only imports included', () => {
    const wrong = files.flatMap(({ file, rel }) => importsOf(file).map((to) => layerViolation(rel, to)).filter((v) => v !== null));
    expect(wrong).toEqual([]);
  });

  it('only the command and the scan workers touch V8 flags or force collections', () => {
    const touching = files
      .filter(({ rel }) => !rel.startsWith('cli/') && rel !== 'scan/worker.ts')
      .filter(({ file }) => HEAP_TOUCH.test(readFileSync(file, 'utf8')))
      .map(({ rel }) => rel);
    expect(touching).toEqual([]);
  });
});
