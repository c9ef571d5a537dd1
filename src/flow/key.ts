/**
 * Flow identity: VLAN ids, IP version, both addresses and ports, independent of direction.
 * Keys are numeric hashes with an exact comparison of the words, never strings per packet.
 */

/** The fields that identify a flow; `Packet` has them, and so does a quoted ICMP header. */
export interface FlowKeyView {
  ipVersion: number;
  vlanOuter: number;
  vlanInner: number;
  /** Source words 0..3, destination words 4..7. */
  addr: Uint32Array;
  srcPort: number;
  dstPort: number;
}

function mixEndpoint(addr: Uint32Array, base: number, port: number): number {
  let h = Math.imul(addr[base]! ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ addr[base + 1]! ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ addr[base + 2]! ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ addr[base + 3]! ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ port ^ (h >>> 16), 0x27d4eb2d);
  return h ^ (h >>> 15);
}

/** Direction-independent hash of a flow key for `protocol`. */
export function flowHash(k: FlowKeyView, protocol: number): number {
  const a = mixEndpoint(k.addr, 0, k.srcPort);
  const b = mixEndpoint(k.addr, 4, k.dstPort);
  // Addition is symmetric, so both directions hash alike.
  let h = (a + b) | 0;
  // VLAN ids are left out of the hash (not of the identity) so that a flow tagged differently in
  // each direction can still be found: see `matchFlow`'s adoption case.
  h = Math.imul(h ^ (protocol << 26) ^ k.ipVersion, 0x9e3779b1);
  return (h ^ (h >>> 16)) | 0;
}

/** Flows' address words per chunk of the slab (a power of two). */
const SLOTS_PER_CHUNK = 1024;
const SLOT_SHIFT = 10;

/**
 * The address words of every flow (and tombstone) of one flow table, eight per slot (A in 0..3,
 * B in 4..7), in chunks of SLOTS_PER_CHUNK slots that never move. A typed array per flow costs
 * about 180 bytes of heap for 32 bytes of words; a slot costs the 32 bytes and one field. A slot
 * is taken when a flow is created and given back when nothing remembers the flow any more (its
 * tombstone is dropped), so the slab follows the number of flows held at once.
 */
export class AddressSlab {
  private readonly chunks: Uint32Array[] = [];
  private readonly free: number[] = [];
  private next = 0;

  /** A slot holding the packet's words (source 0..3, destination 4..7): A is the sender. */
  take(addr: Uint32Array): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.next++;
      if (slot >>> SLOT_SHIFT === this.chunks.length) this.chunks.push(new Uint32Array(SLOTS_PER_CHUNK * 8));
    }
    this.chunkOf(slot).set(addr.subarray(0, 8), wordsAt(slot));
    return slot;
  }

  /** Give a slot back (its flow and tombstone are gone). */
  release(slot: number): void {
    this.free.push(slot);
  }

  /** The chunk holding `slot`'s words, at `wordsAt(slot)`. */
  chunkOf(slot: number): Uint32Array {
    return this.chunks[slot >>> SLOT_SHIFT]!;
  }

  /** Slots in use. */
  get used(): number {
    return this.next - this.free.length;
  }
}

/** Where in its chunk a slot's eight words start. */
export function wordsAt(slot: number): number {
  return (slot & (SLOTS_PER_CHUNK - 1)) << 3;
}

/** Stored identity of a flow (endpoint A = sender of the packet that created it). */
export interface StoredFlowKey {
  readonly ipVersion: number;
  /** VLAN ids of A's packets. */
  readonly vlanOuter: number;
  readonly vlanInner: number;
  /** VLAN ids of B's packets: the same as A's unless B was seen tagged differently. */
  bVlanOuter: number;
  bVlanInner: number;
  /** True once B has sent a packet. */
  bSeen: boolean;
  /** The chunk of the table's AddressSlab that holds the address words, at `wordsAt(slot)`. */
  readonly words: Uint32Array;
  /** The slot of the address words in the table's AddressSlab. */
  readonly slot: number;
  readonly aPort: number;
  readonly bPort: number;
}

function wordsEqual(w: Uint32Array, wBase: number, addr: Uint32Array, base: number): boolean {
  return w[wBase + 3] === addr[base + 3] && w[wBase] === addr[base] && w[wBase + 1] === addr[base + 1] && w[wBase + 2] === addr[base + 2];
}

