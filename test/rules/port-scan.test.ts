import { describe, expect, it } from 'vitest';
import { portScan, SCAN_PORTS, SWEEP_HOSTS } from '../../src/rules/port-scan.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, mergeScenarios, Scenario } from '../helpers/scenario.js';
import type { WriterRecord } from '../../dev/pcap-writer.js';

const SCANNER = '10.0.0.66';
const TARGET = '10.0.0.2';

/** One SYN per port from one source port (nmap -sS), 5 ms apart; closed ports answer RST, the rest is silent. */
function synScan(ports: number[], closed: Set<number> = new Set(), open: Set<number> = new Set()): Scenario[] {
  return ports.map((port, i) => {
    const s = new Scenario(`${SCANNER}:50000`, `${TARGET}:${port}`);
    const t = i * 0.005;
    s.tcp('c', t, ['SYN'], 1000 + i);
    if (closed.has(port)) s.tcp('s', t + 0.0005, ['RST', 'ACK'], 0, 1001 + i);
    if (open.has(port)) s.tcp('s', t + 0.0005, ['SYN', 'ACK'], 7000, 1001 + i).tcp('c', t + 0.001, ['RST'], 1001 + i);
    return s;
  });
}

function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** A client that connects, sends a request and closes: a conversation that is used. */
function usedConnection(client: string, server: string, t: number): Scenario {
  return new Scenario(client, server)
    .tcp('c', t, ['SYN'], 100)
    .tcp('s', t + 0.001, ['SYN', 'ACK'], 500, 101)
    .tcp('c', t + 0.002, ['ACK'], 101, 501)
    .tcp('c', t + 0.003, ['PSH', 'ACK'], 101, 501, { payload: 40 })
    .tcp('s', t + 0.004, ['ACK'], 501, 141)
    .tcp('c', t + 0.005, ['FIN', 'ACK'], 141, 501)
    .tcp('s', t + 0.006, ['FIN', 'ACK'], 501, 142)
    .tcp('c', t + 0.007, ['ACK'], 142, 502);
}

/**
 * A connect scan (nmap -sT) of `ports` on services that greet first: each answers the handshake
 * and sends a banner; the scanner sends nothing and resets.
 */
function connectScanOfGreetingServices(ports: number[]): Scenario[] {
  return ports.map((port, i) => {
    const t = i * 0.005;
    return new Scenario(`${SCANNER}:${50000 + i}`, `${TARGET}:${port}`)
      .tcp('c', t, ['SYN'], 1000)
      .tcp('s', t + 0.0005, ['SYN', 'ACK'], 7000, 1001)
      .tcp('c', t + 0.001, ['ACK'], 1001, 7001)
      .tcp('s', t + 0.0015, ['PSH', 'ACK'], 7001, 1001, { payload: 32 })
      .tcp('c', t + 0.002, ['RST'], 1001);
  });
}

/**
 * nmap -sS as it runs: `ports` probed in a scrambled order from source port 50000; open ports
 * answer SYN-ACK (the scanner's kernel resets), closed ones RST; every unanswered probe is sent
 * once more from source port 50001, after the first pass.
 */
function nmapSynScan(ports: number[], closed: Set<number>, open: Set<number>): Scenario[] {
  const order = ports.map((_, i) => ports[(i * 37) % ports.length]!);
  const retries = order
    .filter((port) => !closed.has(port) && !open.has(port))
    .map((port, i) => new Scenario(`${SCANNER}:50001`, `${TARGET}:${port}`).tcp('c', 2 + i * 0.001, ['SYN'], 5000 + i));
  return [...synScan(order, closed, open), ...retries];
}

/** A client that opens a connection to each of `ports`, sends a request on each and keeps them all open. */
function keptConnections(ports: number[]): Scenario[] {
  return ports.map((port, i) => {
    const t = i * 0.01;
    return new Scenario(`10.0.0.1:${41000 + i}`, `${TARGET}:${port}`)
      .tcp('c', t, ['SYN'], 100)
      .tcp('s', t + 0.001, ['SYN', 'ACK'], 500, 101)
      .tcp('c', t + 0.002, ['ACK'], 101, 501)
      .tcp('c', t + 0.003, ['PSH', 'ACK'], 101, 501, { payload: 40 })
      .tcp('s', t + 0.004, ['ACK'], 501, 141);
  });
}

