/** Evidence packets recorded by the analysis, and the ladder diagrams drawn from them. */
import { describe, expect, it } from 'vitest';
import { PACKET_LOG_HEAD, PACKET_LOG_TAIL, PacketLog } from '../../src/flow/packet-log.js';
import { buildLadder, formatLadderText, formatOffset, gapHeight, ladderSvg } from '../../src/report/ladder.js';
import { terminalStyle as terminal } from '../../src/report/terminal.js';
import { formatText } from '../../src/report/text.js';
import { connectionAborted } from '../../src/rules/connection-aborted.js';
import type { Rule } from '../../src/rules/engine.js';
import type { EvidencePacket, Finding } from '../../src/rules/types.js';
import { dnsMessage } from '../../dev/packet-builder.js';
import { Scenario, analyzeRecords } from '../helpers/scenario.js';
import { NON_ASCII, makeReport, refusedFinding } from './support.js';

const plain = { color: false, unicode: true } as const;
const ascii = { color: false, unicode: false } as const;

async function onlyFinding(s: Scenario, rules?: readonly Rule[]): Promise<Finding> {
  const report = await analyzeRecords(s.records, rules ? { rules } : {});
  expect(report.findings).toHaveLength(1);
  return report.findings[0]!;
}

/** A SYN timeout: SYNs at 0, 1, 3, 7 and 15 s (Linux doubling from 1 s), never answered. */
function synTimeout(): Scenario {
  const s = new Scenario('10.0.0.1:40000', '10.0.0.2:8082');
  for (const t of [0, 1, 3, 7, 15]) s.tcp('c', t, ['SYN'], 1000);
  return s;
}

/** `n` client SYNs one second apart, as evidence of a hand-made finding. */
function synEvidence(n: number): EvidencePacket[] {
  return Array.from({ length: n }, (_, i) => ({
    frame: i + 1,
    offset: i,
    from: 'client' as const,
    to: 'server' as const,
    label: 'SYN',
    length: 0,
    ...(i > 0 ? { retransmission: true as const } : {}),
  }));
}

describe('evidence recorded by the analysis', () => {
  it('a SYN timeout: each SYN from the client, offsets from the first, every retry a retransmission', async () => {
    const f = await onlyFinding(synTimeout());
    expect(f.rule).toBe('connect-timeout');
    expect(f.evidence).toEqual([
      { frame: 1, offset: 0, from: 'client', to: 'server', label: 'SYN', length: 0 },
      { frame: 2, offset: 1, from: 'client', to: 'server', label: 'SYN', length: 0, retransmission: true },
      { frame: 3, offset: 3, from: 'client', to: 'server', label: 'SYN', length: 0, retransmission: true },
      { frame: 4, offset: 7, from: 'client', to: 'server', label: 'SYN', length: 0, retransmission: true },
      { frame: 5, offset: 15, from: 'client', to: 'server', label: 'SYN', length: 0, retransmission: true },
    ]);
  });

  it('a refusal: SYN from the client, RST-ACK from the server 200 µs later', async () => {
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1000).tcp('s', 0.0002, ['RST', 'ACK'], 0, 1001);
    const f = await onlyFinding(s);
    expect(f.evidence?.map((e) => [e.from, e.to, e.label, e.offset])).toEqual([
      ['client', 'server', 'SYN', 0],
      ['server', 'client', 'RST-ACK', 0.0002],
    ]);
  });

  it('an ICMP error from a router comes from "other", names its reporter, and goes to the client', async () => {
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1000).icmpError(0.003, '192.0.2.254', 3, 1, 'c', { flags: ['SYN'], seq: 1000 });
    const f = await onlyFinding(s);
    expect(f.rule).toBe('destination-unreachable');
    expect(f.evidence?.[1]).toEqual({
      frame: 2,
      offset: 0.003,
      from: 'other',
      to: 'client',
      label: 'ICMP host unreachable',
      length: 0,
      icmp: { type: 3, code: 1, name: 'host unreachable', reporter: '192.0.2.254' },
    });
  });

  it('a DNS failure: the query and the NXDOMAIN answer', async () => {
    const s = new Scenario('10.0.0.1:53000', '10.0.0.53:53')
      .udp('c', 0, dnsMessage({ id: 7, name: 'nope.example' }))
      .udp('s', 0.01, dnsMessage({ id: 7, name: 'nope.example', response: true, rcode: 3 }));
    const f = await onlyFinding(s);
    expect(f.evidence?.map((e) => [e.from, e.label])).toEqual([
      ['client', 'DNS query'],
      ['server', 'DNS NXDOMAIN'],
    ]);
    expect(f.evidence?.[0]!.length).toBeGreaterThan(0);
  });

  it('data retransmissions carry their payload length and are marked', async () => {
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80')
      .tcp('c', 0, ['SYN'], 1000)
      .tcp('s', 0.001, ['SYN', 'ACK'], 5000, 1001)
      .tcp('c', 0.002, ['ACK'], 1001, 5001);
    for (const t of [0.01, 0.21, 0.61, 1.41, 3.01, 6.21, 12.61]) s.tcp('c', t, ['PSH', 'ACK'], 1001, 5001, { payload: 35 });
    s.tcp('c', 20, ['RST'], 1036, 0);
    const f = await onlyFinding(s, [connectionAborted]);
    expect(f.rule).toBe('connection-aborted');
    const data = f.evidence!.filter((e) => e.label === 'PSH-ACK');
    expect(data.length).toBeGreaterThanOrEqual(6);
    expect(data.every((e) => e.length === 35)).toBe(true);
    expect(data.slice(1).every((e) => e.retransmission)).toBe(true);
  });
});

