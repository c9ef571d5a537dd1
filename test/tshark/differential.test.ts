/**
 * Differential test against tshark: for every fixture, per frame, the fields we decode equal
 * tshark's dissection of the same file, and our tcp.stream / udp.stream indexes equal Wireshark's.
 */
import { describe, expect, it } from 'vitest';
import { capturesUnder, FIXTURES } from '../helpers/fixtures.js';
import { compareStreams, compareWithTshark, TSHARK, tsharkRows } from '../helpers/tshark.js';
import { canRun } from '../helpers/tools.js';

const run = canRun('tshark', TSHARK !== null, 'apt-get install -y tshark');

describe.skipIf(!run)('decoders and streams equal tshark on every fixture', () => {
  const files = capturesUnder(FIXTURES);
  it('has fixtures', () => expect(files.length).toBeGreaterThan(10));
  for (const file of files) {
    const name = file.slice(FIXTURES.length + 1);
    it(`${name}: fields per frame`, async () => {
      expect(await compareWithTshark(file)).toEqual([]);
    });
    it(`${name}: tcp.stream and udp.stream`, async () => {
      expect(await compareStreams(file)).toEqual([]);
    });
  }
});

describe.skipIf(!run)("each finding's stream is Wireshark's stream of its first frame", () => {
  for (const file of capturesUnder(FIXTURES)) {
    it(file.slice(FIXTURES.length + 1), async () => {
      const { analyzeCapture } = await import('../../src/analyze.js');
      const report = await analyzeCapture(file);
      const rows = tsharkRows(file);
      // ICMP and ARP findings have no stream (-1) in Wireshark's sense.
      for (const f of report.findings) {
        if (f.protocol !== 'tcp' && f.protocol !== 'udp') continue;
        const row = rows.get(f.frames[0]!)!;
        expect(row[`${f.protocol}.stream`][0], `${f.rule} frame ${f.frames[0]}`).toBe(String(f.stream));
      }
    });
  }
});
