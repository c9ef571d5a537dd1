/** The scan progress bar: its text, and at most ten redraws a second. */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatEta, ProgressBar, progressLine } from '../../src/scan/progress.js';

describe('progress bar', () => {
  it('shows files done of total, bytes, MB/s and ETA', () => {
    const line = progressLine(37, 200, 50e6, 200e6, 2, 100, false);
    expect(line).toBe('[########----------------------] 37/200 files  50.0 MB/200 MB  25.0 MB/s  ETA 0:06');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_234_567_890)).toBe('1.23 GB');
    expect(formatEta(3723)).toBe('1:02:03');
    expect(formatEta(Infinity)).toBe('--:--');
  });

  it('redraws at most ten times a second, in place', () => {
    let t = 0;
    const writes: string[] = [];
    const bar = new ProgressBar({ write: (s) => writes.push(s), columns: 80 }, 10, 1000, true, () => t);
    for (let i = 0; i < 100; i++) {
      t += 10; // 100 updates over one second
      bar.update(i * 10, Math.floor(i / 10));
    }
    expect(writes.length).toBeLessThanOrEqual(11);
    expect(writes.length).toBeGreaterThanOrEqual(9);
    for (const w of writes) expect(w.startsWith('\r')).toBe(true);
    bar.clear();
    expect(writes[writes.length - 1]).toBe('\r\x1b[K');
  });
});
