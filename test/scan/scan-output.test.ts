/**
 * A scan's output without the workers' part files (a library caller that opens ScanOutput with
 * no store): each capture's part is then made in the main thread as it finishes, and the output
 * is the same bytes as with the parts on disk.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ScanOutput, type ScanOutputOptions } from '../../src/report/scan-output.js';
import { scanPaths } from '../../src/scan/index.js';
import { openScanOutput } from '../../src/scan/parts.js';
import { buildCorpus } from './corpus.js';

const corpus = buildCorpus(8);
afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

async function scanTo(open: (options: ScanOutputOptions) => Promise<ScanOutput>): Promise<string> {
  const pieces: string[] = [];
  const output = await open({ failOn: 'error', title: 'corpus', terminal: { color: false, unicode: true }, out: (c) => pieces.push(c), err: () => {} });
  try {
    output.finish(await scanPaths([corpus.dir], { jobs: 1, ...output.poolOptions }));
  } finally {
    output.close();
  }
  // The scan's duration is the only thing two runs may differ in.
  return pieces.join('').replace(/time="[0-9.]+"/g, 'time=""').replace(/"seconds": [0-9.]+/g, '"seconds": 0');
}

describe('scan output without part files', () => {
  for (const format of ['json', 'junit', 'html']) {
    it(`${format}: the same bytes as with the parts on disk`, async () => {
      const onDisk = await scanTo((o) => openScanOutput(format, o));
      const inMemory = await scanTo((o) => ScanOutput.open(format, o));
      expect(inMemory).toBe(onDisk);
      expect(onDisk).toContain(corpus.readable[0]!.split('/').pop()!);
    }, 60_000);
  }

  it('a format scan does not offer is refused', async () => {
    await expect(ScanOutput.open('pdf', { terminal: { color: false, unicode: false }, out: () => {}, err: () => {} })).rejects.toThrow('no scan output called "pdf"');
  });
});
