/**
 * The rules, in root-cause order: when several could describe one failed conversation, the
 * first that reports wins (an ICMP error explains a SYN timeout; an abort explains its RST).
 */
import type { Rule } from './engine.js';
import type { Signature } from './codes.js';
import type { RuleSignature } from './types.js';
import { connectionRefused } from './connection-refused.js';
import { destinationUnreachable } from './destination-unreachable.js';
import { connectTimeout } from './connect-timeout.js';
import { udpPortUnreachable } from './udp-port-unreachable.js';
import { connectionAborted } from './connection-aborted.js';
import { connectionReset } from './connection-reset.js';
import { dnsFailure } from './dns-failure.js';
import { synAckRetransmit } from './syn-ack-retransmit.js';
import { zeroWindowStall } from './zero-window-stall.js';
import { halfOpen } from './half-open.js';
import { staleConnection } from './stale-connection.js';

/** Every rule, in the order the engine consults them. */
export const RULES: readonly Rule[] = [
  connectionRefused,
  destinationUnreachable,
  connectTimeout,
  udpPortUnreachable,
  // A full accept queue is why the client's data goes unanswered and is finally reset.
  synAckRetransmit,
  // A zero window explains the probes (and the RST an application sends when it gives up).
  zeroWindowStall,
  connectionAborted,
  // A reset from a stack that lost the connection, before the generic reset.
  halfOpen,
  // Only a delay at connect time: it stands aside when the connection later failed by reset, and
  // comes before connection-reset so that a reset after an orderly close (info) does not hide it.
  staleConnection,
  connectionReset,
  dnsFailure,
];

/** Look a rule up by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}

/** The id of the rule whose meta lists `signature` (every signature has one: see the meta test). */
export function ruleOfSignature(signature: Signature): string | undefined {
  return RULES.find((r) => r.meta.signatures?.some((s) => s.signature === signature))?.meta.id;
}

/** `signature` as the meta of the rule that reports it describes it. */
export function signatureOf(signature: Signature): RuleSignature | undefined {
  for (const r of RULES) for (const s of r.meta.signatures ?? []) if (s.signature === signature) return s;
  return undefined;
}
