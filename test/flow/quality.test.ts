/**
 * The capture-quality pass: frames recorded twice (SPAN ports, two capture interfaces) are one
 * packet, a real retransmission stays one, and a capture that never shows the way back says so.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/types.js';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { CaptureQuality } from '../../src/flow/quality.js';
import { FlowTable, type Flow } from '../../src/flow/table.js';
import type { WriterRecord } from '../../dev/pcap-writer.js';
import { analyzeRecords, mergeScenarios, Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:80';
const C6 = '[2001:db8::1]:40000';
const S6 = '[2001:db8::2]:80';

/** Which frames (1-based) the pass sets aside as copies, and the pass itself. */
function copiesIn(records: WriterRecord[]): { copies: number[]; quality: CaptureQuality } {
  const quality = new CaptureQuality();
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  const copies: number[] = [];
  records.forEach((r, i) => {
    const time = r.time as number;
    const frame: Frame = { number: i + 1, tsSec: Math.floor(time), tsNsec: Math.round((time % 1) * 1e9), linkType: 1, interfaceId: 0, originalLength: r.data.length, data: Buffer.from(r.data), offset: 0 };
    decodeFrame(frame, pkt, anomalies);
    if (quality.observe(pkt, time)) copies.push(i + 1);
  });
  return { copies, quality };
}

