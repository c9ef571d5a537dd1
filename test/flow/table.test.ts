/** The flow table: Wireshark's stream numbering, VLAN identity, ICMP linking, timeouts and the cap. */
import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqLt, seqLte, seqMax } from '../../src/flow/seq.js';
import { flowHash } from '../../src/flow/key.js';
import { createPacket } from '../../src/decode/packet.js';
import { analyzeRecords, Scenario, mergeScenarios } from '../helpers/scenario.js';

describe('sequence numbers modulo 2^32', () => {
  it('compares across the wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqLt(0x10, 0xfffffff0)).toBe(false);
    expect(seqLte(5, 5)).toBe(true);
    expect(seqDiff(0xffffffff, 1)).toBe(2);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
    expect(seqMax(0xfffffff0, 3)).toBe(3);
  });
});

describe('flow key', () => {
  it('hashes both directions alike', () => {
    const p = createPacket();
    p.ipVersion = 4;
    p.addr.set([0, 0, 0, 0x0a000001, 0, 0, 0, 0x0a000002]);
    p.srcPort = 40000;
    p.dstPort = 80;
    const h1 = flowHash(p, 6);
    p.addr.set([0, 0, 0, 0x0a000002, 0, 0, 0, 0x0a000001]);
    p.srcPort = 80;
    p.dstPort = 40000;
    expect(flowHash(p, 6)).toBe(h1);
    expect(flowHash(p, 17)).not.toBe(h1);
  });
});

