/**
 * How soon live output follows what the client's application saw. Two network namespaces joined
 * by a veth pair: the client's, where tcpdump captures and the connections are made, and a
 * router/server one that refuses (nothing listens), answers UDP with ICMP port unreachable,
 * rejects one network with ICMP administratively prohibited (`ip route add prohibit`) and drops
 * another silently (`ip route add blackhole`). The client records when each call failed and with
 * which errno; the test records when each wirewhy line arrived, and prints the latencies (README
 * states them). It asserts what could go wrong: each failure is printed while the capture still
 * runs, under the errno the client got, and a timeout only after the client gave up.
 *
 * The timeout waits for Linux's own give-up with default settings (131 s), so this file takes
 * over two minutes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun, findTool } from '../helpers/tools.js';
import { BIN } from '../scan/cli-run.js';

const tcpdump = findTool('tcpdump');
const ipTool = findTool('ip');
const root = process.getuid?.() === 0;
const canRunHere = canRun('network namespaces and tcpdump (needs root, ip, tcpdump)', root && tcpdump !== null && ipTool !== null, 'install iproute2 and tcpdump and run as root');

const id = `${process.pid % 100000}`;
const CLI_NS = `wwlat-c-${id}`;
const SRV_NS = `wwlat-s-${id}`;
const CLI_IF = `wwlc${id}`;
const SRV_IF = `wwls${id}`;
const SERVER = '10.210.0.2';
const PROHIBITED = '10.211.0.5';
const SILENT = '10.212.0.5';
const CLOSED_TCP = 4321;
const CLOSED_UDP = 4322;

function ip(...args: string[]): void {
  execFileSync(ipTool!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
function inNs(ns: string, ...args: string[]): void {
  execFileSync(ipTool!, ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function setUp(): void {
  ip('netns', 'add', CLI_NS);
  ip('netns', 'add', SRV_NS);
  ip('link', 'add', CLI_IF, 'netns', CLI_NS, 'type', 'veth', 'peer', 'name', SRV_IF, 'netns', SRV_NS);
  inNs(CLI_NS, 'ip', 'link', 'set', 'lo', 'up');
  inNs(SRV_NS, 'ip', 'link', 'set', 'lo', 'up');
  inNs(CLI_NS, 'ip', 'addr', 'add', '10.210.0.1/24', 'dev', CLI_IF);
  inNs(SRV_NS, 'ip', 'addr', 'add', `${SERVER}/24`, 'dev', SRV_IF);
  inNs(CLI_NS, 'ip', 'link', 'set', CLI_IF, 'up');
  inNs(SRV_NS, 'ip', 'link', 'set', SRV_IF, 'up');
  inNs(CLI_NS, 'ip', 'route', 'add', '10.211.0.0/24', 'via', SERVER);
  inNs(CLI_NS, 'ip', 'route', 'add', '10.212.0.0/24', 'via', SERVER);
  inNs(SRV_NS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  inNs(SRV_NS, 'ip', 'route', 'add', 'prohibit', '10.211.0.0/24');
  inNs(SRV_NS, 'ip', 'route', 'add', 'blackhole', '10.212.0.0/24');
}

function tearDown(): void {
  for (const ns of [CLI_NS, SRV_NS]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // Not created.
    }
  }
}

/** The client: four failures at once, each printed as a JSON line with the time it was seen. */
const CLIENT = `
const net = require('node:net');
const dgram = require('node:dgram');
const seen = (what, e) => console.log(JSON.stringify({ what, code: e && e.code, t: Date.now() }));
const tcp = (what, host, port) => {
  const s = net.connect({ host, port });
  s.on('connect', () => { seen(what, { code: 'connected' }); s.destroy(); });
  s.on('error', (e) => seen(what, e));
};
tcp('refused', '${SERVER}', ${CLOSED_TCP});
tcp('prohibited', '${PROHIBITED}', 80);
tcp('timeout', '${SILENT}', 80);
const u = dgram.createSocket('udp4');
u.on('error', (e) => { seen('udp', e); u.close(); });
u.connect(${CLOSED_UDP}, '${SERVER}', () => u.send('hello'));
`;

interface Seen {
  what: string;
  code: string;
  t: number;
}

let capture: ChildProcess | null = null;
let wirewhy: ChildProcess | null = null;
const lines: Array<{ text: string; t: number }> = [];
let captureRunning = false;