describe('duplicated frames', () => {
  it('a frame recorded twice microseconds apart with the same IP ID is one packet', () => {
    const s = new Scenario(C, S).tcp('c', 0, ['SYN'], 100, 0, { ipId: 0x0df8 }).copy(0.000005);
    expect(copiesIn(s.records).copies).toEqual([2]);
  });

  it('a copy from a second capture point may come after the answer that acknowledged it', () => {
    // ark_wireshark-retrans.pcap's pattern: the SYN again 5.6 ms later, after the SYN-ACK and the ACK.
    const s = new Scenario(C, S)
      .tcp('c', 0, ['SYN'], 100, 0, { ipId: 0x0df8 })
      .tcp('s', 0.0029, ['SYN', 'ACK'], 900, 101, { ipId: 0xa341 })
      .tcp('c', 0.0032, ['ACK'], 101, 901, { ipId: 0x0dfa })
      .raw(0.0056, Buffer.from(new Scenario(C, S).tcp('c', 0, ['SYN'], 100, 0, { ipId: 0x0df8 }).records[0]!.data))
      .raw(0.0057, Buffer.from(new Scenario(C, S).tcp('s', 0, ['SYN', 'ACK'], 900, 101, { ipId: 0xa341 }).records[0]!.data));
    expect(copiesIn(s.records).copies).toEqual([4, 5]);
  });

  it('a retransmission carries a new IP ID and stays one, however soon', () => {
    const s = new Scenario(C, S).tcp('c', 0, ['ACK', 'PSH'], 101, 901, { ipId: 10, payload: 100 }).tcp('c', 0.0005, ['ACK', 'PSH'], 101, 901, { ipId: 11, payload: 100 });
    expect(copiesIn(s.records).copies).toEqual([]);
  });

  it('a fast retransmission that keeps its IP ID (after duplicate ACKs) stays one', () => {
    // Duplicate ACKs acknowledge less than the segment: the sender resends it, some stacks with the same ID.
    const s = new Scenario(C, S)
      .tcp('c', 0, ['ACK', 'PSH'], 101, 901, { ipId: 10, payload: 100 })
      .tcp('s', 0.0003, ['ACK'], 901, 101, { ipId: 500 })
      .tcp('s', 0.0004, ['ACK'], 901, 101, { ipId: 501 })
      .tcp('s', 0.0005, ['ACK'], 901, 101, { ipId: 502 })
      .tcp('c', 0.0006, ['ACK', 'PSH'], 101, 901, { ipId: 10, payload: 100 });
    expect(copiesIn(s.records).copies).toEqual([]);
  });

  it('a SYN sent again at once after a RST it must ignore is no copy, even with the same IP ID', () => {
    // RFC 9293 §3.10.7.3: the RST's ACK (ISN + 1 + 65536) does not acknowledge the SYN; Linux resends at once.
    const s = new Scenario(C, S).tcp('c', 0, ['SYN'], 1000, 0, { ipId: 9 }).tcp('s', 0.0003, ['RST', 'ACK'], 0, 1001 + 65536, { ipId: 3 }).tcp('c', 0.004, ['SYN'], 1000, 0, { ipId: 9 });
    expect(copiesIn(s.records).copies).toEqual([]);
  });

  it('the same bytes after the window are sent again, not captured again', () => {
    const s = new Scenario(C, S).tcp('c', 0, ['SYN'], 100, 0, { ipId: 7 }).copy(0.02);
    expect(copiesIn(s.records).copies).toEqual([]);
  });

  it('a different TCP timestamp makes another packet', () => {
    const s = new Scenario(C, S)
      .tcp('c', 0, ['ACK', 'PSH'], 101, 901, { ipId: 10, payload: 10, options: { timestamps: [1000, 5] } })
      .tcp('c', 0.001, ['ACK', 'PSH'], 101, 901, { ipId: 10, payload: 10, options: { timestamps: [1001, 5] } });
    expect(copiesIn(s.records).copies).toEqual([]);
  });

  it('IPv6 (no IP ID): a data segment or SYN recorded twice within the short window is a copy', () => {
    const s = new Scenario(C6, S6).tcp('c', 0, ['SYN'], 100).copy(0.00002).tcp('c', 0.1, ['ACK', 'PSH'], 101, 901, { payload: 50 }).copy(0.0001);
    expect(copiesIn(s.records).copies).toEqual([2, 4]);
  });

  it('IPv6: the same bytes 5 ms later are not taken for a copy', () => {
    const s = new Scenario(C6, S6).tcp('c', 0, ['ACK', 'PSH'], 101, 901, { payload: 50 }).copy(0.005);
    expect(copiesIn(s.records).copies).toEqual([]);
  });

  it('without an IP ID, identical answers to a burst stay apart (RSTs, duplicate ACKs)', () => {
    // Linux answers each segment of a connection it lost with a RST of IP ID 0: identical bytes.
    const s = new Scenario(C, S)
      .tcp('c', 0, ['ACK', 'PSH'], 101, 901, { ipId: 20, payload: 64 })
      .tcp('c', 0.0004, ['ACK', 'PSH'], 165, 901, { ipId: 21, payload: 92 })
      .tcp('s', 0.025, ['RST'], 901, 0, { ipId: 0 })
      .tcp('s', 0.02505, ['RST'], 901, 0, { ipId: 0 });
    const v6 = new Scenario(C6, S6, { t0: 1_700_000_100 }).tcp('s', 0, ['ACK'], 901, 101).tcp('s', 0.0001, ['ACK'], 901, 101);
    expect(copiesIn([...s.records, ...v6.records]).copies).toEqual([]);
  });

  it('UDP: the same datagram twice is a copy; another payload is not', () => {
    const s = new Scenario('10.0.0.1:5353', '10.0.0.2:53').udp('c', 0, 'query-a').copy(0.00001).udp('c', 0.00002, 'query-b');
    expect(copiesIn(s.records).copies).toEqual([2]);
  });

  it('copies keep their own frame numbers out of findings, and are counted and reported', async () => {
    // A refused connection captured on a SPAN port: each packet twice.
    const s = new Scenario(C, S).tcp('c', 0, ['SYN'], 100, 0, { ipId: 5 }).copy(0.00001).tcp('s', 0.0002, ['RST', 'ACK'], 0, 101, { ipId: 0x4000 }).copy(0.00001);
    const report = await analyzeRecords(s.records);
    expect(report.capture.packets).toBe(4);
    expect(report.capture.anomalies.duplicate_frame).toBe(2);
    expect(report.findings.map((f) => [f.rule, f.frames])).toEqual([['connection-refused', [1, 3]]]);
    const warning = report.capture.warnings.find((w) => w.code === 'duplicate_frames');
    expect(warning?.frame).toBe(2);
    expect(warning?.message).toMatch(/^2 frames repeat a packet captured/);
  });

  it('a SYN-ACK recorded twice is not a SYN-ACK retransmission', async () => {
    const s = new Scenario(C, S)
      .tcp('c', 0, ['SYN'], 100, 0, { ipId: 1 })
      .tcp('s', 0.003, ['SYN', 'ACK'], 900, 101, { ipId: 0xa341 })
      .copy(0.000005)
      .tcp('c', 0.0033, ['ACK'], 101, 901, { ipId: 2 })
      .raw(0.0056, Buffer.from(new Scenario(C, S).tcp('s', 0, ['SYN', 'ACK'], 900, 101, { ipId: 0xa341 }).records[0]!.data))
      .tcp('c', 0.006, ['ACK', 'PSH'], 101, 901, { ipId: 3, payload: 200 })
      .tcp('s', 0.07, ['ACK', 'PSH'], 901, 301, { ipId: 0xa342, payload: 100 })
      .tcp('c', 0.08, ['ACK', 'FIN'], 301, 1001, { ipId: 4 })
      .tcp('s', 0.081, ['ACK', 'FIN'], 1001, 302, { ipId: 0xa343 })
      .tcp('c', 0.082, ['ACK'], 302, 1002, { ipId: 5 });
    const report = await analyzeRecords(s.records);
    expect(report.findings).toEqual([]);
    expect(report.capture.anomalies.duplicate_frame).toBe(2);
  });

  it('a data retransmission series with backoff is still found when every packet is also recorded twice', async () => {
    const s = new Scenario(C, S)
      .tcp('c', 0, ['SYN'], 100, 0, { ipId: 1 }).copy(0.00001)
      .tcp('s', 0.001, ['SYN', 'ACK'], 900, 101, { ipId: 50 }).copy(0.00001)
      .tcp('c', 0.002, ['ACK'], 101, 901, { ipId: 2 }).copy(0.00001)
      .tcp('c', 0.003, ['ACK', 'PSH'], 101, 901, { ipId: 3, payload: 10 }).copy(0.00001)
      .tcp('s', 0.004, ['ACK'], 901, 111, { ipId: 51 }).copy(0.00001);
    let id = 4;
    // Frames 11, 13, 15…: each transmission of the lost segment, and its copy after it.
    for (const t of [0.01, 0.21, 0.61, 1.41, 3.01, 6.21]) s.tcp('c', t, ['ACK', 'PSH'], 111, 901, { ipId: id++, payload: 100 }).copy(0.00002);
    const report = await analyzeRecords(s.records);
    expect(report.capture.anomalies.duplicate_frame).toBe(11);
    const aborted = report.findings.find((f) => f.rule === 'connection-aborted');
    expect(aborted?.details).toMatchObject({ retransmissions: 5 });
    expect(aborted?.frames).toEqual([11, 13, 15, 17, 19, 21]);
  });
});

