/**
 * The rules, in root-cause order: when several could describe one failed conversation, the
 * first that reports wins (an ICMP error explains a SYN timeout; an abort explains its RST).
 */
import type { Rule } from './engine.js';
import { connectionRefused } from './connection-refused.js';
import { destinationUnreachable } from './destination-unreachable.js';
import { connectTimeout } from './connect-timeout.js';
import { udpPortUnreachable } from './udp-port-unreachable.js';
import { connectionAborted } from './connection-aborted.js';
import { connectionReset } from './connection-reset.js';
import { dnsFailure } from './dns-failure.js';

/** Every rule, in the order the engine consults them. */
export const RULES: readonly Rule[] = [
  connectionRefused,
  destinationUnreachable,
  connectTimeout,
  udpPortUnreachable,
  connectionAborted,
  connectionReset,
  dnsFailure,
];

/** Look a rule up by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