describe('a reset conversation shows its whole handshake and what each side last sent', () => {
  /** SYN, SYN-ACK, ACK, a request, the server's ACK of it, then `extra` more server ACKs and its RST. */
  function resetAfterRequest(extra = 0): Scenario {
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80')
      .tcp('c', 0, ['SYN'], 1000)
      .tcp('s', 0.001, ['SYN', 'ACK'], 5000, 1001)
      .tcp('c', 0.002, ['ACK'], 1001, 5001)
      .tcp('c', 0.003, ['PSH', 'ACK'], 1001, 5001, { payload: 20 })
      .tcp('s', 0.004, ['ACK'], 5001, 1021);
    // Distinct IP ids: identical copies would be set aside as a SPAN port's duplicates.
    for (let i = 0; i < extra; i++) s.tcp('c', 0.005 + i * 0.01, ['ACK'], 1021, 5001, { ipId: 100 + i });
    return s.tcp('s', 0.3 + extra * 0.01, ['RST', 'ACK'], 5001, 1021);
  }

  it('SYN, SYN-ACK, ACK, the data, the ACK before the RST, the RST', async () => {
    const f = await onlyFinding(resetAfterRequest());
    expect(f.rule).toBe('connection-reset');
    expect(f.frames).toEqual([1, 2, 3, 4, 5, 6]);
    expect(f.evidence?.map((e) => `${e.frame} ${e.from} ${e.label}`)).toEqual([
      '1 client SYN',
      '2 server SYN-ACK',
      '3 client ACK',
      '4 client PSH-ACK',
      '5 server ACK',
      '6 server RST-ACK',
    ]);
  });

  it('a RST after a long exchange brings the last packet of each side, not the whole middle', async () => {
    const f = await onlyFinding(resetAfterRequest(20));
    // The handshake, the request the rule cites, the server's last ACK (frame 5, before the
    // client's 20 ACKs), the client's last ACK (frame 25) and the RST.
    expect(f.frames).toEqual([1, 2, 3, 4, 5, 25, 26]);
    expect(f.evidence?.map((e) => e.frame)).toEqual([1, 2, 3, 4, 5, 25, 26]);
  });

  it('never takes a packet across the packets the log dropped for the last one before the RST', async () => {
    // The server's last packet before its RST (frame 5) is neither in the head nor in the ring
    // of the log when 200 client packets follow it; nothing older stands in for it.
    const s = resetAfterRequest(200);
    const f = await onlyFinding(s);
    expect(f.frames).toEqual([1, 2, 3, 4, 205, 206]);
  });
});

