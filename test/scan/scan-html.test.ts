/** `wirewhy scan --format html`: one self-contained page, a section per capture, errors listed. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScanHtml } from '../../src/report/html.js';
import { scanPaths } from '../../src/scan/index.js';
import { HTML_PREFIX_MARK, openScanOutput } from '../../src/scan/parts.js';
import { buildCorpus, refusedRecords } from './corpus.js';
import { runInProcess } from './cli-run.js';

describe('wirewhy scan --format html', () => {
  it('renders every readable capture and lists the unreadable ones with their errors', async () => {
    const corpus = buildCorpus(12);
    try {
      const { code, out } = await runInProcess(['scan', corpus.dir, '--format', 'html', '--jobs', '1']);
      expect(code).toBe(2); // some captures could not be read
      expect(out.startsWith('<!DOCTYPE html>') || out.startsWith('<!doctype html>')).toBe(true);
      for (const f of corpus.readable) expect(out).toContain(f.split('/').pop()!);
      for (const f of corpus.corrupt) expect(out).toContain(f.split('/').pop()!);
      expect(out).toMatch(/byte offset \d+/);
      // Self-contained: nothing fetched from the network.
      expect(out).not.toMatch(/(src|href)=["']https?:/);
    } finally {
      rmSync(corpus.dir, { recursive: true, force: true });
    }
  });
});

describe('scan --format html: sections made by the workers', () => {
  it('a control character in a file name cannot be taken for the id-prefix mark of a section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-html-'));
    try {
      const names = [`odd${HTML_PREFIX_MARK}name.pcap`, 'plain.pcap'];
      for (const n of names) writeFileSync(join(dir, n), refusedRecords(40000).toPcap());
      const full = await scanPaths([dir], { jobs: 1 });
      const pieces: string[] = [];
      const output = await openScanOutput('html', { title: dir, terminal: { color: false, unicode: true }, out: (c) => pieces.push(c), err: () => {} });
      try {
        output.finish(await scanPaths([dir], { jobs: 1, ...output.poolOptions }));
      } finally {
        output.close();
      }
      const page = pieces.join('');
      expect(page).toBe(formatScanHtml({ reports: full.files.map((f) => f.report!), failures: [], title: dir }));
      expect(page).toContain('odd\\x01name.pcap');
      expect(page).not.toContain(HTML_PREFIX_MARK);
      expect(page).toContain('id="s1"');
      expect(page).toContain('id="s2"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
