/**
 * Builds folders of captures for the scan and check tests, with the project's pcap writer:
 * refused and healthy conversations, every container variant, corrupt files, files that are
 * not captures, a misnamed capture, a gzip, nested folders and a symbolic-link loop.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writePcap, writePcapng } from '../../dev/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';

/** A refusal: SYN from 10.0.0.1:`port` (or `client`) to `server`, answered by RST,ACK. */
export function refusedRecords(port: number, server = '10.0.0.2:8080', at: { client?: string; t0?: number } = {}): Scenario {
  return new Scenario(at.client ?? `10.0.0.1:${port}`, server, { t0: at.t0 }).tcp('c', 0, ['SYN'], 1000).tcp('s', 0.0002, ['RST', 'ACK'], 0, 1001);
}

/** One capture of `count` refusals from as many clients, 1 ms apart (a report of megabytes for a few thousand). */
export function manyRefusalsPcap(count: number): Buffer {
  const records = Array.from({ length: count }, (_, i) =>
    new Scenario(`10.0.${i >> 8}.${i & 255}:40000`, '10.0.0.2:8080', { t0: 1_700_000_000 + i * 0.001 }).tcp('c', 0, ['SYN'], 1000).tcp('s', 0.0002, ['RST', 'ACK'], 0, 1001).records,
  ).flat();
  return writePcap(records);
}

/** A healthy connection: handshake, data, FIN both ways (from 10.0.0.1:`port` to 10.0.0.3:443 unless told). */
export function healthyRecords(port: number, at: { client?: string; server?: string; t0?: number } = {}): Scenario {
  return new Scenario(at.client ?? `10.0.0.1:${port}`, at.server ?? '10.0.0.3:443', { t0: at.t0 })
    .tcp('c', 0, ['SYN'], 100)
    .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
    .tcp('c', 0.002, ['ACK'], 101, 501)
    .tcp('c', 0.003, ['FIN', 'ACK'], 101, 501)
    .tcp('s', 0.004, ['FIN', 'ACK'], 501, 102)
    .tcp('c', 0.005, ['ACK'], 102, 502);
}

/** What a generated folder holds, for assertions. */
export interface Corpus {
  dir: string;
  /** Readable captures (paths as the scan reports them). */
  readable: string[];
  /** Captures that cannot be read. */
  corrupt: string[];
  /** Files that are not captures (counted as skipped). */
  notCaptures: string[];
  /** Readable captures holding one refusal each (to 10.0.0.2:8080). */
  refused: string[];
  misnamed: string;
  gzip: string;
}

/** A folder of `total` captures: `corruptCount` corrupt ones, the rest readable. */
export function buildCorpus(total = 200): Corpus {
  const dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-'));
  const nested = join(dir, 'site-a', 'deeper');
  mkdirSync(nested, { recursive: true });
  mkdirSync(join(dir, 'site-b'));
  const c: Corpus = { dir, readable: [], corrupt: [], notCaptures: [], refused: [], misnamed: '', gzip: '' };
  const put = (path: string, bytes: Buffer): string => {
    writeFileSync(path, bytes);
    return path;
  };

  // Corrupt captures: their first bytes say capture, the rest does not hold up.
  const goodPcap = refusedRecords(40000).toPcap();
  c.corrupt.push(put(join(dir, 'corrupt-truncated-header.pcap'), goodPcap.subarray(0, 10)));
  const badVersion = Buffer.from(goodPcap);
  badVersion.writeUInt16LE(7, 4);
  c.corrupt.push(put(join(dir, 'site-b', 'corrupt-bad-version.pcap'), badVersion));
  c.corrupt.push(put(join(nested, 'corrupt-gzip.pcap.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(60, 0xff)])));
  const pcapng = writePcapng(refusedRecords(40001).records);
  const badBlock = Buffer.from(pcapng);
  badBlock.writeUInt32LE(13, 4); // section header block length not a multiple of 4
  c.corrupt.push(put(join(dir, 'site-b', 'corrupt-block-length.pcapng'), badBlock));

  // One gzip and one misnamed capture.
  c.gzip = put(join(nested, 'refused-compressed.pcap.gz'), gzipSync(refusedRecords(41000).toPcap()));
  c.readable.push(c.gzip);
  c.refused.push(c.gzip);
  c.misnamed = put(join(dir, 'site-b', 'notes-from-bob.txt'), refusedRecords(41001).toPcap());
  c.readable.push(c.misnamed);
  c.refused.push(c.misnamed);

  // The rest: refusals and healthy captures in every container variant, spread over folders.
  const folders = [dir, join(dir, 'site-a'), nested, join(dir, 'site-b')];
  for (let i = 0; c.readable.length + c.corrupt.length < total; i++) {
    const folder = folders[i % folders.length]!;
    const refused = i % 3 !== 2;
    const s = refused ? refusedRecords(42000 + i) : healthyRecords(42000 + i);
    const variant = i % 4;
    const bytes =
      variant === 0 ? writePcap(s.records) : variant === 1 ? writePcap(s.records, { bigEndian: true }) : variant === 2 ? writePcap(s.records, { nanosecond: true }) : writePcapng(s.records);
    const name = `${refused ? 'refused' : 'healthy'}-${String(i).padStart(3, '0')}.${variant === 3 ? 'pcapng' : 'pcap'}`;
    const path = put(join(folder, name), bytes);
    c.readable.push(path);
    if (refused) c.refused.push(path);
  }

  // Files that are not captures, and a link back up the tree (must not loop forever).
  c.notCaptures.push(put(join(dir, 'README.md'), Buffer.from('# captures from the incident\n')));
  c.notCaptures.push(put(join(dir, 'site-a', 'ticket.json'), Buffer.from('{"id": 42}\n')));
  c.notCaptures.push(put(join(dir, 'site-a', 'log.gz'), gzipSync(Buffer.from('Jan 1 00:00:00 host kernel: hello\n'.repeat(50)))));
  c.notCaptures.push(put(join(nested, 'empty.pcap'), Buffer.alloc(0)));
  symlinkSync('..', join(nested, 'up'));
  return c;
}
