/** `--help` of every command ends with examples and exit statuses; `--jobs` is capped at the CPUs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobsForCores } from '../../src/cli/jobs.js';
import { runInProcess } from '../scan/cli-run.js';
import { refusedRecords } from '../scan/corpus.js';
import { writePcap } from '../../dev/pcap-writer.js';

describe('--help', () => {
  for (const command of [[], ['analyze'], ['scan'], ['check'], ['annotate'], ['mcp'], ['explain']]) {
    it(`wirewhy ${command.join(' ') || '(no command)'} --help: examples and exit statuses, in 80 columns`, async () => {
      const r = await runInProcess([...command, '--help'], { NO_COLOR: '1', COLUMNS: '80' });
      expect(r.code).toBe(0);
      const examples = r.out.indexOf('\nExamples:\n');
      const exit = r.out.indexOf('\nExit status:\n');
      expect(examples).toBeGreaterThan(0);
      expect(exit).toBeGreaterThan(examples);
      // Each example is a command line of wirewhy (or a pipe into it).
      const lines = r.out.slice(examples, exit).split('\n').filter((l) => l.startsWith('  '));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => /wirewhy|Wireshark/.test(l))).toBe(true);
      expect(r.out.slice(exit)).toMatch(/^ {2}0 {4}/m);
      expect(r.out.slice(exit)).toMatch(/^ {2}2 {4}/m);
      expect(r.out.split('\n').filter((l) => l.length > 80)).toEqual([]);
    });
  }

  it('scan and check name 130 for an interruption; analyze does not', async () => {
    for (const c of ['scan', 'check']) expect((await runInProcess([c, '--help'])).out).toMatch(/^ {2}130 {2}interrupted/m);
    expect((await runInProcess(['analyze', '--help'])).out).not.toContain('130');
  });
});

describe('--jobs', () => {
  it('is capped at the CPUs, with a note', () => {
    let err = '';
    const io = { stderr: { write: (s: string) => (err += s) } };
    expect(jobsForCores(undefined, io, 2)).toBeUndefined();
    expect(jobsForCores(2, io, 2)).toBe(2);
    expect(err).toBe('');
    expect(jobsForCores(16, io, 2)).toBe(2);
    expect(err).toBe('wirewhy: --jobs 16 is more than the 2 CPUs here; using 2\n');
  });

  it('scan --jobs far above the CPUs says so and scans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirewhy-jobs-'));
    try {
      writeFileSync(join(dir, 'refused.pcap'), writePcap(refusedRecords(40000).records));
      const cores = availableParallelism();
      const r = await runInProcess(['scan', dir, '--jobs', '999', '--format', 'json']);
      expect(r.err).toBe(`wirewhy: --jobs 999 is more than the ${cores} CPU${cores === 1 ? '' : 's'} here; using ${cores}\n`);
      expect(JSON.parse(r.out).totals.findings).toBe(1);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
