/**
 * Keeps the serialized reports of a scan on disk until the scan document is written, so that
 * `scan --format json` holds one report at a time however many captures the folder has. The
 * reports arrive in completion order and leave in walk order. Where no temporary file can be
 * made, they stay in memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class ReportSpill {
  private dir: string | null = null;
  private fd = -1;
  private size = 0;
  private readonly where = new Map<string, { offset: number; length: number }>();
  private readonly inMemory = new Map<string, string>();

  constructor() {
    try {
      this.dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-'));
      this.fd = openSync(join(this.dir, 'reports.json'), 'w+');
    } catch {
      this.close();
    }
  }

  /** Keep the serialized report of `file`. */
  put(file: string, json: string): void {
    if (this.fd < 0) {
      this.inMemory.set(file, json);
      return;
    }
    const bytes = Buffer.from(json, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.size + done);
    this.where.set(file, { offset: this.size, length: bytes.length });
    this.size += bytes.length;
  }

  /** The serialized report of `file` (read back once; an empty string when there is none). */
  take(file: string): string {
    const kept = this.inMemory.get(file);
    if (kept !== undefined) {
      this.inMemory.delete(file);
      return kept;
    }
    const at = this.where.get(file);
    if (!at || this.fd < 0) return '';
    this.where.delete(file);
    const bytes = Buffer.allocUnsafe(at.length);
    let done = 0;
    while (done < at.length) {
      const n = readSync(this.fd, bytes, done, at.length - done, at.offset + done);
      if (n === 0) break;
      done += n;
    }
    return bytes.toString('utf8', 0, done);
  }

  /** Remove the temporary file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
