/**
 * The index of the flows a flow table tracks, one per protocol: finds the flow of a packet by its
 * identity, whichever endpoint sent it, and says which one did (gopacket's StreamPool, without
 * the timers, which are in expiry.ts, or the memory of decided flows, in tombstones.ts).
 */
import { isAsymmetricReply, matchFlow, type FlowKeyView, type StoredFlowKey } from './key.js';
import type { TcpConversation } from './tcp.js';
import type { UdpExchange } from './udp.js';

/** A conversation of either protocol. */
export type Flow = TcpConversation | UdpExchange;

/** What the index needs of a flow: its stored identity, its flowHash and a link for its bucket. */
export interface IndexedFlow<T> extends StoredFlowKey {
  hash: number;
  nextInBucket: T | null;
}

/**
 * Flows by flowHash: a Map from hash to the first flow of its bucket, the others chained through
 * `nextInBucket` (no array per bucket, no string keys).
 */
export class FlowIndex<T extends IndexedFlow<T>> {
  private readonly buckets = new Map<number, T>();

  /**
   * Whether the packet of the last successful {@link lookup} was sent by the flow's endpoint A. A
   * field rather than a returned pair: lookups run per packet, and a pair per packet doubled the
   * time spent collecting garbage on a 200 MB capture.
   */
  fromA = true;

  /**
   * The flow of `key` (whose flowHash is `hash`), or null; the packet's direction in it is then in
   * {@link fromA}, to be read before the next lookup. A packet from B of a flow B has not spoken in
   * yet, on other VLAN ids than A's, is that flow's reply (see isAsymmetricReply): the flow then
   * records B's VLAN ids.
   */
  lookup(key: FlowKeyView, hash: number): T | null {
    const head = this.buckets.get(hash);
    if (head === undefined) return null;
    for (let f: T | null = head; f !== null; f = f.nextInBucket) {
      const dir = matchFlow(f, key);
      if (dir !== 0) {
        this.fromA = dir === 1;
        return f;
      }
    }
    for (let f: T | null = head; f !== null; f = f.nextInBucket) {
      if (isAsymmetricReply(f, key)) {
        f.bVlanOuter = key.vlanOuter;
        f.bVlanInner = key.vlanInner;
        this.fromA = false;
        return f;
      }
    }
    return null;
  }

  /** Index a flow under its `hash`. */
  add(f: T): void {
    f.nextInBucket = this.buckets.get(f.hash) ?? null;
    this.buckets.set(f.hash, f);
  }

  /** Take a flow out of the index. */
  remove(f: T): void {
    let cur = this.buckets.get(f.hash) ?? null;
    if (cur === f) {
      if (f.nextInBucket !== null) this.buckets.set(f.hash, f.nextInBucket);
      else this.buckets.delete(f.hash);
    } else {
      while (cur !== null && cur.nextInBucket !== f) cur = cur.nextInBucket;
      if (cur !== null) cur.nextInBucket = f.nextInBucket;
    }
    f.nextInBucket = null;
  }
}
