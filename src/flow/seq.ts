/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 793 §3.3, RFC 1982 serial numbers).
 * Every comparison of sequence numbers goes through this module.
 */

/** Signed distance from `a` to `b` modulo 2^32, in (-2^31, 2^31]: positive when b is after a. */
export function seqDiff(a: number, b: number): number {
  return (b - a) | 0;
}

/** True when `a` is strictly before `b` (with wraparound). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** True when `a` is before or equal to `b` (with wraparound). */
export function seqLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a + n` modulo 2^32, as an unsigned number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a;
}
