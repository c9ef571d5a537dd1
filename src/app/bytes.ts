/**
 * Bounded byte reading and printable text for the recognisers: every read is checked against
 * the end of the buffer (a short read yields -1 or null, never an exception), and every string
 * taken from a packet is made printable before it leaves this folder.
 */

/** Longest string kept from a packet (SNI, request line, banner…), in characters. */
export const MAX_TEXT = 200;

/** Big-endian reader over a byte view; reads past the end return -1 / null and set `short`. */
export class ByteReader {
  pos: number;
  short = false;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return Math.max(0, this.end - this.pos);
  }

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.end) {
      this.short = true;
      this.pos = this.end;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? -1 : this.bytes[at]!;
  }

  u16(): number {
    const at = this.take(2);
    return at < 0 ? -1 : (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  u16le(): number {
    const at = this.take(2);
    return at < 0 ? -1 : this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  u24(): number {
    const at = this.take(3);
    return at < 0 ? -1 : (this.bytes[at]! << 16) | (this.bytes[at + 1]! << 8) | this.bytes[at + 2]!;
  }

  u32(): number {
    const at = this.take(4);
    return at < 0 ? -1 : ((this.bytes[at]! << 24) >>> 0) + ((this.bytes[at + 1]! << 16) | (this.bytes[at + 2]! << 8) | this.bytes[at + 3]!);
  }

  /** A view of the next `n` bytes, or null when fewer remain. */
  view(n: number): Uint8Array | null {
    const at = this.take(n);
    return at < 0 ? null : this.bytes.subarray(at, at + n);
  }

  /** A sub-reader over the next `n` bytes (clamped to what remains; `short` set when clamped). */
  sub(n: number): ByteReader {
    const avail = Math.min(Math.max(n, 0), this.remaining);
    if (avail < n) this.short = true;
    const r = new ByteReader(this.bytes, this.pos, this.pos + avail);
    this.pos += avail;
    return r;
  }
}

/**
 * Printable ASCII: control characters, DEL and bytes ≥ 0x80 become \xNN, a backslash becomes
 * \\; longer than `max` characters is cut with "…".
 */
export function printable(bytes: Uint8Array, max = MAX_TEXT): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
    if (out.length > max) return `${out.slice(0, max)}…`;
  }
  return out;
}

/** Same as `printable` for a JS string (already decoded). */
export function printableString(s: string, max = MAX_TEXT): string {
  const codes = new Uint8Array(Math.min(s.length, max * 4));
  for (let i = 0; i < codes.length; i++) {
    const c = s.charCodeAt(i);
    codes[i] = c > 0xff ? 0x3f : c;
  }
  return printable(codes, max);
}

/** Latin-1 text of at most `max` bytes (for line matching; not for output: see `printable`). */
export function latin1(bytes: Uint8Array, max = 65536): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString('latin1');
}

/** Lines of text split on CR LF or LF (the last, unterminated, line included). */
export function lines(bytes: Uint8Array): string[] {
  return latin1(bytes).split(/\r?\n/);
}

/** True when the view starts with the ASCII string `prefix`. */
export function startsWith(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** "then reset" / "then closed" / "" for how a side ended. */
export function endWords(ended: 'fin' | 'rst' | 'open'): string {
  return ended === 'rst' ? ', then reset' : ended === 'fin' ? ', then closed' : '';
}
