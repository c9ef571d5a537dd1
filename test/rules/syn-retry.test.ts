import { describe, expect, it } from 'vitest';
import { synOptionSignature } from '../../src/flow/tcp.js';
import { SYN_OPTIONS } from '../helpers/syn-options.js';
import { BSD, endedBefore, fitProfile, judgeSynSeries, LINUX, LINUX_LINEAR, profilesForSyn, signatureCodes, timerGaps, WINDOWS } from '../../src/rules/syn-retry.js';

const sig = (b: Buffer): number => synOptionSignature(b, 0, b.length);

/** SYN times from the gaps between them. */
function at(gaps: number[]): number[] {
  const times = [0];
  for (const g of gaps) times.push(times[times.length - 1]! + g);
  return times;
}

describe('synOptionSignature', () => {
  it('keeps the option kinds in order, NOPs left out, EOL ends the list', () => {
    expect(signatureCodes(sig(SYN_OPTIONS.windows))).toEqual([3, 4, 5]);
    expect(signatureCodes(sig(SYN_OPTIONS.linux))).toEqual([3, 5, 9, 4]);
    expect(signatureCodes(sig(SYN_OPTIONS.apple))).toEqual([3, 4, 9, 5, 1]);
  });

  it('stops at a bad length and at the end of the options, and keeps at most 7', () => {
    expect(signatureCodes(synOptionSignature(Buffer.from([2, 0, 5, 0xb4]), 0, 4))).toEqual([3]);
    expect(signatureCodes(synOptionSignature(Buffer.from([2, 4, 5]), 0, 3))).toEqual([3]);
    expect(synOptionSignature(Buffer.from([]), 0, 0)).toBe(0);
    const many = Buffer.from(Array.from({ length: 10 }, () => [4, 2]).flat());
    expect(signatureCodes(synOptionSignature(many, 0, many.length))).toHaveLength(7);
    // An option kind above 13 (TCP Fast Open, 34) is code 15.
    expect(signatureCodes(synOptionSignature(Buffer.from([34, 2]), 0, 2))).toEqual([15]);
  });
});

describe('profilesForSyn: the stack from the first SYN', () => {
  it('TTL 128 is Windows', () => expect(profilesForSyn(128, sig(SYN_OPTIONS.windows))).toEqual([WINDOWS]));
  it('TTL 64 after hops, Linux option order: both Linux schedules', () => expect(profilesForSyn(61, sig(SYN_OPTIONS.linux))).toEqual([LINUX_LINEAR, LINUX]));
  it('TTL 64, Apple option order: the BSD schedule', () => expect(profilesForSyn(64, sig(SYN_OPTIONS.apple))).toEqual([BSD]));
  it('no options, TTL 255 or no SYN seen: anything', () => {
    expect(profilesForSyn(64, 0)).toHaveLength(4);
    expect(profilesForSyn(250, sig(SYN_OPTIONS.linux))).toHaveLength(4);
    expect(profilesForSyn(-1, 0)).toHaveLength(4);
  });
});

describe('fitProfile', () => {
  it('finds the first timeout that explains the gaps', () => {
    expect(fitProfile(WINDOWS, [2.94, 6.04])).toBeCloseTo(2.94);
    expect(fitProfile(LINUX_LINEAR, [1.0, 1.02, 1.02, 1.02, 1.02, 2.02, 4.19])).toBeCloseTo(1.0);
    expect(fitProfile(LINUX, [1, 2, 4, 8, 16])).toBe(1);
  });
  it('rejects a schedule the gaps do not follow', () => {
    expect(fitProfile(LINUX, [1, 1, 1])).toBeNull();
    expect(fitProfile(BSD, [1, 1, 1, 2])).toBeNull();
    // An 8 s first gap is no stack's default first timeout.
    expect(fitProfile(LINUX, [8])).toBeNull();
  });
  it('a gap sent at once because of a rejected answer fits any slot', () => {
    expect(fitProfile(LINUX_LINEAR, [null, 1, 1, 1, 1, 2])).toBe(1);
  });
});

describe('judgeSynSeries', () => {
  const windows = (gaps: number[]) => judgeSynSeries(at(gaps), gaps.length + 1, 128, sig(SYN_OPTIONS.windows), []);

  it('Windows, 2 SYNs 3 s apart: the next retry is due 6 s after the second', () => {
    expect(windows([3])).toMatchObject({ profile: WINDOWS, nextStep: 'retry', reachedLimit: false });
    expect(windows([3]).nextGap).toBeCloseTo(6);
  });

  it('Windows, 3 SYNs at 0, 3, 9 s: it gives up 12 s after the third (21 s)', () => {
    expect(windows([3, 6])).toMatchObject({ profile: WINDOWS, nextGap: 12, nextStep: 'give-up', reachedLimit: true });
  });

  it('Linux 6.x (the kernel fixture syn-timeout): the 8th SYN is followed by 8 s, then ETIMEDOUT', () => {
    const times = [0, 1.006, 2.034, 3.054, 4.082, 5.103, 7.122, 11.151];
    const j = judgeSynSeries(times, 8, 64, sig(SYN_OPTIONS.linux), []);
    expect(j.profile).toBe(LINUX_LINEAR);
    expect(j.nextGap).toBeCloseTo(8, 0);
  });

  it('Linux after an unacceptable RST (the kernel fixture rst-bad-ack): the at-once retry is not a timer gap', () => {
    const times = [0, 0.016, 1.02, 2.044, 3.068, 4.092, 6.108];
    const rejected = [0.007, 0.0165, 1.0205, 2.0445, 3.0687, 4.0925, 6.1085];
    expect(timerGaps(times, rejected)[0]).toBeNull();
    const j = judgeSynSeries(times, 7, 64, sig(SYN_OPTIONS.linux), rejected);
    expect(j).toMatchObject({ profile: LINUX_LINEAR, nextStep: 'retry', reachedLimit: false });
    expect(j.nextGap).toBeCloseTo(4, 0);
  });

  it('macOS: 11 SYNs (0 … 67 s), then the 75 s connection timer ends the attempt', () => {
    const j = judgeSynSeries(at([1, 1, 1, 1, 1, 2, 4, 8, 16, 32]), 11, 64, sig(SYN_OPTIONS.apple), []);
    expect(j).toMatchObject({ profile: BSD, nextGap: 8, nextStep: 'give-up', reachedLimit: true });
  });

  it('Linux classic or Linux 6.x after one 1 s gap: the later of the two next steps, the stack named once', () => {
    const j = judgeSynSeries([0, 1], 2, 64, sig(SYN_OPTIONS.linux), []);
    expect(j.profile).toBe(LINUX);
    expect(j.nextGap).toBe(2);
  });

  it('a client that says nothing about its stack: no profile named, the latest next step of those that fit', () => {
    const j = judgeSynSeries([0, 1, 3], 3, 64, 0, []);
    expect(j.profile).toBeNull();
    expect(j.nextGap).toBe(4);
  });

  it('no schedule fits: the next gap doubles the last', () => {
    expect(judgeSynSeries([0, 8], 2, 64, sig(SYN_OPTIONS.linux), [])).toMatchObject({ profile: null, nextGap: 16 });
  });
});

describe('endedBefore', () => {
  it('allows timer slack around the due time', () => {
    expect(endedBefore(4.1, 6)).toBe(true);
    expect(endedBefore(6.3, 6)).toBe(true);
    expect(endedBefore(9.2, 8)).toBe(false);
  });
});
