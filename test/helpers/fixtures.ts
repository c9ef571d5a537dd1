/** Lists the capture fixtures shipped in fixtures/ and the public corpus beside the project. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { detectFormat } from '../../src/capture/reader.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'fixtures');
/** The public capture corpus (not part of the project; CI requires it). */
export const PUBLIC_CAPTURES = resolve(ROOT, '../shared/captures/public');

/** Every capture under a folder (by content), sorted. */
export function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size >= 4 && detectFormat(readFileSync(p).subarray(0, 4)) !== null) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** MANIFEST.tsv rows of the public corpus, keyed by file name. */
export function publicManifest(): Map<string, Record<string, string>> {
  const rows = readFileSync(join(PUBLIC_CAPTURES, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = rows[0]!.split('\t');
  const out = new Map<string, Record<string, string>>();
  for (const line of rows.slice(1)) {
    const cells = line.split('\t');
    out.set(cells[0]!, Object.fromEntries(head.map((h, i) => [h, cells[i] ?? ''])));
  }
  return out;
}
