import type { CaptureInfo, CaptureWarning } from './types.js';

/**
 * Upper bound on one record's captured bytes (and on a pcapng block). Wireshark's own limit for
 * most link types is 256 KiB; we allow more for odd link types but never trust a length beyond
 * this, so a record claiming 4 GB cannot make us buffer 4 GB.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * A push parser for one capture format. The reader hands it contiguous bytes; it consumes as
 * many whole records as it can and says where it stopped. Frames are delivered synchronously.
 */
export interface RecordParser {
  readonly info: CaptureInfo;
  readonly warnings: CaptureWarning[];
  /** Set when the structure broke and nothing more can be read. */
  stopped: boolean;
  /** Frames delivered so far. */
  frames: number;
  /**
   * Parse whole records in `buf[start, end)`. `base` is the stream offset of `buf[0]`.
   * Returns the offset of the first byte not consumed. Throws CaptureError only when the file
   * header itself is unusable.
   */
  parse(buf: Buffer, start: number, end: number, base: number): number;
}