/** 1 when the key matches with the packet sent by A, -1 when sent by B, 0 when it does not match. */
export function matchFlow(f: StoredFlowKey, k: FlowKeyView): number {
  if (f.ipVersion !== k.ipVersion) return 0;
  const w = wordsAt(f.slot);
  if (f.aPort === k.srcPort && f.bPort === k.dstPort && f.vlanOuter === k.vlanOuter && f.vlanInner === k.vlanInner && wordsEqual(f.words, w, k.addr, 0) && wordsEqual(f.words, w + 4, k.addr, 4)) return 1;
  if (f.aPort === k.dstPort && f.bPort === k.srcPort && f.bVlanOuter === k.vlanOuter && f.bVlanInner === k.vlanInner && wordsEqual(f.words, w, k.addr, 4) && wordsEqual(f.words, w + 4, k.addr, 0)) return -1;
  return 0;
}

/**
 * A reply tagged differently from its request (one direction tagged, or routed between VLANs
 * on a trunk): true when the packet comes from B of a flow that B has not spoken in yet, with the
 * same addresses and ports but other VLAN ids. Distinct flows that merely share addresses and
 * ports on different VLANs each see both directions on their own VLAN, so they are never merged.
 */
export function isAsymmetricReply(f: StoredFlowKey, k: FlowKeyView): boolean {
  const w = wordsAt(f.slot);
  return (
    !f.bSeen &&
    f.ipVersion === k.ipVersion &&
    f.aPort === k.dstPort &&
    f.bPort === k.srcPort &&
    wordsEqual(f.words, w, k.addr, 4) &&
    wordsEqual(f.words, w + 4, k.addr, 0)
  );
}

/** VLAN ids (-1 for none, else 0..4095) packed into 26 bits. */
export function packVlans(outer: number, inner: number): number {
  return ((outer + 1) << 13) | (inner + 1);
}

/**
 * A second direction-independent hash of a flow's identity, with the VLAN ids its packet
 * carried: with flowHash it makes a 64-bit fingerprint, so two remembered flows share one with a
 * probability near n² / 2^65 (about 10^-9 for 200,000 flows). What the compact memories of
 * decided flows (tombstones.ts, udp-streams.ts) keep instead of the addresses.
 */
export function identityHash(ipVersion: number, addr: Uint32Array, srcPort: number, dstPort: number, vlans: number): number {
  const a = endpointHash(addr, 0, srcPort);
  const b = endpointHash(addr, 4, dstPort);
  // Addition is symmetric: both directions hash alike.
  let h = (a + b) | 0;
  h = Math.imul(h ^ vlans ^ (ipVersion << 28), 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

function endpointHash(addr: Uint32Array, base: number, port: number): number {
  let h = 0x7f4a7c15 ^ port;
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ addr[base + i]!, 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
  }
  return h ^ (h >>> 16);
}

/** True when the endpoint at `base` (with `port`) sorts before the other one of the key. */
export function isLow(addr: Uint32Array, base: number, port: number, otherPort: number): boolean {
  const other = 4 - base;
  for (let i = 0; i < 4; i++) {
    const x = addr[base + i]!;
    const y = addr[other + i]!;
    if (x !== y) return x < y;
  }
  return port <= otherPort;
}

/**
 * The key of a flow remembered without its addresses (a tombstone), rebuilt from a packet of it
 * into `out`: A is the packet's sender when `fromA`, else its receiver, with A's VLAN ids.
 * `out.addr` must not be `key.addr`.
 */
export function keyWithA(key: FlowKeyView, fromA: boolean, vlanOuter: number, vlanInner: number, out: FlowKeyView): FlowKeyView {
  out.ipVersion = key.ipVersion;
  out.vlanOuter = vlanOuter;
  out.vlanInner = vlanInner;
  if (fromA) {
    out.addr.set(key.addr.subarray(0, 8));
    out.srcPort = key.srcPort;
    out.dstPort = key.dstPort;
  } else {
    out.addr.set(key.addr.subarray(4, 8), 0);
    out.addr.set(key.addr.subarray(0, 4), 4);
    out.srcPort = key.dstPort;
    out.dstPort = key.srcPort;
  }
  return out;
}
