/**
 * `wirewhy explain` reads the errors real runtimes print: Node.js, Python and curl fail against
 * this machine's own loopback (a closed port, a port already taken, an address it does not have),
 * and what they print, pasted as it is, must lead to the right failure. This checks the
 * catalogue's texts against the runtimes themselves, not only against their sources.
 */
import { spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupError } from '../../src/rules/error-lookup.js';
import { rulesOf, type Failure } from '../../src/rules/known-errors.js';
import { canRun, findTool } from '../helpers/tools.js';
import { runInProcess } from '../scan/cli-run.js';

const python = findTool('python3');
const curl = findTool('curl');

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The last line of what a command printed on stderr (Python's traceback ends with the error). */
function lastErrorLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  const lines = `${r.stderr}`.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function firstFailure(pasted: string): Failure | undefined {
  return lookupError(pasted).meanings[0]?.failure;
}

let refusedPort: number;
let listening: Server;
let takenPort: number;

beforeAll(async () => {
  refusedPort = await closedPort();
  listening = createServer();
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  takenPort = (listening.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => listening.close(() => resolve()));
});

describe('what Node.js prints', () => {
  it('a refused connect: "connect ECONNREFUSED 127.0.0.1:<port>"', async () => {
    const message = await new Promise<string>((resolve) => {
      connect(refusedPort, '127.0.0.1').on('error', (e) => resolve(String(e)));
    });
    expect(message).toContain('ECONNREFUSED');
    expect(firstFailure(message)).toBe('refused');
    const cli = await runInProcess(['explain', message]);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain('connection-refused');
  });

  it('a port already taken: "listen EADDRINUSE: address already in use"', async () => {
    const message = await new Promise<string>((resolve) => {
      const second = createServer();
      second.on('error', (e) => resolve(String(e)));
      second.listen(takenPort, '127.0.0.1', () => second.close(() => resolve('no error')));
    });
    expect(message).toContain('EADDRINUSE');
    expect(firstFailure(message)).toBe('addr-in-use');
  });
});

describe('what Python prints', () => {
  const run = canRun('python3', python !== null, 'apt-get install -y python3');

  it.runIf(run)('a refused connect: "ConnectionRefusedError: [Errno 111] Connection refused"', () => {
    const line = lastErrorLine(python!, ['-c', `import socket; socket.create_connection(('127.0.0.1', ${refusedPort}))`]);
    expect(line).toContain('ConnectionRefusedError');
    expect(firstFailure(line)).toBe('refused');
  });

  it.runIf(run)('a port already taken: "OSError: [Errno 98] Address already in use"', () => {
    const line = lastErrorLine(python!, ['-c', `import socket; s = socket.socket(); s.bind(('127.0.0.1', ${takenPort}))`]);
    expect(line).toMatch(/Address already in use/);
    expect(firstFailure(line)).toBe('addr-in-use');
  });

  it.runIf(run)('an address this host does not have: "OSError: [Errno 99] Cannot assign requested address"', () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address; bind() fails without sending anything.
    const line = lastErrorLine(python!, ['-c', "import socket; s = socket.socket(); s.bind(('192.0.2.1', 0))"]);
    expect(line).toMatch(/assign requested address/);
    expect(firstFailure(line)).toBe('addr-not-available');
  });
});

describe('what curl prints', () => {
  const run = canRun('curl', curl !== null, 'apt-get install -y curl');

  it.runIf(run)('a refused connect: "curl: (7) Failed to connect to 127.0.0.1 port <port> ..."', () => {
    const r = spawnSync(curl!, ['-sS', '--noproxy', '*', `http://127.0.0.1:${refusedPort}/`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(7);
    const line = r.stderr.trim();
    const best = lookupError(line).meanings[0];
    // Older curl ends with its own "Couldn't connect to server", newer with the OS's "Connection refused".
    expect(['refused', 'connect-failed']).toContain(best?.failure);
    expect(rulesOf(best!.matches[0]!.entry)).toContain('connection-refused');
  });
});
