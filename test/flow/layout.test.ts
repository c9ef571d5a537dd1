/**
 * The memory layout of a held TCP conversation. A busy link holds tens of thousands at once (the
 * flow cap is 65,536), so each field costs 8 bytes and each object its header, times that many:
 * these tests count what one ordinary conversation holds of its own, deterministically (objects
 * reached from it and not shared with another conversation, and its own fields), so that a field
 * or a per-conversation array that creeps back in shows up here rather than in a peak RSS.
 */
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { ReassemblyPool } from '../../src/flow/reassembly.js';
import { FlowTable } from '../../src/flow/table.js';
import type { TcpConversation } from '../../src/flow/tcp.js';
import { mergeScenarios, Scenario } from '../helpers/scenario.js';
import { writePcap } from '../../dev/pcap-writer.js';

/** A request and a reply closed in order, with sequence numbers above 2^31 as real stacks pick them. */
function ordinary(client: string, t0: number): Scenario {
  const c = 0x9abc0000;
  const s = 0xf0000000;
  return new Scenario(client, '10.0.0.2:443', { t0 })
    .tcp('c', 0, ['SYN'], c)
    .tcp('s', 0.01, ['SYN', 'ACK'], s, c + 1)
    .tcp('c', 0.02, ['ACK'], c + 1, s + 1)
    .tcp('c', 0.03, ['PSH', 'ACK'], c + 1, s + 1, { payload: 120 })
    .tcp('s', 0.04, ['PSH', 'ACK'], s + 1, c + 121, { payload: 300 })
    .tcp('c', 0.05, ['FIN', 'ACK'], c + 121, s + 301)
    .tcp('s', 0.06, ['FIN', 'ACK'], s + 301, c + 122)
    .tcp('c', 0.07, ['ACK'], c + 122, s + 302);
}

/** Two ordinary conversations held in one flow table (default reassembly, nothing decided yet). */
function twoHeld(): [TcpConversation, TcpConversation] {
  const records = mergeScenarios(ordinary('10.0.0.1:40000', 1_700_000_000), ordinary('10.0.0.3:40001', 1_700_000_000.5));
  const pool = new ReassemblyPool();
  const table = new FlowTable(() => {}, { reassembly: pool });
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  const held: TcpConversation[] = [];
  readCaptureBuffer(writePcap(records), (frame) => {
    decodeFrame(frame, pkt, anomalies);
    pkt.time = frame.tsSec + frame.tsNsec / 1e9;
    const c = table.tcp(pkt);
    if (!held.includes(c)) held.push(c);
  });
  pool.flushDeferred();
  expect(held).toHaveLength(2);
  expect(table.size).toBe(2);
  return [held[0]!, held[1]!];
}

/** Links to the flow table's lists and to shared pools, not part of a conversation. */
const NOT_OWNED = new Set(['nextInBucket', 'lruPrev', 'lruNext', 'reassembly', 'pool']);

/** Every object reachable from `root` through own properties, but not through `NOT_OWNED` links. */
function reachable(root: object): Set<object> {
  const seen = new Set<object>();
  const todo: object[] = [root];
  while (todo.length > 0) {
    const o = todo.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) continue;
    for (const [k, v] of Object.entries(o)) {
      if (NOT_OWNED.has(k)) continue;
      if (typeof v === 'object' && v !== null) todo.push(v);
    }
  }
  return seen;
}

/** The objects one conversation holds that the other does not: what each conversation costs. */
function ownedBy(c: TcpConversation, other: TcpConversation): object[] {
  const shared = reachable(other);
  return [...reachable(c)].filter((o) => !shared.has(o));
}

function describeObject(o: object): string {
  return ArrayBuffer.isView(o) ? `${o.constructor.name}(${o.byteLength} bytes)` : Array.isArray(o) ? `Array(${o.length})` : o.constructor.name;
}

describe('a held TCP conversation stays compact', () => {
  it('holds a handful of objects of its own, none of them a typed array', () => {
    const [a, b] = twoHeld();
    const owned = ownedBy(a, b).map(describeObject).sort();
    // The conversation (which is its own packet log), its two endpoints, the log's array, its
    // array of times, and one reassembled stream per direction that sent data. Addresses live in the
    // table's shared slab, the first SYN, SYN-ACK and data segment in fields, the history is
    // shared, and rare facts (retries, resets, gaps) have no object until they happen.
    expect(owned).toEqual(['Array(14)', 'Array(24)', 'StreamReassembler', 'StreamReassembler', 'TcpConversation', 'TcpEndpoint', 'TcpEndpoint'].sort());
    expect(owned.filter((d) => d.includes('bytes)'))).toEqual([]);
  });

  it('has few fields: under 40 for the conversation, 26 per endpoint, 12 per stream', () => {
    const [a] = twoHeld();
    // Each field is 8 bytes in every held conversation. Yes/no facts are bits of one field, and
    // times share one array of doubles: a new fact should follow them, not add a field or a box.
    // Today 37 (the packet log's included), 23 and 9; before the layout was made compact, 47 plus
    // a packet log of 5, 37 and 20. The bounds leave room for a few small facts.
    expect(Object.keys(a).length).toBeLessThanOrEqual(40);
    expect(Object.keys(a.client).length).toBeLessThanOrEqual(26);
    expect(Object.keys(a.client.stream!).length).toBeLessThanOrEqual(12);
  });

  it('reads the same through its accessors as it recorded', () => {
    const [a] = twoHeld();
    expect(a.client.address).toBe('10.0.0.1');
    expect(a.server.address).toBe('10.0.0.2');
    expect(a.client.synFrames).toEqual([1]);
    expect(a.server.synAckFrames).toEqual([2]);
    expect(a.client.synTimes[0]).toBeCloseTo(1_700_000_000, 3);
    expect(a.client.finTime - a.startTime).toBeCloseTo(0.05, 4);
    expect(a.client.rstFrames).toEqual([]);
    expect(a.history).toBe('ShADdFf');
    expect(a.established && a.closed && !a.midstream && a.bSeen).toBe(true);
  });
});
