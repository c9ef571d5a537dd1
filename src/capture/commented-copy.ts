/**
 * A copy of a capture as pcapng with comments (opt_comment) on chosen frames, everything else
 * kept: the same frames in the same order with the same bytes, lengths and timestamps.
 *
 * The copy rides on the reader: a record parser wraps the reader's own pcap or pcapng parser, so
 * frame numbers, gzip, byte orders and every bound on lengths are the reader's, and the copy of a
 * run of records is written after the reader has accepted them.
 *
 * - pcapng: every block is copied byte for byte (interfaces with all their options, name
 *   resolution, statistics, custom blocks, packets with their options), except that a commented
 *   packet gets its comments after its own options, and each Section Header Block's section
 *   length becomes -1 (not specified), since blocks grow. A commented Simple Packet Block, which
 *   cannot hold options, becomes an Enhanced Packet Block on interface 0 with no timestamp (0).
 * - pcap: one section and one interface (the file's link type and snaplen, if_tsresol 9 for a
 *   nanosecond file), then one Enhanced Packet Block per record with the record's timestamp in
 *   the file's units.
 *
 * What the reader does not deliver is not copied: a record cut short at the end of the file, and
 * everything after a structural break (a warning of the reader says where).
 */
import type { Readable } from 'node:stream';
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import type { RecordParser } from './parser.js';
import { readCapture, type ReadResult } from './reader.js';
import { CaptureError, type CaptureInfo, type CaptureWarning, type Frame } from './types.js';
import {
  BLOCK_EPB,
  BLOCK_PB,
  BLOCK_SHB,
  BLOCK_SPB,
  BYTE_ORDER_MAGIC,
  OPT_IF_TSRESOL,
  OPT_SHB_USERAPPL,
  commentOptions,
  encodeOptions,
  interfaceDescriptionBlock,
  sectionHeaderBlock,
  timestampHalves,
  withPacketOptions,
  writeEnhancedPacket,
  type BufferedFileWriter,
  type PcapngOption,
} from './pcapng-writer.js';

/** Frame number → the comments for that frame, in order. */
export type FrameComments = ReadonlyMap<number, readonly string[]>;

/** Options for {@link copyWithComments}. */
export interface CommentedCopyOptions {
  /** shb_userappl of the section written for a classic pcap input ("wirewhy 1.2.3"). */
  userApplication?: string;
  /** Called between chunks; return true to stop (the copy is then incomplete). A write error stops it too (`out.failure`). */
  shouldStop?: () => boolean;
}

/** What the copy did, with the reader's result. */
export interface CommentedCopyResult extends ReadResult {
  /** Frames that received comments. */
  framesCommented: number;
  /** Comments written. */
  comments: number;
}

/** Copy `source` to `out` as pcapng with `comments` on their frames (see the module comment). */
export async function copyWithComments(
  source: string | Readable,
  out: BufferedFileWriter,
  comments: FrameComments,
  opts: CommentedCopyOptions = {},
): Promise<CommentedCopyResult> {
  const tally = { frames: 0, comments: 0 };
  const counted = (n: number): void => {
    tally.frames++;
    tally.comments += n;
  };
  let pcap: PcapAsPcapng | null = null;
  const result = await readCapture(source, () => {}, {
    shouldStop: () => out.failure !== undefined || (opts.shouldStop?.() ?? false),
    parserFor: (format, onFrame) => {
      if (format === 'pcapng') return new PcapngWithComments(onFrame, out, comments, counted);
      return (pcap = new PcapAsPcapng(onFrame, out, comments, counted, opts.userApplication));
    },
  });
  // A pcap file with a header and no records still becomes a pcapng file with its interface.
  (pcap as PcapAsPcapng | null)?.writeHeader();
  out.flush();
  return { ...result, framesCommented: tally.frames, comments: tally.comments };
}

/** The RecordParser members a wrapper hands on to the parser it wraps. */
abstract class WrappingParser implements RecordParser {
  protected abstract readonly inner: RecordParser;
  get info(): CaptureInfo {
    return this.inner.info;
  }
  get warnings(): CaptureWarning[] {
    return this.inner.warnings;
  }
  get stopped(): boolean {
    return this.inner.stopped;
  }
  set stopped(v: boolean) {
    this.inner.stopped = v;
  }
  get frames(): number {
    return this.inner.frames;
  }
  abstract parse(buf: Buffer, start: number, end: number, base: number): number;
}

/** Classic pcap in, pcapng out: a section, an interface, an Enhanced Packet Block per record. */
class PcapAsPcapng extends WrappingParser {
  protected readonly inner: PcapParser;
  private headerWritten = false;

  constructor(
    onFrame: (frame: Frame) => void,
    private readonly out: BufferedFileWriter,
    private readonly comments: FrameComments,
    private readonly counted: (comments: number) => void,
    private readonly userApplication?: string,
  ) {
    super();
    this.inner = new PcapParser((frame) => {
      this.writeFrame(frame);
      onFrame(frame);
    });
  }

  parse(buf: Buffer, start: number, end: number, base: number): number {
    return this.inner.parse(buf, start, end, base);
  }