describe('PacketLog', () => {
  it('keeps the first and the last packets of a long conversation, in bounded space', () => {
    const log = new PacketLog();
    const n = 1000;
    for (let frame = 1; frame <= n; frame++) log.recordSegment(frame, frame / 10, frame % 2 === 0, 0x10, frame, false, false);
    expect(log.count).toBe(n);
    expect(log.indexOf(1)).toBe(0);
    expect(log.indexOf(PACKET_LOG_HEAD)).toBeGreaterThanOrEqual(0);
    expect(log.indexOf(PACKET_LOG_HEAD + 1)).toBe(-1);
    expect(log.indexOf(500)).toBe(-1);
    for (let frame = n - PACKET_LOG_TAIL + 1; frame <= n; frame++) {
      const i = log.indexOf(frame);
      expect(i).toBeGreaterThanOrEqual(0);
      const s = log.segmentAt(i);
      expect(s.time).toBeCloseTo(frame / 10);
      expect(s).toMatchObject({ frame, fromA: frame % 2 === 0, flags: 0x10, length: frame });
    }
    expect(log.indexOf(n - PACKET_LOG_TAIL)).toBe(-1);
  });

  it('lists its entries oldest first, the ring from its oldest packet, and says where packets were dropped', () => {
    const log = new PacketLog();
    for (let frame = 1; frame <= PACKET_LOG_HEAD + PACKET_LOG_TAIL; frame++) log.recordSegment(frame, frame, true, 0x10, 0, false, false);
    const frames = () => log.entries().map((i) => log.segmentAt(i).frame);
    expect(frames()).toEqual(Array.from({ length: PACKET_LOG_HEAD + PACKET_LOG_TAIL }, (_, i) => i + 1));
    expect(log.overwrittenAfter()).toBe(-1);
    const total = PACKET_LOG_HEAD + PACKET_LOG_TAIL + 7;
    for (let frame = PACKET_LOG_HEAD + PACKET_LOG_TAIL + 1; frame <= total; frame++) log.recordSegment(frame, frame, true, 0x10, 0, false, false);
    const head = Array.from({ length: PACKET_LOG_HEAD }, (_, i) => i + 1);
    const tail = Array.from({ length: PACKET_LOG_TAIL }, (_, i) => total - PACKET_LOG_TAIL + 1 + i);
    expect(frames()).toEqual([...head, ...tail]);
    expect(log.overwrittenAfter()).toBe(PACKET_LOG_HEAD - 1);
  });

  it('decodes each fact of a segment and of a datagram as it was recorded', () => {
    const tcp = new PacketLog();
    tcp.recordSegment(7, 1.5, true, 0x18, 1448, true, false);
    tcp.recordSegment(8, 1.6, false, 0x10, 0, false, true);
    expect(tcp.segmentAt(0)).toEqual({ frame: 7, time: 1.5, fromA: true, flags: 0x18, length: 1448, retransmission: true, zeroWindow: false });
    expect(tcp.segmentAt(1)).toEqual({ frame: 8, time: 1.6, fromA: false, flags: 0x10, length: 0, retransmission: false, zeroWindow: true });
    const udp = new PacketLog();
    udp.recordDatagram(3, 0.25, false, 512, { response: true, rcode: 3 });
    udp.recordDatagram(4, 0.5, true, 40, null);
    expect(udp.datagramAt(0)).toEqual({ frame: 3, time: 0.25, fromA: false, length: 512, dns: { response: true, rcode: 3 } });
    expect(udp.datagramAt(1)).toEqual({ frame: 4, time: 0.5, fromA: true, length: 40, dns: null });
  });
});

describe('buildLadder', () => {
  it('elides the middle of a long sequence and says how many packets over how long', () => {
    const f = refusedFinding({ frames: synEvidence(40).map((e) => e.frame), evidence: synEvidence(40) });
    const ladder = buildLadder(f, 16);
    const packets = ladder.rows.filter((r) => r.kind === 'packet');
    const elided = ladder.rows.filter((r) => r.kind === 'elided');
    expect(packets).toHaveLength(15);
    expect(elided).toEqual([{ kind: 'elided', count: 25, seconds: 26 }]);
    expect(ladder.rows[0]).toMatchObject({ kind: 'packet', gap: null });
    expect(ladder.packets).toBe(40);
    expect(ladder.unrecorded).toBe(0);
  });

  it('counts cited frames without recorded facts', () => {
    const f = refusedFinding({ frames: [3, 4, 90], evidence: synEvidence(2).map((e, i) => ({ ...e, frame: 3 + i })) });
    expect(buildLadder(f).unrecorded).toBe(1);
  });
});

