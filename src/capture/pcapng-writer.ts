/**
 * Writing pcapng: block and option layouts, and a buffered file sink. Ref: draft-ietf-opsawg-pcapng.
 *
 * Block (§3.1):  block_type(4) block_total_length(4) body… block_total_length(4)
 * Option (§3.5): option_code(2) option_length(2) value padded to 4; the list ends with
 *                opt_endofopt (code 0, length 0), which writers MUST put at its end
 * SHB (§4.1):    byte_order_magic(4)=0x1A2B3C4D major(2)=1 minor(2)=0 section_length(8) options
 * IDB (§4.2):    linktype(2) reserved(2) snaplen(4) options
 * EPB (§4.3):    interface_id(4) ts_high(4) ts_low(4) captured_len(4) original_len(4)
 *                data padded to 4, options
 * PB  (§4.7, obsolete): interface_id(2) drops_count(2) then as EPB: its options start at the
 *                same offset, so comments are added to both the same way
 *
 * Blocks this module makes are little-endian; a block rewritten inside an existing section keeps
 * that section's byte order.
 */
import { writeSync } from 'node:fs';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
/** opt_comment (§3.5): a UTF-8 string, not zero-terminated, repeatable. */
export const OPT_COMMENT = 1;
/** shb_userappl (§4.1): the application that wrote the section. */
export const OPT_SHB_USERAPPL = 4;
/** if_tsresol (§4.2): timestamp units; 6 (microseconds) when absent, 9 for nanoseconds. */
export const OPT_IF_TSRESOL = 9;

/** Offset of the packet data in an EPB or PB; its options follow the padded data. */
export const PACKET_DATA_OFFSET = 28;

/**
 * A comment is cut to this many UTF-8 bytes: an option's length is 16 bits, and Wireshark shows
 * a comment on one line of the packet details.
 */
export const MAX_COMMENT_BYTES = 4096;

/** One option to write: its code and value bytes. */
export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

/** `n` rounded up to a multiple of 4 (every field is padded to 32 bits). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The bytes of a comment: UTF-8, control characters (a NUL would end the string for readers)
 * shown as spaces, cut at a character boundary to MAX_COMMENT_BYTES.
 */
export function commentBytes(text: string): Buffer {
  const bytes = Buffer.from(text.replace(/[\u0000-\u001f\u007f]/g, ' '), 'utf8');
  if (bytes.length <= MAX_COMMENT_BYTES) return bytes;
  let end = MAX_COMMENT_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a multi-byte character
  return bytes.subarray(0, end);
}

/** An option list (§3.5), ended by opt_endofopt; empty when there are no options. */
export function encodeOptions(options: readonly PcapngOption[], le: boolean): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  let size = 4;
  for (const o of options) size += 4 + pad4(o.value.length);
  const out = Buffer.alloc(size); // zeroed: the padding MUST be zero (§3.6.2)
  let p = 0;
  for (const o of options) {
    writeU16(out, p, o.code, le);
    writeU16(out, p + 2, o.value.length, le);
    out.set(o.value, p + 4);
    p += 4 + pad4(o.value.length);
  }
  return out; // the last 4 bytes stay zero: opt_endofopt
}

/** opt_comment options for each comment. */
export function commentOptions(comments: readonly string[]): PcapngOption[] {
  return comments.map((c) => ({ code: OPT_COMMENT, value: commentBytes(c) }));
}

function writeU16(buf: Buffer, o: number, v: number, le: boolean): void {
  if (le) buf.writeUInt16LE(v, o);
  else buf.writeUInt16BE(v, o);
}

function writeU32(buf: Buffer, o: number, v: number, le: boolean): void {
  if (le) buf.writeUInt32LE(v >>> 0, o);
  else buf.writeUInt32BE(v >>> 0, o);
}

/** A whole block from its type, fixed body and options, with both length fields. */
function block(type: number, body: Buffer, options: Buffer, le: boolean): Buffer {
  const total = 12 + body.length + options.length;
  const out = Buffer.alloc(total);
  writeU32(out, 0, type, le);
  writeU32(out, 4, total, le);
  body.copy(out, 8);
  options.copy(out, 8 + body.length);
  writeU32(out, total - 4, total, le);
  return out;
}

/** A little-endian Section Header Block, version 1.0, section length -1 (not specified). */
export function sectionHeaderBlock(options: readonly PcapngOption[]): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.fill(0xff, 8, 16);
  return block(BLOCK_SHB, body, encodeOptions(options, true), true);
}

/** A little-endian Interface Description Block. */
export function interfaceDescriptionBlock(linkType: number, snaplen: number, options: readonly PcapngOption[]): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(linkType, 0);
  body.writeUInt32LE(snaplen >>> 0, 4);
  return block(BLOCK_IDB, body, encodeOptions(options, true), true);
}

/** Scratch for the fixed part of a packet block and the trailer; writes are synchronous. */
const packetHead = Buffer.alloc(PACKET_DATA_OFFSET);
const packetTrailer = Buffer.alloc(4);
const ZERO_PADDING = Buffer.alloc(4);

