/**
 * A finding's evidence against tshark's view of the same frames: what a Wireshark user looks at
 * first. Each evidence packet has the flags and the direction tshark shows; a conversation whose
 * handshake completed shows all of it; a RST comes with the last packet each side sent before it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpFlagsLabel } from '../../src/rules/evidence.js';
import { capturesUnder, FIXTURES } from '../helpers/fixtures.js';
import { TSHARK, tsharkRows } from '../helpers/tshark.js';
import { canRun } from '../helpers/tools.js';

const run = canRun('tshark', TSHARK !== null, 'apt-get install -y tshark');

const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** One TCP frame as tshark dissects it. */
interface TsharkSegment {
  frame: number;
  stream: number;
  src: string;
  srcPort: number;
  flags: number;
}

function segments(file: string): TsharkSegment[] {
  const out: TsharkSegment[] = [];
  for (const [frame, row] of tsharkRows(file)) {
    // An ICMP error quotes a TCP header: its own frame is not a segment of the stream.
    if (row['tcp.stream'].length !== 1 || row['icmp.type'].length > 0 || row['icmpv6.type'].length > 0) continue;
    out.push({
      frame,
      stream: Number(row['tcp.stream'][0]),
      src: (row['ip.src'][0] ?? row['ipv6.src'][0])!,
      srcPort: Number(row['tcp.srcport'][0]),
      flags: Number(row['tcp.flags'][0]),
    });
  }
  return out.sort((a, b) => a.frame - b.frame);
}

describe.skipIf(!run)('evidence packets as tshark shows them', () => {
  for (const file of capturesUnder(FIXTURES)) {
    it(`${file.slice(FIXTURES.length + 1)}: flags and direction of each TCP evidence packet`, async () => {
      const { analyzeCapture } = await import('../../src/analyze.js');
      const report = await analyzeCapture(file);
      const bySegment = new Map(segments(file).map((s) => [s.frame, s]));
      for (const f of report.findings) {
        for (const e of f.evidence ?? []) {
          const s = bySegment.get(e.frame);
          if (f.protocol !== 'tcp' || e.icmp || !s) continue;
          const fromClient = s.src === f.client.address && s.srcPort === f.client.port;
          expect(`${e.frame} ${e.from} ${e.label}`).toBe(`${e.frame} ${fromClient ? 'client' : 'server'} ${tcpFlagsLabel(s.flags)}`);
        }
      }
    });
  }
});

// The kernel's captures: one copy of each packet (no SPAN duplicates), so every frame tshark lists
// in a stream is one the analysis saw.
describe.skipIf(!run)('ladders of the kernel captures hold the whole handshake and what came before a RST', () => {
  for (const file of capturesUnder(join(FIXTURES, 'kernel'))) {
    it(file.slice(FIXTURES.length + 1), async () => {
      const { analyzeCapture } = await import('../../src/analyze.js');
      const report = await analyzeCapture(file);
      const all = segments(file);
      for (const f of report.findings.filter((x) => x.protocol === 'tcp')) {
        const stream = all.filter((s) => s.stream === f.stream);
        const shown = new Set(f.frames);
        const isClient = (s: TsharkSegment) => s.src === f.client.address && s.srcPort === f.client.port;
        // The handshake: from the first SYN shown to the client's first ACK after the server's SYN-ACK.
        const syn = stream.find((s) => shown.has(s.frame) && (s.flags & (SYN | ACK)) === SYN);
        const synAck = stream.find((s) => syn && s.frame > syn.frame && !isClient(s) && (s.flags & (SYN | ACK)) === (SYN | ACK));
        const done = stream.find((s) => synAck && s.frame > synAck.frame && isClient(s) && (s.flags & (SYN | ACK | RST)) === ACK);
        if (syn && done) {
          const handshake = stream.filter((s) => s.frame >= syn.frame && s.frame <= done.frame).map((s) => s.frame);
          expect(handshake.filter((n) => !shown.has(n)), `${f.rule} tcp.stream ${f.stream}: handshake frames not shown`).toEqual([]);
        }
        for (const rst of stream.filter((s) => shown.has(s.frame) && s.flags & RST)) {
          const before = stream.filter((s) => s.frame < rst.frame);
          const lastOfResetter = before.filter((s) => isClient(s) === isClient(rst)).pop();
          const lastOfPeer = before.filter((s) => isClient(s) !== isClient(rst)).pop();
          for (const s of [lastOfResetter, lastOfPeer]) {
            if (s) expect(shown.has(s.frame), `${f.rule} tcp.stream ${f.stream}: frame ${s.frame} before the RST in ${rst.frame}`).toBe(true);
          }
        }
      }
    });
  }
});
