/** A tracked conversation's Community ID v1, read from its address words (no text round trip). */
import { communityIdV1, IP_PROTO } from '../model/community-id.js';
import { wordsAt } from './key.js';
import type { Flow } from './table.js';

/** The bytes of one endpoint's address: words hold big-endian 32-bit groups, IPv4 in the last. */
function endpointBytes(ipVersion: number, words: Uint32Array, base: number): Uint8Array {
  const first = ipVersion === 4 ? 3 : 0;
  const out = new Uint8Array((4 - first) * 4);
  for (let i = first; i < 4; i++) {
    const w = words[base + i]!;
    const at = (i - first) * 4;
    out[at] = w >>> 24;
    out[at + 1] = (w >>> 16) & 0xff;
    out[at + 2] = (w >>> 8) & 0xff;
    out[at + 3] = w & 0xff;
  }
  return out;
}

/**
 * Community ID v1 (seed 0) of a TCP conversation or UDP exchange. VLAN ids are not part of it, as
 * the spec leaves encapsulations out: flows told apart only by VLAN share one ID.
 */
export function flowCommunityId(flow: Flow): string {
  const base = wordsAt(flow.slot);
  const a = endpointBytes(flow.ipVersion, flow.words, base);
  const b = endpointBytes(flow.ipVersion, flow.words, base + 4);
  return communityIdV1(IP_PROTO[flow.kind], a, b, flow.aPort, flow.bPort);
}
