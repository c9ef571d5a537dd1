/** Tombstones of decided TCP conversations: identity, direction, what they give back, and their bound. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowHash, type FlowKeyView } from '../../src/flow/key.js';
import { TcpTombstones, type BuriedConversation } from '../../src/flow/tombstones.js';

/** A conversation from 10.0.(n>>8).(n&255):40000 to 192.0.2.1:443 (its words alone in slot 0 of a chunk). */
function conversation(n: number, stream: number, extra: Partial<BuriedConversation> = {}): BuriedConversation {
  const words = new Uint32Array(8);
  words[3] = (10 << 24) | (n & 0xffff);
  words[7] = (192 << 24) | (2 << 8) | 1;
  return { ipVersion: 4, vlanOuter: -1, vlanInner: -1, bVlanOuter: -1, bVlanInner: -1, bSeen: true, words, slot: 0, aPort: 40000, bPort: 443, stream, clientIsA: true, evicted: false, ...extra };
}

/** The key of a segment of `c`, from A or from B, with the sender's VLAN ids. */
function segment(c: BuriedConversation, fromA: boolean, vlan = fromA ? c.vlanOuter : c.bVlanOuter): FlowKeyView {
  const addr = new Uint32Array(8);
  addr.set(fromA ? c.words.subarray(0, 4) : c.words.subarray(4, 8), 0);
  addr.set(fromA ? c.words.subarray(4, 8) : c.words.subarray(0, 4), 4);
  return { ipVersion: c.ipVersion, vlanOuter: vlan, vlanInner: -1, addr, srcPort: fromA ? c.aPort : c.bPort, dstPort: fromA ? c.bPort : c.aPort };
}

function bury(t: TcpTombstones, c: BuriedConversation, aBase = 1000, bBase = 5000): void {
  t.bury(c, aBase, bBase, flowHash(segment(c, true), 6));
}

function exhume(t: TcpTombstones, k: FlowKeyView) {
  return t.exhume(k, flowHash(k, 6));
}

describe('TCP tombstones', () => {
  it('give back the stream, the direction, the client, the base sequences and the marks, once', () => {
    const t = new TcpTombstones();
    const c = conversation(1, 7, { clientIsA: false, evicted: true, bSeen: false });
    bury(t, c, 0xfffffff0, -1);
    expect(exhume(t, segment(conversation(2, 0), true))).toBeNull();
    expect(exhume(t, segment(c, false))).toEqual({
      stream: 7,
      fromA: false,
      clientIsA: false,
      evicted: true,
      bSeen: false,
      vlanOuter: -1,
      vlanInner: -1,
      bVlanOuter: -1,
      bVlanInner: -1,
      aBaseSeq: 0xfffffff0,
      bBaseSeq: -1,
    });
    // Taken out: the conversation is alive again (or a new one took its identity).
    expect(exhume(t, segment(c, true))).toBeNull();
    expect(t.size).toBe(0);
  });

  it('VLAN ids are part of the identity; a reply tagged differently finds the tombstone by its own ids', () => {
    const t = new TcpTombstones();
    const c = conversation(1, 3, { vlanOuter: 81, bVlanOuter: 80 });
    bury(t, c);
    expect(exhume(t, segment(c, true, 5))).toBeNull();
    expect(exhume(t, segment(c, false, 81))).toBeNull();
    expect(exhume(t, segment(c, false))).toMatchObject({ stream: 3, fromA: false, vlanOuter: 81, bVlanOuter: 80 });
    // Taken out under both ids.
    expect(exhume(t, segment(c, true))).toBeNull();
    expect(t.size).toBe(0);
  });

  it('a conversation decided again replaces its tombstone', () => {
    const t = new TcpTombstones();
    bury(t, conversation(1, 3));
    bury(t, conversation(1, 9), 77);
    expect(t.size).toBe(1);
    expect(exhume(t, segment(conversation(1, 0), true))).toMatchObject({ stream: 9, aBaseSeq: 77 });
  });

  it('memory is bounded: beyond the capacity the oldest are forgotten, the latest never', () => {
    const t = new TcpTombstones(5000);
    expect(t.capacity).toBe(8192);
    for (let n = 0; n < 20_000; n++) bury(t, conversation(n, n));
    expect(t.size).toBe(8192);
    expect(t.forgotten).toBe(20_000 - 8192);
    expect(exhume(t, segment(conversation(20_000 - 8193, 0), true))).toBeNull();
    for (let n = 20_000 - 8192; n < 20_000; n++) expect(exhume(t, segment(conversation(n, 0), n % 2 === 0))?.stream).toBe(n);
    expect(t.size).toBe(0);
  });

  it('behaves as a map of the latest tombstone per identity, bounded to the most recent, whatever the order of burials and exhumations, past the capacity too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 3000 }), fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.boolean()), { minLength: 2000, maxLength: 12_000 }), (identities, ops) => {
        const t = new TcpTombstones(4096);
        // The model: identity → [stream, order of burial]; at most `capacity` burials back are kept.
        const model = new Map<number, [number, number]>();
        let burials = 0;
        let stream = 0;
        for (const [isBurial, draw, fromA] of ops) {
          const n = draw % identities;
          if (isBurial) {
            bury(t, conversation(n, stream));
            model.set(n, [stream++, burials++]);
          } else {
            const m = exhume(t, segment(conversation(n, 0), fromA));
            const want = model.get(n);
            const kept = want !== undefined && want[1] >= burials - t.capacity;
            expect(m?.stream ?? null).toBe(kept ? want[0] : null);
            if (m) expect(m.fromA).toBe(fromA);
            model.delete(n);
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});
