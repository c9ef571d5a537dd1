import { describe, expect, it } from 'vitest';
import { FLOOD_SOURCES, SCATTERED_ATTEMPTS, synFlood } from '../../src/rules/syn-flood.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, mergeScenarios, Scenario } from '../helpers/scenario.js';

const SERVICE = '10.10.10.10:25565';

/** `n` spoofed sources (198.18.x.y), one SYN each, 1 ms apart, to `service`. */
function flood(n: number, service = SERVICE): Scenario[] {
  return Array.from({ length: n }, (_, i) => new Scenario(`198.18.${i >> 8}.${i & 255}:${1024 + i}`, service).tcp('c', i * 0.001, ['SYN'], i * 7919));
}

/** A busy service: `n` clients, each connecting, sending a request and closing. */
function busy(n: number): Scenario[] {
  return Array.from({ length: n }, (_, i) => {
    const t = i * 0.001;
    return new Scenario(`10.1.${i >> 8}.${i & 255}:40000`, SERVICE)
      .tcp('c', t, ['SYN'], 100)
      .tcp('s', t + 0.0002, ['SYN', 'ACK'], 500, 101)
      .tcp('c', t + 0.0004, ['ACK'], 101, 501)
      .tcp('c', t + 0.0005, ['PSH', 'ACK'], 101, 501, { payload: 30 });
  });
}

/** `n` clients that complete the handshake with the service and then send nothing (yet). */
function handshakesOnly(n: number): Scenario[] {
  return Array.from({ length: n }, (_, i) => {
    const t = i * 0.001;
    return new Scenario(`10.2.${i >> 8}.${i & 255}:40000`, SERVICE).tcp('c', t, ['SYN'], 100).tcp('s', t + 0.0002, ['SYN', 'ACK'], 500, 101).tcp('c', t + 0.0004, ['ACK'], 101, 501);
  });
}

/** `n` clients seen inbound only (the server's answers take another path): SYN, then a request. */
function inboundRequests(n: number): Scenario[] {
  return Array.from({ length: n }, (_, i) => {
    const t = i * 0.001;
    return new Scenario(`10.3.${i >> 8}.${i & 255}:40000`, SERVICE).tcp('c', t, ['SYN'], 100).tcp('c', t + 0.0004, ['PSH', 'ACK'], 101, 501, { payload: 30 });
  });
}

/** `n` SYNs from random sources to random destinations; every eighth destination is multicast or reserved (224/3). */
function scattered(n: number, impossibleEvery = 8): Scenario[] {
  return Array.from({ length: n }, (_, i) => {
    const dst = i % impossibleEvery === 0 ? `${224 + (i % 32)}.1.${i >> 8}.${i & 255}` : `45.${i >> 8}.${i & 255}.9`;
    return new Scenario(`100.${i >> 8}.${i & 255}.7:${2000 + i}`, `${dst}:${3000 + i}`).tcp('c', i * 0.0001, ['SYN'], i);
  });
}

runRuleTests(synFlood, {
  valid: [
    { name: `${SCATTERED_ATTEMPTS * 2} unanswered SYNs to as many hosts, none to an impossible address (a busy gateway)`, packets: mergeScenarios(...scattered(SCATTERED_ATTEMPTS * 2, Infinity)) },
    { name: `${FLOOD_SOURCES / 2} sources, one SYN each: below the threshold`, packets: mergeScenarios(...flood(FLOOD_SOURCES / 2)) },
    { name: `a busy service: ${FLOOD_SOURCES + 50} clients that send requests`, packets: mergeScenarios(...busy(FLOOD_SOURCES + 50)) },
    { name: `${FLOOD_SOURCES + 50} clients that complete the handshake and send nothing: not spoofed`, packets: mergeScenarios(...handshakesOnly(FLOOD_SOURCES + 50)) },
    { name: `${FLOOD_SOURCES + 50} clients seen inbound only, each sending a request after its SYN`, packets: mergeScenarios(...inboundRequests(FLOOD_SOURCES + 50)) },
    {
      name: 'one source probing many ports is a scan, not a flood',
      packets: mergeScenarios(...Array.from({ length: FLOOD_SOURCES + 50 }, (_, i) => new Scenario('10.0.0.66:50000', `10.0.0.2:${i + 1}`).tcp('c', i * 0.001, ['SYN'], i))),
    },
  ],
  invalid: [
    {
      name: `${FLOOD_SOURCES + 100} spoofed sources, one SYN each, inbound only`,
      packets: mergeScenarios(...flood(FLOOD_SOURCES + 100)),
      findings: [
        {
          rule: 'syn-flood',
          severity: 'warning',
          protocol: 'tcp',
          server: { address: '10.10.10.10', port: 25565 },
          codes: [],
          stream: 0,
          filter: 'ip.dst == 10.10.10.10 && tcp.dstport == 25565 && tcp.flags.syn == 1 && tcp.flags.ack == 0',
          details: { attempts: FLOOD_SOURCES + 100, explainedConversations: FLOOD_SOURCES + 100 },
        },
      ],
    },
    {
      name: 'random sources to random destinations, some multicast or reserved (hping3 --rand-source --rand-dest)',
      packets: mergeScenarios(...scattered(SCATTERED_ATTEMPTS * 2)),
      findings: [{ rule: 'syn-flood', client: { address: '100.0.0.7', port: -1 }, server: { address: '224.1.0.0', port: -1 }, filter: 'tcp.flags.syn == 1 && tcp.flags.ack == 0', details: { attempts: SCATTERED_ATTEMPTS * 2, impossibleAddresses: 13, explainedConversations: SCATTERED_ATTEMPTS * 2 } }],
    },
  ],
});

describe('syn-flood among all the rules', () => {
  it('clients whose connections stay open count as using the service when they send, not when their connections end', async () => {
    // 150 one-SYN sources, then 60 real clients that connect, send a request and stay connected:
    // a quarter of the attempts are used, so no flood; the unanswered SYNs time out long before
    // the real connections end, and keep their own findings.
    const real = busy(60).map((s, i) => s.tcp('s', i * 0.001 + 0.0006, ['ACK'], 501, 131));
    const shifted = mergeScenarios(...real).map((r) => ({ ...r, time: (r.time as number) + 0.2 }));
    const later = new Scenario('10.0.0.8:5000', '10.0.0.9:53').udp('c', 200);
    const report = await analyzeRecords([...mergeScenarios(...flood(150)), ...shifted, ...mergeScenarios(later)].sort((a, b) => (a.time as number) - (b.time as number)));
    expect(report.summary.byRule).toEqual({ 'connect-timeout': 150 });
  });

  it('the flood is one finding; a real client that retried its SYN during it keeps its connect-timeout', async () => {
    const victim = new Scenario('10.0.0.7:40000', SERVICE).tcp('c', 0.05, ['SYN'], 5).tcp('c', 1.05, ['SYN'], 5).tcp('c', 3.05, ['SYN'], 5).tcp('c', 7.05, ['SYN'], 5);
    const later = new Scenario('10.0.0.8:5000', '10.0.0.9:53').udp('c', 200);
    const report = await analyzeRecords(mergeScenarios(...flood(FLOOD_SOURCES * 2), victim, later));
    expect(report.summary.byRule).toEqual({ 'syn-flood': 1, 'connect-timeout': 1 });
    const flooded = report.findings.find((f) => f.rule === 'syn-flood')!;
    expect(flooded.details.sources).toBeGreaterThan(FLOOD_SOURCES * 1.8);
    expect(report.findings.find((f) => f.rule === 'connect-timeout')!.client).toEqual({ address: '10.0.0.7', port: 40000 });
  });
});