describe('which way packets travelled', () => {
  it('a capture in which no address both sends and receives is reported as one-way', async () => {
    const s = new Scenario(C, S).tcp('c', 0, ['SYN'], 100, 0, { ipId: 1 }).udp('c', 1, 8);
    const other = new Scenario('10.0.0.3:5000', '10.0.0.4:53').udp('c', 2, 8);
    const report = await analyzeRecords(mergeScenarios(s, other));
    const w = report.capture.warnings.find((x) => x.code === 'one_way_capture');
    expect(w?.message).toBe('one-way capture: every IP packet was sent by 10.0.0.1 and 10.0.0.3, and no packet from the 2 hosts they sent to was seen: answers may have been sent but not captured, so silence proves nothing here (only retries do)');
    const answered = await analyzeRecords(mergeScenarios(s, other, new Scenario('10.0.0.3:5000', '10.0.0.4:53').udp('s', 2.01, 8)));
    expect(answered.capture.warnings.map((x) => x.code)).not.toContain('one_way_capture');
  });

  it('tells per host pair whether the way back was captured', () => {
    const quality = new CaptureQuality();
    const pkt = createPacket();
    const anomalies = new AnomalyCounter();
    const flows: Flow[] = [];
    const table = new FlowTable(() => undefined);
    const a = new Scenario('10.0.0.1:1000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['SYN', 'ACK'], 5, 2);
    const b = new Scenario('10.0.0.1:1001', '10.0.0.3:80').tcp('c', 0.002, ['SYN'], 1);
    const c = new Scenario('10.0.0.9:1002', '10.0.0.3:80').tcp('c', 0.003, ['SYN'], 1);
    mergeScenarios(a, b, c).forEach((r, i) => {
      const time = r.time as number;
      decodeFrame({ number: i + 1, tsSec: Math.floor(time), tsNsec: 0, linkType: 1, interfaceId: 0, originalLength: r.data.length, data: Buffer.from(r.data), offset: 0 }, pkt, anomalies);
      quality.observe(pkt, time);
      pkt.time = time;
      flows.push(table.tcp(pkt));
    });
    // 10.0.0.2 answered 10.0.0.1; 10.0.0.3 did not, but 10.0.0.1 is seen receiving; 10.0.0.9 never is.
    expect(flows.map((f) => quality.returnPath(f))).toEqual(['seen', 'seen', 'unseen', 'not-captured']);
    expect(quality.oneWay).toBe(false);
  });
});
