/**
 * `wirewhy annotate` checked by tshark, on every fixture and every capture of the public corpus
 * that wirewhy reads: the copy has the same frames (count, frame.time_epoch, frame.len,
 * frame.cap_len, bytes) as the input, keeps its comments, and `frame.comment contains
 * "wirewhy"` selects exactly the evidence frames of the findings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { capturesUnder, FIXTURES, PUBLIC_CAPTURES } from '../helpers/fixtures.js';
import { frame } from '../../dev/packet-builder.js';
import { PcapngWriter } from '../../dev/pcap-writer.js';
import { canRun, findTool } from '../helpers/tools.js';
import { TSHARK } from '../helpers/tshark.js';
import { tsharkFilter, tsharkFrames, type TsharkFrame } from '../helpers/tshark-frames.js';
import { runInProcess } from '../scan/cli-run.js';

const run = canRun('tshark', TSHARK !== null, 'apt-get install -y tshark');
const corpus = run && canRun('the public capture corpus', existsSync(join(PUBLIC_CAPTURES, 'MANIFEST.tsv')), `expected at ${PUBLIC_CAPTURES}`);
const dir = mkdtempSync(join(tmpdir(), 'wirewhy-annotate-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const OURS = 'wirewhy';
const withoutComments = ({ comments: _, ...rest }: TsharkFrame): Omit<TsharkFrame, 'comments'> => rest;

/**
 * Annotate `file` and compare with tshark. `timeless` lists frames stored without a time (Simple
 * Packet Blocks), which a comment turns into timed blocks. Returns the number of evidence frames.
 */
async function checkRoundTrip(file: string, timeless: readonly number[] = []): Promise<number> {
  const out = join(dir, `${n++}-${basename(file)}.pcapng`);
  const r = await runInProcess(['annotate', file, '-o', out]);
  expect(r.code, r.err).toBe(0);
  const [before, after, filtered, report] = await Promise.all([
    tsharkFrames(file),
    tsharkFrames(out),
    tsharkFilter(out, `frame.comment contains "${OURS}"`),
    analyzeCapture(file),
  ]);
  expect(after.length).toBe(before.length);
  const expected = before.map((f) => (timeless.includes(f.number) ? { ...f, timeEpoch: after[f.number - 1]!.timeEpoch } : f));
  expect(after.map(withoutComments)).toEqual(expected.map(withoutComments));
  // Comments the file had are kept, before ours.
  expect(after.map((f) => f.comments.filter((c) => !c.startsWith(OURS)))).toEqual(before.map((f) => f.comments));
  expect(after.map((f) => f.comments.slice(0, before[f.number - 1]!.comments.length))).toEqual(before.map((f) => f.comments));

  const evidence = [...new Set(report.findings.flatMap((f) => f.frames))].sort((a, b) => a - b);
  expect(filtered).toEqual(evidence);
  // Each evidence frame carries one comment per finding that cites it, numbered as the report.
  const citing = new Map<number, string[]>();
  report.findings.forEach((x, i) => {
    for (const frame of new Set(x.frames)) citing.set(frame, [...(citing.get(frame) ?? []), `${OURS} [${i + 1}] ${x.rule} (${x.severity})`]);
  });
  const heads = after.map((f) => f.comments.filter((c) => c.startsWith(OURS)).map((c) => c.slice(0, c.indexOf(':'))));
  expect(heads).toEqual(after.map((f) => citing.get(f.number) ?? []));
  return evidence.length;
}