  /** The section and interface blocks, once, after the reader has read the file header. */
  writeHeader(): void {
    if (this.headerWritten || this.inner.info.linkTypes.length === 0) return;
    this.headerWritten = true;
    const linkType = this.inner.info.linkTypes[0]!;
    // pcapng's LinkType field has 16 bits (§4.2); the registry holds no larger value.
    if (linkType > 0xffff) throw new CaptureError(`link type ${linkType} does not fit pcapng's 16-bit link type field`, 20, 'unsupported_link_type');
    const section: PcapngOption[] = this.userApplication ? [{ code: OPT_SHB_USERAPPL, value: Buffer.from(this.userApplication, 'utf8') }] : [];
    // Microseconds are pcapng's default resolution; nanoseconds are said with if_tsresol = 9.
    const iface: PcapngOption[] = this.inner.info.precision === 9 ? [{ code: OPT_IF_TSRESOL, value: Uint8Array.of(9) }] : [];
    this.out.write(sectionHeaderBlock(section));
    this.out.write(interfaceDescriptionBlock(linkType, this.inner.snapLength, iface));
  }

  private writeFrame(frame: Frame): void {
    this.writeHeader();
    const nano = this.inner.info.precision === 9;
    // The reader's nanoseconds are the record's fraction times 1 (ns files) or 1000 (µs files).
    const [high, low] = timestampHalves(frame.tsSec, nano ? frame.tsNsec : frame.tsNsec / 1000, nano ? 1e9 : 1e6);
    const comments = this.comments.get(frame.number);
    const options = comments ? encodeOptions(commentOptions(comments), true) : NO_OPTIONS;
    if (comments) this.counted(comments.length);
    writeEnhancedPacket(this.out, 0, high, low, frame.bytes!, frame.dataStart!, frame.dataEnd!, frame.originalLength, options);
  }
}

const NO_OPTIONS = Buffer.alloc(0);
/** Section length -1: "not specified" (§4.1), true of every section once a block has grown. */
const UNSPECIFIED_SECTION_LENGTH = Buffer.alloc(8, 0xff);

/** A commented frame of the current run: where its block starts, and what the reader saw. */
interface Mark {
  offset: number;
  comments: readonly string[];
  captured: number;
  originalLength: number;
}

/** pcapng in, pcapng out: every block the reader accepted, copied, commented where asked. */
class PcapngWithComments extends WrappingParser {
  protected readonly inner: PcapngParser;
  /** Commented frames the reader delivered in the current run, in stream order. */
  private readonly marks: Mark[] = [];
  /** Byte order of the current section. */
  private le = true;

  constructor(
    onFrame: (frame: Frame) => void,
    private readonly out: BufferedFileWriter,
    comments: FrameComments,
    private readonly counted: (comments: number) => void,
  ) {
    super();
    this.inner = new PcapngParser((frame) => {
      const c = comments.get(frame.number);
      if (c) this.marks.push({ offset: frame.offset, comments: c, captured: frame.dataEnd! - frame.dataStart!, originalLength: frame.originalLength });
      onFrame(frame);
    });
  }

  parse(buf: Buffer, start: number, end: number, base: number): number {
    this.marks.length = 0;
    const pos = this.inner.parse(buf, start, end, base);
    // The reader accepted every block in [start, pos): their lengths agree and fit. Walk them again.
    let next = 0;
    for (let p = start; p < pos; ) {
      const out = this.out;
      if (buf.readUInt32LE(p) === BLOCK_SHB) {
        this.le = buf.readUInt32LE(p + 8) === BYTE_ORDER_MAGIC;
        const total = this.u32(buf, p + 4);
        out.write(buf, p, p + 16);
        out.write(UNSPECIFIED_SECTION_LENGTH);
        out.write(buf, p + 24, p + total);
        p += total;
        continue;
      }
      const total = this.u32(buf, p + 4);
      const mark = this.marks[next];
      if (mark !== undefined && mark.offset === base + p) {
        next++;
        this.writeCommented(buf, p, total, mark);
      } else {
        out.write(buf, p, p + total);
      }
      p += total;
    }
    return pos;
  }

  private u32(buf: Buffer, o: number): number {
    return this.le ? buf.readUInt32LE(o) : buf.readUInt32BE(o);
  }

  private writeCommented(buf: Buffer, p: number, total: number, mark: Mark): void {
    const type = this.u32(buf, p);
    const options = commentOptions(mark.comments);
    if (type === BLOCK_EPB || type === BLOCK_PB) {
      this.out.write(withPacketOptions(buf.subarray(p, p + total), this.le, options));
    } else if (type === BLOCK_SPB) {
      // original_len(4) then the data, which the reader bounded by the snaplen and the block.
      const data = p + 12;
      writeEnhancedPacket(this.out, 0, 0, 0, buf, data, data + mark.captured, mark.originalLength, encodeOptions(options, this.le), this.le);
    } else {
      this.out.write(buf, p, p + total);
      return;
    }
    this.counted(mark.comments.length);
  }
}
