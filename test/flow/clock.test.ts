import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlowClock, TIME_JUMP_FORWARD } from '../../src/flow/clock.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { analyzeBuffer } from '../helpers/scenario.js';

describe('the flow clock', () => {
  it('passes ordinary timestamps through, small steps back included', () => {
    const c = new FlowClock();
    expect([c.time(100, 1), c.time(100.5, 2), c.time(100.2, 3), c.time(3000, 4)]).toEqual([100, 100.5, 100.2, 3000]);
    expect(c.jumps).toBe(0);
  });

  it('holds a frame that jumps alone, then places it between its neighbours', () => {
    const c = new FlowClock();
    c.time(100, 1);
    expect(c.time(100 + 80 * 365 * 86_400, 2)).toBeNaN();
    expect(c.holding).toBe(true);
    expect(c.time(101, 3)).toBe(101);
    expect({ at: c.heldTime, outlier: c.heldWasOutlier }).toEqual({ at: 100.5, outlier: true });
    expect(c.time(40, 4)).toBeNaN(); // a lone step back, likewise
    expect(c.time(102, 5)).toBe(102);
    expect(c.heldTime).toBe(101.5);
    expect({ jumps: c.jumps, first: c.firstJumpFrame }).toEqual({ jumps: 2, first: 2 });
  });

  it('a held frame at the end of the capture stays at the clock time', () => {
    const c = new FlowClock();
    c.time(100, 1);
    expect(c.time(0, 2)).toBeNaN();
    c.release();
    expect({ at: c.heldTime, outlier: c.heldWasOutlier, holding: c.holding }).toEqual({ at: 100, outlier: true, holding: false });
  });

  it('follows a lasting step forward, and a lasting step back without changing intervals', () => {
    const fwd = new FlowClock();
    fwd.time(100, 1);
    const later = 100 + 2 * TIME_JUMP_FORWARD;
    expect(fwd.time(later, 2)).toBeNaN();
    expect(fwd.time(later + 1, 3)).toBe(later + 1);
    expect({ at: fwd.heldTime, outlier: fwd.heldWasOutlier }).toEqual({ at: later, outlier: false });
    const back = new FlowClock();
    back.time(4999.75, 1);
    back.time(5000, 2);
    // The clock was set back an hour: frames keep their spacing (0, +1, +3 s), the step taken
    // to last as long as the gap before it (0.25 s).
    expect(back.time(1400, 3)).toBeNaN();
    expect(back.time(1401, 4)).toBe(5001.25);
    expect(back.heldTime).toBe(5000.25);
    expect(back.time(1403, 5)).toBe(5003.25);
    expect(back.jumps).toBe(1);
  });
});

/** A classic little-endian microsecond pcap with the timestamp of each record set by `stamp(index, seconds)`. */
function restamp(file: string, stamp: (i: number, sec: number) => number): Buffer {
  const b = Buffer.from(readFileSync(file));
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  for (let off = 24, i = 0; off < b.length; i++) {
    const sec = b.readUInt32LE(off);
    b.writeUInt32LE(stamp(i, sec) >>> 0, off);
    off += 16 + b.readUInt32LE(off + 8);
  }
  return b;
}

const verdicts = (r: AnalysisReport) => r.findings.map((f) => [f.rule, f.protocol, f.stream, f.frames, f.details.backoff]);

describe('one bad timestamp does not change verdicts', () => {
  it('a frame dated 2106 inside a SYN timeout: still one timeout, and the jump is named', async () => {
    const file = join(FIXTURES, 'kernel/syn-timeout.pcap');
    const clean = await analyzeBuffer(readFileSync(file));
    // Frame 4 (a SYN retry) claims the largest time a classic pcap can hold.
    const report = await analyzeBuffer(restamp(file, (i, sec) => (i === 3 ? 0xffffffff : sec)));
    expect(verdicts(report)).toEqual(verdicts(clean));
    expect(report.capture.anomalies.time_jump).toBe(1);
    const w = report.capture.warnings.find((x) => x.code === 'time_jump');
    expect(w).toMatchObject({ frame: 4 });
    expect(w!.message).toMatch(/^frame 4's timestamp jumps \d+ days ahead/);
    // The capture's time span ignores the outlier.
    expect(report.capture.end).toBe(clean.capture.end);
  });

  it('the clock stepped back an hour during a retransmission series: still connection-aborted', async () => {
    const file = join(FIXTURES, 'kernel/data-retrans-abort.pcap');
    const clean = await analyzeBuffer(readFileSync(file));
    expect(clean.findings.map((f) => f.rule)).toEqual(['connection-aborted']);
    const report = await analyzeBuffer(restamp(file, (i, sec) => (i >= 9 ? sec - 3600 : sec)));
    expect(verdicts(report)).toEqual(verdicts(clean));
    expect(report.capture.warnings.find((x) => x.code === 'time_jump')?.message).toMatch(/^frame 10's timestamp jumps .* behind/);
  });

  it('every frame but the first of a mixed capture once dated zero: the same findings', async () => {
    // The first frame is the clock's only reference: when it alone is wrong, frame 2 looks like a
    // lasting jump (warned, not corrected).
    const file = join(FIXTURES, 'kernel/mix.pcap');
    const clean = await analyzeBuffer(readFileSync(file));
    for (let k = 1; k < clean.capture.packets; k++) {
      const report = await analyzeBuffer(restamp(file, (i, sec) => (i === k ? 0 : sec)));
      // The same verdicts; a detail computed from the bad frame's own time (the backoff of a SYN
      // series) may differ, since its true time is unknown.
      const rules = (r: AnalysisReport) => verdicts(r).map((v) => v.slice(0, 4));
      expect(rules(report), `frame ${k + 1} dated 1970`).toEqual(rules(clean));
    }
  });
});

describe('durations in words', () => {
  it('round before splitting minutes and seconds', async () => {
    const { humanDuration } = await import('../../src/rules/engine.js');
    expect(humanDuration(3599.8)).toBe('60 min 0 s');
    expect(humanDuration(127.4)).toBe('2 min 7 s');
    expect(humanDuration(0.0002)).toBe('0.20 ms');
  });
});