describe.skipIf(!run)('annotate, checked by tshark', () => {
  it('mix.pcap: refusal, timeout, UDP port unreachable and reset commented on their frames, also in Expert Info', async () => {
    const file = join(FIXTURES, 'kernel/mix.pcap');
    // The evidence frames of its four findings, the whole handshake and the packets before each RST included.
    expect(await checkRoundTrip(file)).toBe(13);
    const out = join(dir, 'mix-expert.pcapng');
    await runInProcess(['annotate', file, '-o', out]);
    const evidence = (await tsharkFilter(out, `frame.comment contains "${OURS}"`)).join(' ');
    // Expert Info lists packet comments (severity and group "Comment"); tshark needs the full dissection for it.
    const expert = execFileSync(TSHARK!, ['-n', '-r', out, '-Y', `_ws.expert.message contains "${OURS}"`, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(expert.trim().split('\n').join(' ')).toBe(evidence);
  }, 60_000);

  for (const file of capturesUnder(FIXTURES)) {
    it(`fixture ${file.slice(FIXTURES.length + 1)}`, async () => {
      await checkRoundTrip(file);
    }, 60_000);
  }

  it('a pcapng with comments, packet flags, two sections and every kind of packet block', async () => {
    const syn = (port: number): Buffer => frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: port, dport: 80, seq: 1000, flags: ['SYN'] }).build();
    const rst = (port: number): Buffer => frame().eth().ipv4({ src: '10.0.0.2', dst: '10.0.0.1' }).tcp({ sport: 80, dport: port, ack: 1001, flags: ['RST', 'ACK'] }).build();
    const t = 1_700_000_000;
    const w = new PcapngWriter();
    w.section({ sectionLength: 0n });
    w.iface({ linkType: 1, tsresol: 9, tsoffset: 3600, name: 'eth0' });
    w.iface({ linkType: 1, tsresol: 0x94 });
    w.epb({ time: [t, 123_456_789], data: syn(40001) }, [[1, Buffer.from('first look, by hand')], [2, Buffer.from([1, 0, 0, 0])]]);
    w.epb({ time: [t, 223_456_789], data: rst(40001), interfaceId: 1 }, [[1, Buffer.from('the answer')]]);
    w.block(0x0bad, Buffer.from([0, 0, 0x7e, 0xd9, 1, 2, 3, 4]));
    w.obsoletePb({ time: [t + 1, 5000], data: syn(40002) });
    w.obsoletePb({ time: [t + 1, 9000], data: rst(40002) });
    w.section({ bigEndian: true });
    w.iface({ linkType: 1 });
    w.epb({ time: [t + 2, 1000], data: syn(40003) });
    w.epb({ time: [t + 2, 2000], data: rst(40003), originalLength: 80 });
    w.block(5, Buffer.alloc(12));
    const file = join(dir, 'rich.pcapng');
    writeFileSync(file, w.toBuffer());
    expect(await checkRoundTrip(file)).toBe(6);
  });

  it('simple packet blocks, which cannot hold comments, become timed packets when commented', async () => {
    const w = new PcapngWriter().section().iface({ linkType: 1 });
    w.spb(frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 40000, dport: 80, flags: ['SYN'], seq: 7 }).build());
    w.spb(frame().eth().ipv4({ src: '10.0.0.2', dst: '10.0.0.1' }).tcp({ sport: 80, dport: 40000, flags: ['RST', 'ACK'], ack: 8 }).build());
    const file = join(dir, 'spb.pcapng');
    writeFileSync(file, w.toBuffer());
    expect((await tsharkFrames(file)).map((f) => f.timeEpoch)).toEqual(['', '']);
    expect(await checkRoundTrip(file, [1, 2])).toBe(2);
  });

  it.skipIf(!findTool('editcap'))('comments added by editcap stay, ours follow', async () => {
    const file = join(dir, 'editcap.pcapng');
    execFileSync('editcap', ['-a', '1:noted by a colleague', '-a', '2:second, with a comma', '-a', '5:not evidence', join(FIXTURES, 'kernel/mix.pcap'), file]);
    await checkRoundTrip(file);
    const out = join(dir, 'editcap-out.pcapng');
    await runInProcess(['annotate', file, '-o', out]);
    const [first] = await tsharkFrames(out);
    expect(first!.comments[0]).toBe('noted by a colleague');
    expect(first!.comments[1]).toMatch(/^wirewhy \[1\] connection-refused \(error\): codes Windows 10061 WSAECONNREFUSED/);
  });
});

describe.skipIf(!corpus)('annotate on the public corpus, checked by tshark', () => {
  for (const file of corpus ? capturesUnder(PUBLIC_CAPTURES) : []) {
    it(file.slice(PUBLIC_CAPTURES.length + 1), async () => {
      // A capture wirewhy cannot read at all is refused with status 2 and no file: not "readable".
      let readable = true;
      try {
        const report = await analyzeCapture(file);
        readable = !(report.capture.packets === 0 && report.capture.warnings.some((w) => w.code !== 'unsupported_link_type'));
      } catch {
        readable = false;
      }
      if (readable) {
        await checkRoundTrip(file);
      } else {
        const out = join(dir, `${n++}-unreadable.pcapng`);
        expect((await runInProcess(['annotate', file, '-o', out])).code).toBe(2);
        expect(existsSync(out)).toBe(false);
      }
    }, 120_000);
  }
});
