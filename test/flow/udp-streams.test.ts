/** The index of decided UDP exchanges: identity, direction, VLAN ids and its memory bound. */
import { describe, expect, it } from 'vitest';
import { flowHash, type FlowKeyView } from '../../src/flow/key.js';
import { UDP_STREAM_GENERATION_SLOTS, UdpStreamIndex, type RememberedUdpExchange } from '../../src/flow/udp-streams.js';

/** An IPv4 exchange from 10.0.(n>>8).(n&255):sport to 192.0.2.1:dport (its words alone in slot 0 of a chunk). */
function exchange(n: number, stream: number, extra: Partial<RememberedUdpExchange> = {}): RememberedUdpExchange {
  const words = new Uint32Array(8);
  words[0] = (10 << 24) | (n & 0xffff);
  words[4] = (192 << 24) | (2 << 8) | 1;
  return { ipVersion: 4, vlanOuter: -1, vlanInner: -1, bVlanOuter: -1, bVlanInner: -1, bSeen: true, words, slot: 0, aPort: 40000, bPort: 53, stream, clientIsA: true, evicted: false, ...extra };
}

/** The key of a datagram of `x`, from A or from B, with the sender's VLAN ids. */
function datagram(x: RememberedUdpExchange, fromA: boolean, vlan = fromA ? x.vlanOuter : x.bVlanOuter): FlowKeyView {
  const addr = new Uint32Array(8);
  addr.set(fromA ? x.words.subarray(0, 4) : x.words.subarray(4, 8), 0);
  addr.set(fromA ? x.words.subarray(4, 8) : x.words.subarray(0, 4), 4);
  return { ipVersion: x.ipVersion, vlanOuter: vlan, vlanInner: -1, addr, srcPort: fromA ? x.aPort : x.bPort, dstPort: fromA ? x.bPort : x.aPort };
}

function remember(index: UdpStreamIndex, x: RememberedUdpExchange): void {
  index.remember(x, flowHash(datagram(x, true), 17));
}

function find(index: UdpStreamIndex, k: FlowKeyView) {
  const m = index.find(k, flowHash(k, 17));
  return m && { ...m };
}

describe('UdpStreamIndex', () => {
  it('finds an exchange from either side, with its stream, client and marks', () => {
    const index = new UdpStreamIndex();
    const x = exchange(1, 7, { clientIsA: false, evicted: true });
    remember(index, x);
    expect(find(index, datagram(x, true))).toMatchObject({ stream: 7, fromA: true, clientIsA: false, evicted: true, bSeen: true });
    expect(find(index, datagram(x, false))).toMatchObject({ stream: 7, fromA: false });
    expect(find(index, datagram(exchange(2, 0), true))).toBeNull();
  });

  it('the same addresses and ports on two VLANs are two exchanges; a reply on another VLAN finds its request', () => {
    const index = new UdpStreamIndex();
    const v1 = exchange(1, 1, { vlanOuter: 1, bVlanOuter: 1 });
    const v2 = exchange(1, 2, { vlanOuter: 2, bVlanOuter: 2 });
    const routed = exchange(3, 3, { vlanOuter: 30, bVlanOuter: 31 });
    for (const x of [v1, v2, routed]) remember(index, x);
    expect(find(index, datagram(v1, false))?.stream).toBe(1);
    expect(find(index, datagram(v2, true))?.stream).toBe(2);
    expect(find(index, datagram(v1, true, 3))).toBeNull();
    expect(find(index, datagram(routed, true))).toMatchObject({ stream: 3, fromA: true, vlanOuter: 30, bVlanOuter: 31 });
    expect(find(index, datagram(routed, false))).toMatchObject({ stream: 3, fromA: false, vlanOuter: 30, bVlanOuter: 31 });
  });

  it('remembering an exchange again updates it', () => {
    const index = new UdpStreamIndex();
    remember(index, exchange(1, 4, { evicted: true }));
    remember(index, exchange(1, 4, { evicted: false }));
    expect(index.size).toBe(1);
    expect(find(index, datagram(exchange(1, 4), true))?.evicted).toBe(false);
  });

  it('memory is bounded: past two full generations the oldest exchanges are forgotten, the latest never', () => {
    const index = new UdpStreamIndex();
    const perGeneration = (UDP_STREAM_GENERATION_SLOTS * 3) / 4;
    const total = perGeneration * 2 + 10;
    // Distinct exchanges: the client port varies too, beyond the 16 address bits.
    const nth = (n: number) => exchange(n, n, { aPort: 1024 + (n >> 16) });
    for (let n = 0; n < total; n++) remember(index, nth(n));
    expect(index.size).toBeLessThanOrEqual(perGeneration * 2);
    expect(index.forgotten).toBe(perGeneration);
    expect(find(index, datagram(nth(0), true))).toBeNull();
    expect(find(index, datagram(nth(perGeneration), true))?.stream).toBe(perGeneration);
    expect(find(index, datagram(nth(total - 1), false))?.stream).toBe(total - 1);
  });
});
