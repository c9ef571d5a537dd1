/**
 * What port-scan and syn-flood share: which conversations look like probes, host keys read from
 * a packet without formatting it, a bounded map that forgets its least recently used entries,
 * and the words of their findings. Nothing here keeps per-conversation state: both rules count
 * connection attempts and their answers at the TCP events (SYN, SYN-ACK, RST, the handshake's
 * end, a side's first data or FIN) in bounded maps, never per data segment, so a million-SYN
 * flood costs a few map operations per SYN and a fixed amount of memory.
 */
import { formatAddress, TCP_ACK, TCP_SYN, type Packet } from '../decode/packet.js';
import { wordsAt } from '../flow/key.js';
import type { TcpConversation } from '../flow/tcp.js';

/** Host key of the packet's source (`base` 0) or destination (`base` 4): a number for IPv4. */
export function hostKey(p: Packet, base: 0 | 4): number | string {
  const w = p.addr;
  // As an int32, a small integer to V8: no number allocated per packet, a fast Map key.
  if (p.ipVersion === 4) return w[base + 3]! | 0;
  return `${w[base]!}.${w[base + 1]!}.${w[base + 2]!}.${w[base + 3]!}`;
}

/** A host key (as `hostKey` gives it) as text: made when a finding names the host, never per packet. */
export function hostKeyText(key: number | string, ipVersion: number): string {
  const words = new Uint32Array(4);
  if (typeof key === 'number') words[3] = key;
  else key.split('.').forEach((w, i) => (words[i] = Number(w)));
  return formatAddress(ipVersion, words, 0);
}

/** Host key (as `hostKey` gives it) of a conversation's client or server. */
export function conversationHostKey(c: TcpConversation, side: 'client' | 'server'): number | string {
  const isA = (side === 'client') === c.clientIsA;
  const o = wordsAt(c.slot) + (isA ? 0 : 4);
  const w = c.words;
  if (c.ipVersion === 4) return w[o + 3]! | 0;
  return `${w[o]!}.${w[o + 1]!}.${w[o + 2]!}.${w[o + 3]!}`;
}

/** The packet's source (`base` 0) or destination (`base` 4) as text. */
export function hostText(p: Packet, base: 0 | 4): string {
  return formatAddress(p.ipVersion, p.addr, base);
}

/** A connection attempt: SYN without ACK. */
export function isConnectionAttempt(p: Packet): boolean {
  return (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
}

/**
 * A conversation that is a probe rather than a use of the service: its client sent no payload
 * and no FIN (a SYN never answered, refused, or answered and then dropped or reset).
 */
export function isProbeShaped(c: TcpConversation): boolean {
  return c.client.synCount > 0 && c.client.bytes === 0 && c.client.finFrame < 0;
}

/** A Map that holds at most `capacity` entries, forgetting the least recently set or touched. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(
    private readonly capacity: number,
    /** Called with each entry forgotten to make room. */
    private readonly onForget?: (value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The value, moved to the most recently used end. */
  touch(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** The value, without changing its place. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      const v = this.map.get(oldest)!;
      this.map.delete(oldest);
      this.onForget?.(v);
    }
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}

/** Ports as ranges, "22, 80-85, 443", at most `max` ranges ("… and 12 more ranges"). */
export function portRanges(ports: Iterable<number>, max = 12): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return ranges.length > max ? `${ranges.slice(0, max).join(', ')} and ${ranges.length - max} more ranges` : ranges.join(', ');
}

/** A set of port numbers in 8 KiB. */
export class PortSet {
  private readonly bits = new Uint32Array(2048);
  size = 0;

  add(port: number): boolean {
    const w = port >>> 5;
    const m = 1 << (port & 31);
    if ((this.bits[w]! & m) !== 0) return false;
    this.bits[w]! |= m;
    this.size++;
    return true;
  }

  has(port: number): boolean {
    return (this.bits[port >>> 5]! & (1 << (port & 31))) !== 0;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let w = 0; w < this.bits.length; w++) {
      const word = this.bits[w]!;
      if (word === 0) continue;
      for (let b = 0; b < 32; b++) if ((word & (1 << b)) !== 0) yield (w << 5) | b;
    }
  }
}

/** The first `max` conversations a pattern explained, by first frame: evidence for its finding. */
export class ExplainedSample {
  readonly entries: Array<{ frame: number; stream: number }> = [];
  count = 0;

  constructor(private readonly max = 16) {}

  add(c: TcpConversation): void {
    this.count++;
    const e = { frame: c.firstFrame, stream: c.stream };
    const list = this.entries;
    if (list.length >= this.max && e.frame >= list[list.length - 1]!.frame) return;
    let i = list.length;
    while (i > 0 && list[i - 1]!.frame > e.frame) i--;
    list.splice(i, 0, e);
    if (list.length > this.max) list.pop();
  }

  /** The stream of the earliest conversation explained, or -1. */
  get firstStream(): number {
    return this.entries[0]?.stream ?? -1;
  }

  get frames(): number[] {
    return this.entries.map((e) => e.frame);
  }
}

/** "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
