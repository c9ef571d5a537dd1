/** `scan` text output fits the terminal: tables shrink (narrow layout below 100 columns, cells wrapped by cli-table3) and prose wraps. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { BIN } from './cli-run.js';

function scanAt(columns: number, ...args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, 'scan', 'fixtures/kernel', '-q', ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: String(columns), NO_COLOR: '1' } });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('scan text at any width', () => {
  for (const columns of [40, 60, 80, 120]) {
    it(`no line is wider than ${columns} columns`, () => {
      for (const out of [scanAt(columns), scanAt(columns, '--code', '10061')]) {
        const widest = Math.max(...out.split('\n').map((l) => stringWidth(l)));
        expect(widest).toBeLessThanOrEqual(columns);
      }
    });
  }

  it('wide terminals keep every column; narrow ones keep the file, its findings and the codes as numbers', () => {
    const wide = scanAt(250);
    // Unicode or ASCII borders, as the locale says.
    const row = (...cells: string[]) => new RegExp(`[│|] ${cells.join(' +[│|] ')} +[│|]`);
    expect(wide).toMatch(row('File', 'Packets', 'Conversations', 'Findings', 'By rule', 'Errors'));
    expect(wide).toMatch(row('Rule', 'Server', 'Count', 'Captures', 'Windows', 'Linux'));
    const narrow = scanAt(80);
    expect(narrow).toMatch(row('File', 'Findings', 'By rule', 'Errors'));
    expect(narrow).toMatch(row('Rule', 'Server', 'Count', 'Captures', 'Windows( /)?'));
    expect(narrow).not.toMatch(row('Windows', 'Linux'));
    // Nothing is lost: every capture's path is there, wrapped inside its cell.
    const cells = (text: string) => text.split('\n').filter((l) => /^[│|] /.test(l)).map((l) => l.split(/[│|]/)[1]!.trim()).join('');
    expect(cells(narrow)).toContain('fixtures/kernel/tls12-untrusted-cert.pcap');
  });
});