/**
 * Write an Enhanced Packet Block whose data is `data[start, end)`, without copying the data
 * first. `tsHigh`/`tsLow` are the timestamp in the interface's units, split in 32-bit halves
 * (see timestampHalves); `options` is an encoded list (encodeOptions), possibly empty.
 */
export function writeEnhancedPacket(
  out: BufferedFileWriter,
  interfaceId: number,
  tsHigh: number,
  tsLow: number,
  data: Uint8Array,
  start: number,
  end: number,
  originalLength: number,
  options: Buffer,
  le = true,
): void {
  const captured = end - start;
  const padding = pad4(captured) - captured;
  const total = PACKET_DATA_OFFSET + captured + padding + options.length + 4;
  writeU32(packetHead, 0, BLOCK_EPB, le);
  writeU32(packetHead, 4, total, le);
  writeU32(packetHead, 8, interfaceId, le);
  writeU32(packetHead, 12, tsHigh, le);
  writeU32(packetHead, 16, tsLow, le);
  writeU32(packetHead, 20, captured, le);
  writeU32(packetHead, 24, originalLength, le);
  writeU32(packetTrailer, 0, total, le);
  out.write(packetHead);
  out.write(data, start, end);
  out.write(ZERO_PADDING, 0, padding);
  out.write(options);
  out.write(packetTrailer);
}

/**
 * A copy of an Enhanced Packet Block or (obsolete) Packet Block with `extra` options added after
 * its own, which are kept byte for byte. The packet data ends the fixed part; the block's options
 * are walked to their opt_endofopt or to the first option that runs past the block, and ours
 * follow, with a new opt_endofopt.
 */
export function withPacketOptions(packetBlock: Buffer, le: boolean, extra: readonly PcapngOption[]): Buffer {
  const total = packetBlock.length;
  const optEnd = total - 4;
  const u16 = (o: number): number => (le ? packetBlock.readUInt16LE(o) : packetBlock.readUInt16BE(o));
  // A captured length that claims more than the block holds is bounded by the block, as the
  // reader bounds it, and said so in the copy: its options then start after that data.
  const claimed = le ? packetBlock.readUInt32LE(20) : packetBlock.readUInt32BE(20);
  const captured = Math.min(claimed, optEnd - PACKET_DATA_OFFSET);
  let p = PACKET_DATA_OFFSET + pad4(captured);
  while (p + 4 <= optEnd) {
    const code = u16(p);
    if (code === OPT_ENDOFOPT) break;
    const next = p + 4 + pad4(u16(p + 2));
    if (next > optEnd) break;
    p = next;
  }
  const opts = encodeOptions(extra, le);
  const out = Buffer.alloc(p + opts.length + 4);
  packetBlock.copy(out, 0, 0, p);
  opts.copy(out, p);
  writeU32(out, 4, out.length, le);
  writeU32(out, 20, captured, le);
  writeU32(out, out.length - 4, out.length, le);
  return out;
}

/**
 * A 64-bit timestamp in `unitsPerSecond` (at most 2^32) split in 32-bit halves, exactly: the
 * product of seconds and units passes 2^53 for ordinary dates in nanoseconds.
 */
export function timestampHalves(sec: number, units: number, unitsPerSecond: number): [high: number, low: number] {
  const secHigh = Math.floor(sec / 65536);
  const secLow = sec - secHigh * 65536;
  // sec * ups + units = secHigh * ups * 2^16 + (secLow * ups + units); each product < 2^53.
  const a = secHigh * unitsPerSecond;
  const aHigh = Math.floor(a / 65536);
  const c = (a - aHigh * 65536) * 65536 + secLow * unitsPerSecond + units;
  const carry = Math.floor(c / 4294967296);
  return [aHigh + carry, c - carry * 4294967296];
}

/**
 * A file written in large synchronous writes from a reused buffer: the copy runs inside the
 * reader's synchronous record callbacks, and memory stays at one buffer whatever the file size.
 * A write error (a full disk) never throws into the reader, which would take it for a broken
 * capture: it is kept in `failure`, and every write after it is dropped.
 */
export class BufferedFileWriter {
  private readonly buffer: Buffer;
  private used = 0;
  /** Bytes handed to the file so far. */
  written = 0;
  /** The first write error, if any. */
  failure: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly fd: number,
    bufferBytes = 1024 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(bufferBytes);
  }

  /** Write `bytes[start, end)`; the bytes are copied or written before this returns. */
  write(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start;
    if (n <= 0 || this.failure) return;
    if (this.used + n > this.buffer.length) this.flush();
    if (n >= this.buffer.length) {
      this.writeAll(bytes, start, end);
      return;
    }
    this.buffer.set(bytes.subarray(start, end), this.used);
    this.used += n;
  }

  /** Hand everything buffered to the file. */
  flush(): void {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    this.writeAll(this.buffer, 0, n);
  }

  private writeAll(bytes: Uint8Array, start: number, end: number): void {
    if (this.failure) return;
    try {
      let p = start;
      while (p < end) p += writeSync(this.fd, bytes, p, end - p);
      this.written += end - start;
    } catch (e) {
      this.failure = e as NodeJS.ErrnoException;
    }
  }
}