/** One long conversation of the scanner's own: `segments` data segments, then an orderly close. */
function busyConnection(segments: number, t: number): Scenario {
  const s = new Scenario(`${SCANNER}:40022`, '10.0.0.5:22').tcp('c', t, ['SYN'], 100).tcp('s', t + 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', t + 0.002, ['ACK'], 101, 501);
  for (let i = 0; i < segments; i++) s.tcp('c', t + 0.003 + i * 0.0001, ['PSH', 'ACK'], 101 + i * 10, 501, { payload: 10 });
  const end = 101 + segments * 10;
  return s
    .tcp('s', t + 0.02, ['ACK'], 501, end)
    .tcp('c', t + 0.021, ['FIN', 'ACK'], end, 501)
    .tcp('s', t + 0.022, ['FIN', 'ACK'], 501, end + 1)
    .tcp('c', t + 0.023, ['ACK'], end + 1, 502);
}

/** Windows retrying a SYN 3 s and 6 s later to each of `hosts` on one port (a peer-to-peer client). */
function retryingClient(hosts: number): WriterRecord[] {
  return mergeScenarios(
    ...range(0, hosts).map((h) => {
      const s = new Scenario(`10.0.0.9:${3000 + h}`, `192.0.2.${h + 1}:6346`);
      const t = h * 0.2;
      return s.tcp('c', t, ['SYN'], 10).tcp('c', t + 3, ['SYN'], 10).tcp('c', t + 9, ['SYN'], 10);
    }),
  );
}

runRuleTests(portScan, {
  valid: [
    { name: `one SYN to each of ${SCAN_PORTS - 1} ports: below the threshold`, packets: mergeScenarios(...synScan(range(1, SCAN_PORTS - 1))) },
    {
      name: 'a client that uses its connections to many ports of one server (FTP data connections)',
      packets: mergeScenarios(...range(0, SCAN_PORTS + 5).map((i) => usedConnection(`10.0.0.1:${41000 + i}`, `${TARGET}:${30000 + i}`, i * 0.01))),
    },
    { name: `a stack retrying its SYNs to ${SWEEP_HOSTS + 10} peers on one port is no sweep`, packets: retryingClient(SWEEP_HOSTS + 10) },
    {
      // Each connection counts as used when its request is sent, not when it ends: at the
      // threshold's SYN none of them has ended.
      name: `a client that keeps ${SCAN_PORTS + 5} connections to ports of one server open, with a request sent on each`,
      packets: mergeScenarios(...keptConnections(range(30000, SCAN_PORTS + 5))),
    },
  ],
  invalid: [
    {
      name: 'nmap -sS: 100 ports, 2 closed, 1 open, the rest filtered: one finding, no stream of its own',
      packets: mergeScenarios(...synScan(range(1, 100), new Set([23, 25]), new Set([22]))),
      findings: [
        {
          rule: 'port-scan',
          severity: 'warning',
          protocol: 'tcp',
          client: { address: SCANNER, port: -1 },
          server: { address: TARGET, port: -1 },
          codes: [],
          stream: 0,
          filter: `ip.src == ${SCANNER} && tcp.flags.syn == 1 && tcp.flags.ack == 0`,
          details: { kind: 'vertical', attempts: 100, ports: 100, portRanges: '1-100', hosts: 1, openPorts: [22], synAcks: 1, resets: 2, explainedConversations: 100 },
        },
      ],
    },
    {
      name: `masscan sweep: port 445 on ${SWEEP_HOSTS + 5} hosts`,
      packets: mergeScenarios(...range(1, SWEEP_HOSTS + 5).map((h) => new Scenario(`${SCANNER}:61000`, `10.1.0.${h}:445`).tcp('c', h * 0.001, ['SYN'], h))),
      // The hosts swept before the judgement are named, in the order they were probed.
      findings: [{ client: { address: SCANNER, port: -1 }, server: { address: '10.1.0.1', port: 445 }, details: { kind: 'horizontal', hosts: SWEEP_HOSTS + 5, ports: 1, targets: range(1, 16).map((h) => `10.1.0.${h}`) } }],
    },
    {
      // The banners are the target's data, not the scanner's: they do not make its connections used.
      name: 'a connect scan of 30 services that greet first: the scanner never sends data, the targets do',
      packets: mergeScenarios(...connectScanOfGreetingServices(range(2000, 30))),
      // Every port answered, those before the judgement (at the 20th) too.
      findings: [{ client: { address: SCANNER, port: -1 }, details: { kind: 'vertical', attempts: 30, ports: 30, synAcks: 30, openPorts: range(2000, 30), resets: 0, explainedConversations: 30 } }],
    },
    {
      // The first probe's answer counts though the source is followed only from then on.
      name: 'nmap -sS of 30 ports: open and closed ones before and after the judgement, the first probe answered',
      packets: mergeScenarios(...synScan(range(1, 30), new Set([2, 3, 19, 25]), new Set([1, 5, 12, 28]))),
      findings: [{ client: { address: SCANNER, port: -1 }, details: { kind: 'vertical', attempts: 30, ports: 30, synAcks: 4, openPorts: [1, 5, 12, 28], resets: 4, explainedConversations: 30 } }],
    },
    {
      // Ports 1 (the first probe), 38 and 23 answer before the judgement, 80, 70 and 113 after.
      name: 'nmap -sS of 200 ports in scrambled order, unanswered probes sent twice: answers counted once each',
      packets: mergeScenarios(...nmapSynScan(range(1, 200), new Set([38, 70, 113]), new Set([1, 23, 80]))),
      findings: [{ client: { address: SCANNER, port: -1 }, server: { address: TARGET, port: -1 }, details: { kind: 'vertical', attempts: 200 + 194, ports: 200, hosts: 1, synAcks: 3, openPorts: [1, 23, 80], resets: 3, explainedConversations: 394 } }],
    },
    {
      // Used connections are counted once each, not once per segment: 200 segments on one SSH
      // session do not hide 40 probes.
      name: 'a scanner with one busy connection of its own: one used connection against 40 probes',
      packets: mergeScenarios(busyConnection(200, 0), ...synScan(range(1, 40))),
      findings: [{ client: { address: SCANNER, port: -1 }, details: { kind: 'vertical', attempts: 41, explainedConversations: 40 } }],
    },
    {
      name: `an IPv6 sweep: port 22 on ${SWEEP_HOSTS + 2} hosts, named in IPv6 text`,
      packets: mergeScenarios(...range(1, SWEEP_HOSTS + 2).map((h) => new Scenario('[2001:db8::66]:61000', `[2001:db8:0:1::${h.toString(16)}]:22`).tcp('c', h * 0.001, ['SYN'], h))),
      findings: [{ client: { address: '2001:db8::66', port: -1 }, server: { address: '2001:db8:0:1::1', port: 22 }, filter: 'ipv6.src == 2001:db8::66 && tcp.flags.syn == 1 && tcp.flags.ack == 0', details: { kind: 'horizontal', hosts: SWEEP_HOSTS + 2 } }],
    },
    {
      name: 'a real client failure in the scanned capture keeps its own finding (only the scan is this rule\'s)',
      packets: mergeScenarios(...synScan(range(1, 40)), new Scenario('10.0.0.7:40000', `${TARGET}:8080`).tcp('c', 0, ['SYN'], 5).tcp('s', 0.001, ['RST', 'ACK'], 0, 6)),
      findings: [{ client: { address: SCANNER, port: -1 }, details: { explainedConversations: 40 } }],
    },
  ],
});

describe('port-scan among all the rules', () => {
  it('the probes get no finding of their own, and a real refusal next to the scan keeps its own', async () => {
    const refused = new Scenario('10.0.0.7:40000', `${TARGET}:8080`).tcp('c', 0.1, ['SYN'], 5).tcp('s', 0.1001, ['RST', 'ACK'], 0, 6);
    const report = await analyzeRecords(mergeScenarios(...synScan(range(1, 300), new Set([23, 25]), new Set([22, 80])), refused));
    expect(report.findings.map((f) => [f.rule, f.client.address])).toEqual([
      ['port-scan', SCANNER],
      ['connection-refused', '10.0.0.7'],
    ]);
    expect(report.summary.byRule).toEqual({ 'port-scan': 1, 'connection-refused': 1 });
  });
});

describe('port-scan with many sources', () => {
  it('a scanner forgotten to make room for newer sources is reported when it is forgotten', async () => {
    // 4,096 sources are followed at once: the 4,100 one-SYN sources after the scan push the
    // scanner out while a SYN is being accounted, and the scan is reported then.
    const others = Array.from({ length: 4100 }, (_, i) => new Scenario(`10.9.${i >> 8}.${i & 255}:40000`, '10.0.0.3:80').tcp('c', 1 + i * 0.0001, ['SYN'], i));
    const report = await analyzeRecords(mergeScenarios(...synScan(range(1, 30)), ...others), { rules: [portScan] });
    expect(report.findings.map((f) => [f.rule, f.client.address, f.details.attempts])).toEqual([['port-scan', SCANNER, 30]]);
  });
});
