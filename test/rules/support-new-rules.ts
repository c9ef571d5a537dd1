/** Scenarios shared by the tests of the handshake and stall rules. */
import { Scenario } from '../helpers/scenario.js';

export const C = '10.0.0.1:40000';
export const S = '10.0.0.2:8080';

/** SYN, SYN-ACK, ACK: client ISN 100, server ISN 500. */
export function established(): Scenario {
  return new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501);
}
