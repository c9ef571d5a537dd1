/** `wirewhy scan --format html`: one self-contained page, a section per capture, errors listed. */
import { describe, expect, it } from 'vitest';
import { buildCorpus } from './corpus.js';
import { runInProcess } from './cli-run.js';

describe('wirewhy scan --format html', () => {
  it('renders every readable capture and lists the unreadable ones with their errors', async () => {
    const corpus = buildCorpus(12);
    const { code, out } = await runInProcess(['scan', corpus.dir, '--format', 'html', '--jobs', '1']);
    expect(code).toBe(2); // some captures could not be read
    expect(out.startsWith('<!DOCTYPE html>') || out.startsWith('<!doctype html>')).toBe(true);
    for (const f of corpus.readable) expect(out).toContain(f.split('/').pop()!);
    for (const f of corpus.corrupt) expect(out).toContain(f.split('/').pop()!);
    expect(out).toMatch(/byte offset \d+/);
    // Self-contained: nothing fetched from the network.
    expect(out).not.toMatch(/(src|href)=["']https?:/);
  });
});