function waitFor<T>(get: () => T | undefined, ms: number, what: string): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const v = get();
      if (v !== undefined) {
        clearInterval(timer);
        resolve(v);
      } else if (Date.now() - start > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}; wirewhy printed:\n${lines.map((l) => l.text).join('\n')}`));
      }
    }, 25);
  });
}

describe.skipIf(!canRunHere)('live latency in network namespaces', () => {
  beforeAll(() => {
    tearDown();
    setUp();
  });
  afterAll(() => {
    capture?.kill('SIGKILL');
    wirewhy?.kill('SIGKILL');
    tearDown();
  });

  it('prints refusals and ICMP errors at once, a pending line while SYNs are retried, and the timeout once the stack gave up', async () => {
    capture = spawn(ipTool!, ['netns', 'exec', CLI_NS, tcpdump!, '-i', CLI_IF, '-n', '-U', '--immediate-mode', '-w', '-', 'tcp or udp or icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    wirewhy = spawn(process.execPath, [BIN, 'analyze', '-'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' } });
    capture.stdout!.pipe(wirewhy.stdin!);
    captureRunning = true;
    capture.on('exit', () => (captureRunning = false));
    let toolErr = '';
    capture.stderr!.on('data', (d: Buffer) => (toolErr += d.toString()));
    let pending = '';
    wirewhy.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        lines.push({ text: pending.slice(0, nl), t: Date.now() });
        pending = pending.slice(nl + 1);
      }
    });
    await waitFor(() => (/listening on/i.test(toolErr) ? true : undefined), 10_000, 'tcpdump to start');
    await new Promise((r) => setTimeout(r, 300));

    const client = spawn(ipTool!, ['netns', 'exec', CLI_NS, process.execPath, '-e', CLIENT], { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen: Seen[] = [];
    client.stdout!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.trim() !== '') seen.push(JSON.parse(l) as Seen);
    });
    const clientSaw = (what: string) => waitFor(() => seen.find((s) => s.what === what), 200_000, `the client's ${what} error`);
    const printed = (re: RegExp, what: string) => waitFor(() => lines.find((l) => re.test(l.text)), 200_000, `wirewhy's ${what} line`);

    const refused = await clientSaw('refused');
    const refusedLine = await printed(new RegExp(`^connection-refused .*${SERVER}:${CLOSED_TCP} `), 'refusal');
    const udp = await clientSaw('udp');
    const udpLine = await printed(new RegExp(`^udp-port-unreachable .*${SERVER}:${CLOSED_UDP} `), 'UDP port unreachable');
    const prohibited = await clientSaw('prohibited');
    const prohibitedLine = await printed(new RegExp(`^destination-unreachable .*${PROHIBITED}:80 `), 'ICMP prohibited');
    const pendingLine = await printed(new RegExp(`^pending .*${SILENT}:80 .*SYNs over .* unanswered; Linux gives up (127 to )?131 s after the first SYN`), 'pending');
    const timeout = await clientSaw('timeout');
    const timeoutLine = await printed(new RegExp(`^connect-timeout .*${SILENT}:80 .*Linux 110 ETIMEDOUT`), 'connect timeout');

    // Each was printed while the capture still ran: decided live, not by the end of the input.
    expect(captureRunning).toBe(true);
    // What the client got is what the lines name.
    expect(refused.code).toBe('ECONNREFUSED');
    expect(udp.code).toBe('ECONNREFUSED');
    expect(prohibited.code).toBe('EHOSTUNREACH');
    expect(timeout.code).toBe('ETIMEDOUT');
    expect(prohibitedLine.text).toContain('Linux 113 EHOSTUNREACH');
    // A timeout is printed only once the client's stack has given up, never before.
    expect(timeoutLine.t).toBeGreaterThanOrEqual(timeout.t);
    // The pending line came while the client was still waiting.
    expect(pendingLine.t).toBeLessThan(timeout.t);

    const ms = (line: { t: number }, s: Seen) => `${line.t - s.t} ms`;
    console.log(
      [
        'live latency (line printed - error seen by the client):',
        `  refused (RST)                  ${ms(refusedLine, refused)}`,
        `  UDP port unreachable (ICMP)    ${ms(udpLine, udp)}`,
        `  SYN administratively prohibited ${ms(prohibitedLine, prohibited)}`,
        `  connect timeout                ${ms(timeoutLine, timeout)}`,
        `  pending line printed           ${timeout.t - pendingLine.t} ms before the client's timeout`,
      ].join('\n'),
    );

    capture.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => wirewhy!.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    // The live lines were not the whole output: the report follows them.
    expect(lines.some((l) => l.text.startsWith('Wireshark filter:') || l.text.includes('Wireshark filter:'))).toBe(true);
  }, 240_000);
});