describe('stream numbering (Wireshark tcp.stream / udp.stream)', () => {
  it('numbers conversations by first appearance, TCP and UDP separately', async () => {
    const a = new Scenario('10.0.0.1:1000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1);
    const u = new Scenario('10.0.0.1:2000', '10.0.0.2:53').udp('c', 0.1);
    const b = new Scenario('10.0.0.3:1000', '10.0.0.2:80').tcp('c', 0.2, ['SYN'], 1).tcp('s', 0.3, ['RST', 'ACK'], 0, 2);
    const r = await analyzeRecords(mergeScenarios(a, u, b));
    expect(r.summary).toMatchObject({ tcpConversations: 2, udpExchanges: 1 });
    expect(r.findings.find((f) => f.rule === 'connection-refused')!.stream).toBe(1);
  });

  it('a SYN with a new ISN on the same ports starts a new stream; a retransmitted SYN does not', async () => {
    const s = new Scenario('10.0.0.1:1000', '10.0.0.2:80')
      .tcp('c', 0, ['SYN'], 100)
      .tcp('s', 0.001, ['RST', 'ACK'], 0, 101)
      .tcp('c', 0.5, ['SYN'], 100)
      .tcp('s', 0.501, ['RST', 'ACK'], 0, 101)
      .tcp('c', 70, ['SYN'], 999)
      .tcp('s', 70.001, ['RST', 'ACK'], 0, 1000);
    const r = await analyzeRecords(s.records);
    expect(r.summary.tcpConversations).toBe(2);
    expect(r.findings.map((f) => [f.stream, f.details.attempts])).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it('VLAN ids are part of the identity: the same tuple on two VLANs is two conversations', async () => {
    const v1 = new Scenario('10.0.0.1:1000', '10.0.0.2:80', { vlans: [1] }).tcp('c', 0, ['SYN'], 5);
    const v2 = new Scenario('10.0.0.1:1000', '10.0.0.2:80', { vlans: [2] }).tcp('c', 0.001, ['SYN'], 5).tcp('s', 0.002, ['RST', 'ACK'], 0, 6);
    v1.tcp('s', 0.003, ['RST', 'ACK'], 0, 6);
    const r = await analyzeRecords(mergeScenarios(v1, v2));
    expect(r.summary.tcpConversations).toBe(2);
    expect(r.findings.map((f) => f.vlan)).toEqual([[1], [2]]);
  });

  it('a reply tagged differently from its request belongs to the request\'s conversation', async () => {
    const req = new Scenario('10.0.0.1:1000', '10.0.0.2:80', { vlans: [81] }).tcp('c', 0, ['SYN'], 5).tcp('c', 0.002, ['ACK'], 6, 51);
    const rep = new Scenario('10.0.0.1:1000', '10.0.0.2:80', { vlans: [80] }).tcp('s', 0.001, ['SYN', 'ACK'], 50, 6);
    const r = await analyzeRecords(mergeScenarios(req, rep));
    expect(r.summary.tcpConversations).toBe(1);
    expect(r.findings).toEqual([]);
  });
});

describe('ICMP errors are linked to the flow they quote', () => {
  it('creates the flow when only the ICMP error was captured', async () => {
    const r = await analyzeRecords(new Scenario('10.0.0.1:5000', '10.0.0.2:161').icmpError(0, '10.0.0.2', 3, 3, 'c', 'udp').records);
    expect(r.summary.udpExchanges).toBe(1);
    expect(r.findings[0]).toMatchObject({ rule: 'udp-port-unreachable', stream: 0 });
  });
});

describe('timeouts in capture time and the cap on tracked flows', () => {
  it('decides idle conversations while reading (findings stream out before the end)', async () => {
    const early = new Scenario('10.0.0.1:1000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2);
    const late = new Scenario('10.0.0.9:1000', '10.0.0.8:80').tcp('c', 500, ['SYN'], 1).tcp('s', 500.001, ['RST', 'ACK'], 0, 2);
    const decidedAt: number[] = [];
    let frames = 0;
    const { writePcap } = await import('../../dev/pcap-writer.js');
    const { Readable } = await import('node:stream');
    const { analyzeCapture } = await import('../../src/analyze.js');
    const bytes = writePcap(mergeScenarios(early, late));
    // Feed the capture record by record and note how many frames were read when each finding came.
    const chunks: Buffer[] = [bytes.subarray(0, 24)];
    let off = 24;
    while (off < bytes.length) {
      const len = bytes.readUInt32LE(off + 8);
      chunks.push(bytes.subarray(off, off + 16 + len));
      off += 16 + len;
    }
    await analyzeCapture(Readable.from(chunks), { onFinding: () => decidedAt.push(frames), onProgress: () => frames++ });
    expect(decidedAt).toHaveLength(2);
    expect(decidedAt[0]).toBeLessThan(chunks.length - 1);
  });

  it('beyond the cap, the least recently active open flow is set aside undecided: no verdict, a warning', async () => {
    // 300 connections that complete their handshake and then are reset by the server 10 s later.
    const conns = Array.from({ length: 300 }, (_, i) =>
      new Scenario(`10.1.${i >> 8}.${i & 255}:${1000 + i}`, '10.0.0.2:80')
        .tcp('c', i * 0.001, ['SYN'], 100)
        .tcp('s', i * 0.001 + 0.0001, ['SYN', 'ACK'], 500, 101)
        .tcp('c', i * 0.001 + 0.0002, ['ACK'], 101, 501)
        .tcp('s', 10 + i * 0.001, ['RST', 'ACK'], 501, 101),
    );
    const records = mergeScenarios(...conns);
    expect((await analyzeRecords(records)).findings).toHaveLength(300);
    const r = await analyzeRecords(records, { maxFlows: 50 });
    expect(r.summary.tcpConversations).toBe(300);
    // Only the last ones, still tracked when the resets came, are judged; the 250 set aside are
    // not, and their resets find the tombstones (same stream, still undecided).
    expect(r.findings.length).toBeGreaterThan(40);
    expect(r.findings.length).toBeLessThanOrEqual(50);
    expect(Math.min(...r.findings.map((f) => f.client.port))).toBeGreaterThanOrEqual(1000 + 250);
    const w = r.capture.warnings.find((x) => x.code === 'flow_cap_reached');
    expect(w?.message).toMatch(/25\d were set aside undecided.*verdicts are incomplete.*raise --max-flows/);
  });

  it('conversations with only unanswered SYNs take at most a sixth of the cap', async () => {
    // Each to a server of its own: 300 sources with one SYN each to one service would be a SYN flood.
    const syns = Array.from({ length: 300 }, (_, i) => new Scenario(`10.1.${i >> 8}.${i & 255}:${1000 + i}`, `10.2.${i >> 8}.${i & 255}:80`).tcp('c', i * 0.001, ['SYN'], i + 1));
    const r = await analyzeRecords(mergeScenarios(...syns), { maxFlows: 60 });
    expect(r.summary.tcpConversations).toBe(300);
    expect(r.findings).toHaveLength(10);
    expect(r.capture.warnings.find((x) => x.code === 'flow_cap_reached')?.message).toMatch(/cap of 60 allows \(of which 10 for SYNs not answered yet\): 290 were set aside/);
  });

  it('beyond the cap, closed conversations are decided early, with their verdict', async () => {
    // 300 refusals (SYN, RST): each closed at once, so the cap decides them early, none unjudged.
    const refused = Array.from({ length: 300 }, (_, i) =>
      new Scenario(`10.1.${i >> 8}.${i & 255}:${1000 + i}`, '10.0.0.2:80').tcp('c', i * 0.001, ['SYN'], i + 1).tcp('s', i * 0.001 + 0.0001, ['RST', 'ACK'], 0, i + 2),
    );
    const r = await analyzeRecords(mergeScenarios(...refused), { maxFlows: 50 });
    expect(r.findings).toHaveLength(300);
    expect(new Set(r.findings.map((f) => f.rule))).toEqual(new Set(['connection-refused']));
    expect(r.capture.warnings.map((w) => w.code)).not.toContain('flow_cap_reached');
  });

  it('a late packet of a conversation set aside is not judged either', async () => {
    // A connect set aside by the cap after its first SYN; its retries find the tombstone and are
    // not judged as a timeout on part of the story.
    const first = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 100);
    const others = Array.from({ length: 10 }, (_, i) => new Scenario(`10.2.0.${i + 1}:5000`, '10.0.0.9:53').udp('c', 0.01 + i * 0.001));
    const retries = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 1, ['SYN'], 100).tcp('c', 3, ['SYN'], 100).tcp('c', 7, ['SYN'], 100);
    const after = new Scenario('10.3.0.1:1', '10.3.0.2:2').udp('c', 200);
    const records = mergeScenarios(first, ...others, retries, after);
    const judged = await analyzeRecords(records);
    expect(judged.findings.filter((f) => f.protocol === 'tcp').map((f) => f.rule)).toEqual(['connect-timeout']);
    const r = await analyzeRecords(records, { maxFlows: 5 });
    expect(r.findings.filter((f) => f.protocol === 'tcp')).toEqual([]);
  });
});

describe('tombstones keep Wireshark\'s stream index after a conversation is freed', () => {
  it('a late packet of a decided conversation gets its old stream; a new ISN gets a new one', async () => {
    const { streamsPerFrameOfRecords } = await import('../helpers/streams.js');
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80')
      .tcp('c', 0, ['SYN'], 100)
      .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
      .tcp('c', 0.002, ['ACK'], 101, 501)
      .tcp('c', 0.01, ['FIN', 'ACK'], 101, 501)
      .tcp('s', 0.011, ['FIN', 'ACK'], 501, 102)
      .tcp('c', 0.012, ['ACK'], 102, 502)
      // Long after the conversation was decided: a retransmitted FIN (same stream in Wireshark).
      .tcp('s', 30, ['FIN', 'ACK'], 501, 102)
      // Port reuse with a new ISN: a new stream.
      .tcp('c', 40, ['SYN'], 9000);
    const other = new Scenario('10.0.0.3:1', '10.0.0.4:2').udp('c', 10).udp('c', 20);
    const streams = await streamsPerFrameOfRecords(mergeScenarios(s, other));
    expect([...streams.tcp.values()]).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('a busy link: late packets of conversations decided early, beyond what 10,000 tombstones held, keep their streams', async () => {
    // 15,000 refusals decided early by a small cap, then each client's data segment once more:
    // every one finds its conversation's tombstone, so no stream is added.
    const n = 15_000;
    const conns = Array.from({ length: n }, (_, i) =>
      new Scenario(`10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 50_000)}`, '10.0.0.2:80')
        .tcp('c', i * 0.0001, ['SYN'], 100)
        .tcp('s', i * 0.0001 + 0.00001, ['RST', 'ACK'], 0, 101)
        .tcp('c', 2 + i * 0.0001, ['ACK'], 101, 1),
    );
    const r = await analyzeRecords(mergeScenarios(...conns), { maxFlows: 100, rules: [] });
    expect(r.summary.tcpConversations).toBe(n);
  });
});

describe('a decided UDP exchange keeps its udp.stream however long it was idle (Wireshark never forgets one)', () => {
  it('datagrams and ICMP errors after any silence get the old stream; streams opened meanwhile keep theirs', async () => {
    const { streamsPerFrameOfRecords } = await import('../helpers/streams.js');
    const a = new Scenario('10.0.0.1:5000', '10.0.0.2:6000').udp('c', 0).udp('s', 0.1).udp('s', 300).udp('c', 300.1);
    const b = new Scenario('10.0.0.3:5000', '10.0.0.4:6000').udp('c', 10).udp('c', 5000);
    const c = new Scenario('10.0.0.5:5000', '10.0.0.6:6000').udp('c', 310);
    const d = new Scenario('10.0.0.7:5000', '10.0.0.8:6000').udp('c', 410);
    // An ICMP error quoting c's datagram 90 s after it was decided, then c's datagram again.
    c.icmpError(400, '10.0.0.6', 3, 3, 'c', 'udp').udp('c', 420);
    const streams = await streamsPerFrameOfRecords(mergeScenarios(a, b, c, d));
    // Frames: a a b a(from B first) a c [icmp] d c b.
    expect([...streams.udp.values()]).toEqual([0, 0, 1, 0, 0, 2, 3, 2, 1]);
  });

  it('the revived exchange keeps its client and is judged again on what follows', async () => {
    // A port unreachable for a datagram sent 1000 s after the exchange was last seen.
    const s = new Scenario('10.0.0.1:5000', '10.0.0.2:161').udp('c', 0).udp('s', 0.01).udp('c', 1000).icmpError(1000.001, '10.0.0.2', 3, 3, 'c', 'udp');
    const r = await analyzeRecords(s.records);
    expect(r.summary.udpExchanges).toBe(1);
    expect(r.findings).toMatchObject([{ rule: 'udp-port-unreachable', stream: 0, client: { address: '10.0.0.1', port: 5000 }, frames: [3, 4] }]);
  });

  it('an exchange set aside by the flow cap is not judged when it resumes', async () => {
    const first = new Scenario('10.0.0.1:5000', '10.0.0.2:161').udp('c', 0);
    const others = Array.from({ length: 10 }, (_, i) => new Scenario(`10.2.0.${i + 1}:5000`, '10.0.0.9:9').udp('c', 0.01 + i * 0.001));
    const resumed = new Scenario('10.0.0.1:5000', '10.0.0.2:161').udp('c', 500).icmpError(500.001, '10.0.0.2', 3, 3, 'c', 'udp');
    const records = mergeScenarios(first, ...others, resumed);
    expect((await analyzeRecords(records)).findings.map((f) => f.rule)).toEqual(['udp-port-unreachable']);
    expect((await analyzeRecords(records, { maxFlows: 5 })).findings).toEqual([]);
  });
});

describe('UDP payload is kept only for the ports an application recogniser declared', () => {
  it('keeps the first datagrams of exchanges on a declared port, on either side, and nothing else', async () => {
    const { writePcap } = await import('../../dev/pcap-writer.js');
    const { readCapture } = await import('../../src/capture/reader.js');
    const { decodeFrame } = await import('../../src/decode/index.js');
    const { AnomalyCounter } = await import('../../src/decode/packet.js');
    const { FlowTable } = await import('../../src/flow/table.js');
    const { udpPayloadPorts, DATAGRAM_RECOGNISERS } = await import('../../src/app/index.js');
    expect(udpPayloadPorts()).toEqual([1434]);
    expect(udpPayloadPorts([...DATAGRAM_RECOGNISERS, { name: 'x', udpPorts: [1434, 5353], recognise: () => null }])).toEqual([1434, 5353]);
    const declared = new Scenario('10.0.0.1:50000', '10.0.0.2:5353').udp('c', 0, 'ask').udp('s', 0.1, 'answer');
    const other = new Scenario('10.0.0.1:50001', '10.0.0.2:5354').udp('c', 0.2, 'ask');
    const bytes = writePcap(mergeScenarios(declared, other));
    const run = async (ports?: number[]) => {
      const kept: Record<number, string[] | null> = {};
      const table = new FlowTable((f) => {
        if (f.kind === 'udp') kept[f.server.port] = f.datagrams && f.datagrams.map((d) => `${d.fromClient ? 'c' : 's'}:${Buffer.from(d.bytes).toString()}`);
      }, { udpPayloadPorts: ports });
      const pkt = createPacket();
      await readCapture((await import('node:stream')).Readable.from([bytes]), (frame) => {
        decodeFrame(frame, pkt, new AnomalyCounter());
        table.advance(pkt.time);
        table.udp(pkt);
      });
      table.flush();
      return kept;
    };
    expect(await run([5353])).toEqual({ 5353: ['c:ask', 's:answer'], 5354: null });
    expect(await run()).toEqual({ 5353: null, 5354: null });
  });
});
