/**
 * Ctrl-C during `wirewhy scan`: the process exits 130, says "analysed K of N", counts in its
 * totals only the captures it read, and JUnit marks the others as errors (CI shows skipped tests
 * as passing). The signal is a real SIGINT to the built command, sent once it reads a capture.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './cli-run.js';
import { manyRefusalsPcap } from './corpus.js';

const CAPTURES = 30;
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-interrupt-'));
  // 3,000 refusals a capture: long enough to read that the scan is still running when the signal comes.
  const capture = manyRefusalsPcap(3000);
  for (let i = 0; i < CAPTURES; i++) writeFileSync(join(dir, `capture-${String(i).padStart(2, '0')}.pcap`), capture);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** True once process `pid` holds a file of the scanned folder open (Linux /proc); without /proc, after a second. */
function readingCapture(pid: number, started: number): boolean {
  const fds = `/proc/${pid}/fd`;
  if (!existsSync('/proc/self/fd')) return Date.now() - started > 1000;
  try {
    return readdirSync(fds).some((fd) => {
      try {
        return readlinkSync(join(fds, fd)).startsWith(dir);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Run `wirewhy scan DIR --jobs 1 ARGS`, send SIGINT while it reads a capture, and collect what it printed. */
function interruptedScan(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'scan', dir, '--jobs', '1', ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const started = Date.now();
    const poll = setInterval(() => {
      if (readingCapture(child.pid!, started)) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, out, err });
    });
  });
}

describe('an interrupted scan', () => {
  it('exits 130, says "analysed K of N" and counts only what it read', async () => {
    const r = await interruptedScan([]);
    expect(r.code, r.err).toBe(130);
    const m = /Interrupted: analysed (\d+) of (\d+) captures; the totals count only the captures read\./.exec(r.out);
    expect(m, r.out).not.toBeNull();
    const analysed = Number(m![1]);
    expect(Number(m![2])).toBe(CAPTURES);
    expect(analysed).toBeLessThan(CAPTURES);
    expect(r.out).toContain(`Scanned ${analysed} capture${analysed === 1 ? '' : 's'} (${analysed} analysed`);
    if (analysed > 0) expect(r.out).toMatch(new RegExp(`Total \\(${analysed} captures?\\)`));
    expect(r.out).toContain(`Not analysed, interrupted (${CAPTURES - analysed}):`);
    // Every refusal counted belongs to a capture that was read: 3,000 each.
    const findings = /(\d+) failed connections? in/.exec(r.out);
    if (analysed > 0) expect(Number(findings![1])).toBeLessThanOrEqual(analysed * 3000);
  });

  it('JUnit: the captures not analysed are errors, none skipped; stderr says how many were analysed', async () => {
    const r = await interruptedScan(['--format', 'junit']);
    expect(r.code, r.err).toBe(130);
    const m = /^wirewhy: Interrupted: analysed (\d+) of 30 captures$/m.exec(r.err);
    expect(m, r.err).not.toBeNull();
    const analysed = Number(m![1]);
    const suite = /<testsuite name="wirewhy scan" ([^>]*)>/.exec(r.out)![1]!;
    expect(suite).toContain(`tests="${CAPTURES}"`);
    expect(suite).toContain(`errors="${CAPTURES - analysed}"`);
    expect(suite).not.toMatch(/skipped="[1-9]/);
    expect(r.out.match(/<error message="not analysed: the scan was interrupted" type="interrupted"/g)?.length).toBe(CAPTURES - analysed);
    expect(r.out).not.toContain('<skipped');
  });
});
