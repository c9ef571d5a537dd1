/** `wirewhy explain` on the command line: what people paste, as one argument or several words. */
import { describe, expect, it } from 'vitest';
import { runBin, runInProcess } from '../scan/cli-run.js';

describe('wirewhy explain', () => {
  it('takes a message as one quoted argument or as several words', async () => {
    const quoted = await runInProcess(['explain', '[Errno 111] Connection refused']);
    const words = await runInProcess(['explain', '[Errno', '111]', 'Connection', 'refused']);
    expect(quoted.code).toBe(0);
    expect(words.out).toBe(quoted.out);
    expect(quoted.out).toContain('Linux errno 111 ECONNREFUSED');
  });

  it('reads a negative number as an error code, not an option', () => {
    const r = runBin(['explain', '-102']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('ERR_CONNECTION_REFUSED');
  });

  it('COLUMNS=80: the first screen is under 25 lines of at most 80 columns; --full is longer', async () => {
    for (const q of ['10061', '53', 'connection-refused']) {
      const r = await runInProcess(['explain', q], { NO_COLOR: '1', COLUMNS: '80' });
      const lines = r.out.replace(/\n$/, '').split('\n');
      expect(lines.length, q).toBeLessThan(25);
      expect(Math.max(...lines.map((l) => l.length)), q).toBeLessThanOrEqual(80);
    }
    const fullOut = (await runInProcess(['explain', '--full', '53'], { NO_COLOR: '1', COLUMNS: '80' })).out;
    expect(fullOut.split('\n').length).toBeGreaterThan(25);
    expect(fullOut).toContain('Source:');
  });

  it('fits a narrower terminal', async () => {
    const r = await runInProcess(['explain', '10061'], { NO_COLOR: '1', COLUMNS: '50' });
    for (const l of r.out.replace(/\n$/, '').split('\n')) expect(l.length, l).toBeLessThanOrEqual(50);
  });

  it('exits 2 for something it does not know, and says what it accepts', async () => {
    const r = await runInProcess(['explain', 'no such thing at all']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('Nothing known as "no such thing at all"');
    expect(r.out).toContain('0x8007274D');
  });
});
