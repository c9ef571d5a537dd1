/** Each finding names whose application sees its codes (`seenBy`). */
import { describe, expect, it } from 'vitest';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';

function established(): Scenario {
  return new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501);
}

describe('seenBy', () => {
  it('a refusal is seen by the client', async () => {
    const s = new Scenario('10.0.0.1:40000', '10.0.0.2:80').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2);
    const [f] = (await analyzeRecords(s.records)).findings;
    expect(f!.seenBy).toEqual({ side: 'client', address: '10.0.0.1', port: 40000 });
  });

  it('a reset is seen by the side that receives it: the server when the client resets', async () => {
    const s = established().tcp('s', 0.1, ['PSH', 'ACK'], 501, 101, { payload: 10 }).tcp('c', 0.2, ['RST', 'ACK'], 101, 511);
    const [f] = (await analyzeRecords(s.records)).findings;
    expect(f!.rule).toBe('connection-reset');
    expect(f!.details.resetBy).toBe('client');
    expect(f!.seenBy).toEqual({ side: 'server', address: '10.0.0.2', port: 80 });
  });

  it('a finding with no code names nobody', async () => {
    // Both sides closed in order, then a late RST: info, nobody sees an error.
    const s = established()
      .tcp('c', 0.1, ['FIN', 'ACK'], 101, 501)
      .tcp('s', 0.101, ['FIN', 'ACK'], 501, 102)
      .tcp('c', 0.102, ['ACK'], 102, 502)
      .tcp('s', 0.2, ['RST'], 502, 0);
    const findings = (await analyzeRecords(s.records)).findings;
    for (const f of findings) {
      expect(f.codes).toEqual([]);
      expect(f.seenBy).toBeUndefined();
    }
  });
});