describe('formatLadderText', () => {
  const timeout = refusedFinding({
    rule: 'connect-timeout',
    frames: [1, 2, 3, 4],
    evidence: [0, 1, 3, 7].map((t, i) => ({ frame: i + 1, offset: t, from: 'client', to: 'server', label: 'SYN', length: 0, ...(i > 0 ? { retransmission: true } : {}) })),
  });

  it('draws arrows between the client and server columns with times and retransmission gaps', () => {
    const lines = formatLadderText(timeout, terminal(plain), '  ');
    expect(lines[0]).toBe('  Ladder of tcp.stream 0: client 10.0.0.1:40000, server 10.0.0.2:80');
    expect(lines[1]).toMatch(/^\s+frame\s+time\s+client\s+server$/);
    expect(lines[2]).toMatch(/^\s+1\s+\+0\.000 s\s+│─+ SYN ─+▶│$/);
    expect(lines[3]).toMatch(/^\s+2\s+\+1\.000 s\s+│─+ SYN ─+▶│\s+retransmission, 1\.0 s later$/);
    expect(lines[5]).toMatch(/\+7\.000 s.*retransmission, 4\.0 s later$/);
  });

  it('is plain ASCII when Unicode is off', () => {
    const router = refusedFinding({
      frames: [1, 2],
      evidence: [
        { frame: 1, offset: 0, from: 'client', to: 'server', label: 'SYN', length: 0 },
        { frame: 2, offset: 0.000044, from: 'other', to: 'client', label: 'ICMP host unreachable', length: 0, icmp: { type: 3, code: 1, name: 'host unreachable', reporter: '192.0.2.254' } },
      ],
    });
    const text = [...formatLadderText(timeout, terminal(ascii)), ...formatLadderText(router, terminal(ascii))].join('\n');
    expect(text).not.toMatch(NON_ASCII);
    expect(text).toMatch(/\|-+ SYN -+>\|/);
    expect(text).toMatch(/\|<-+ ICMP host unreachable -+:\s+from 192\.0\.2\.254$/m);
    expect(text).toContain('+0.000044 s');
  });

  it('elides long sequences in the middle with a count', () => {
    const f = refusedFinding({ frames: synEvidence(64).map((e) => e.frame), evidence: synEvidence(64) });
    const lines = formatLadderText(f, terminal(plain));
    expect(lines.some((l) => /┊\s+… 49 packets over 50 s …\s+┊/.test(l))).toBe(true);
    expect(lines.filter((l) => /▶│/.test(l))).toHaveLength(15);
  });

  it('escapes capture text (a reporter address is printed through the terminal filter)', () => {
    const f = refusedFinding({
      frames: [1],
      evidence: [{ frame: 1, offset: 0, from: 'other', to: 'client', label: 'ICMP x', length: 0, icmp: { type: 3, code: 1, name: 'x', reporter: 'evil\x1b[2J' } }],
    });
    expect(formatLadderText(f, terminal(plain)).join('\n')).not.toContain('\x1b');
  });
});

describe('the text report with --ladder', () => {
  it('prints a ladder under each finding group only when asked', () => {
    const report = makeReport([refusedFinding({ evidence: synEvidence(1).concat([{ frame: 4, offset: 0.0002, from: 'server', to: 'client', label: 'RST-ACK', length: 0 }]) })]);
    expect(formatText(report, plain)).not.toContain('Ladder of');
    const text = formatText(report, { ...plain, ladder: true });
    expect(text).toContain('Ladder of tcp.stream 0');
    expect(text).toMatch(/│◀─+ RST-ACK ─+│/);
  });
});

describe('the SVG ladder', () => {
  it('grows each gap with its duration, so doubling backoff shows as growing steps', () => {
    const gaps = [0.00004, 0.01, 0.25, 1, 2, 4, 8, 16, 32, 64, 3600];
    const heights = gaps.map(gapHeight);
    for (let i = 1; i < heights.length; i++) expect(heights[i]!).toBeGreaterThan(heights[i - 1]!);
    expect(heights[0]!).toBeGreaterThanOrEqual(26);
    // Readable on one page: an hour is less than ten one-second rows.
    expect(heights[heights.length - 1]!).toBeLessThan(10 * gapHeight(1));
  });

  it('places rows so that 1, 2, 4, 8 s gaps get taller and are labelled with their durations', () => {
    const f = refusedFinding({
      rule: 'connect-timeout',
      frames: [1, 2, 3, 4, 5],
      evidence: [0, 1, 3, 7, 15].map((t, i) => ({ frame: i + 1, offset: t, from: 'client', to: 'server', label: 'SYN', length: 0 })),
    });
    const svg = ladderSvg(f, 'x1');
    const ys = [...svg.matchAll(/<g class="pkt[^"]*">.*?<line x1="[\d.]+" y1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(5);
    const steps = ys.slice(1).map((y, i) => y - ys[i]!);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThan(steps[i - 1]!);
    for (const label of ['1.0 s', '2.0 s', '4.0 s', '8.0 s']) expect(svg).toContain(`>${label}</text>`);
    expect(svg.match(/<svg /g)).toHaveLength(1);
    expect(svg).toContain('aria-labelledby="x1-title x1-desc"');
  });

  it('escapes text from the capture', () => {
    const f = refusedFinding({
      client: { address: '<b>c</b>', port: 1 },
      frames: [1],
      evidence: [{ frame: 1, offset: 0, from: 'other', to: 'client', label: 'ICMP "x"', length: 0, icmp: { type: 3, code: 1, name: 'x', reporter: '<script>alert(1)</script>' } }],
    });
    const svg = ladderSvg(f, 'x2');
    expect(svg).not.toMatch(/<script|<b>/);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('says so when nothing was recorded', () => {
    expect(ladderSvg(refusedFinding(), 'x3')).toContain('No packet facts were recorded');
    expect(formatOffset(-0.0025)).toBe('-0.003 s');
  });
});
