#!/usr/bin/env node
// Client and server for scripts/gen-kernel-fixtures.sh.
//
// Plain Node ESM with no dependencies, so it runs without a build. The server side
// runs in the server network namespace; each client command runs in the client
// namespace, performs one exchange, and appends one JSON record (one line) saying
// what the kernel reported to it. `assemble` turns those records into
// fixtures/kernel/NAME.client.json.
//
// Usage:
//   peer.mjs server --ready FILE [--tcp-echo IP:PORT]... [--tcp-reset IP:PORT]...
//                   [--tcp-reset-after-fin IP:PORT]... [--tcp-close-then-reset IP:PORT]...
//                   [--tcp-listen IP:PORT]... [--dns IP:PORT]...
//   peer.mjs tcp-connect  --remote IP:PORT --local IP:PORT --out FILE [--timeout MS]
//   peer.mjs tcp-exchange --remote IP:PORT --local IP:PORT --out FILE [--send TEXT]
//                         [--close end|destroy]
//   peer.mjs tcp-write-after-close --remote IP:PORT --local IP:PORT --out FILE [--send TEXT]
//                         [--write-delay MS]
//   peer.mjs tcp-reset    --remote IP:PORT --local IP:PORT --out FILE [--send TEXT]
//   peer.mjs tcp-stall    --remote IP:PORT --local IP:PORT --out FILE
//                         --established-file FILE --go-file FILE
//   peer.mjs udp-send     --remote IP:PORT --local IP:PORT --out FILE
//   peer.mjs dns-query    --remote IP:PORT --local IP:PORT --out FILE --name NAME
//                         [--attempts N] [--attempt-timeout MS]
// Client commands also take --expect VALUE (errno, RCODE name or outcome): a mismatch is
// reported on stderr, never hidden. Every client has a time limit (--timeout MS).
//   peer.mjs assemble --scenario NAME --description TEXT --kernel REL
//                     --sysctls JSON [--counters JSON] --records FILE --out FILE

import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';

/** Every client gives up after this long, so the generator can never hang. */
const DEFAULT_CLIENT_TIMEOUT_MS = 60_000;

/** DNS names the server knows, and the response code it gives for each. */
const DNS_ZONE = new Map([
  ['ok.wirewhy.test', { rcode: 0, a: '10.99.0.2' }],
  ['nxdomain.wirewhy.test', { rcode: 3 }],
  ['servfail.wirewhy.test', { rcode: 2 }],
  // Answered, but only after 3 s: later than a stub resolver waits.
  ['slow.wirewhy.test', { rcode: 0, a: '10.99.0.2', delayMs: 3000 }],
]);

// Ref: RFC 1035 section 4.1.1 (RCODE), RFC 6895 section 2.3 (registry).
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const key = arg.slice(2);
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    i++;
    if (key in options) {
      options[key] = [].concat(options[key], value);
    } else {
      options[key] = value;
    }
  }
  return options;
}

function list(value) {
  return value === undefined ? [] : [].concat(value);
}

/** Splits "10.99.0.1:40001" or "fd00:99::1:40001" (last colon separates the port). */
function splitEndpoint(endpoint) {
  const at = endpoint.lastIndexOf(':');
  if (at < 0) throw new Error(`endpoint without port: ${endpoint}`);
  const host = endpoint.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(endpoint.slice(at + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port in ${endpoint}`);
  return { host, port };
}

function formatEndpoint(host, port) {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function now() {
  return new Date().toISOString();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForFile(path, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------- records

/** Builds the record a client appends: what it tried, and what the kernel said. */
function newRecord(what, protocol, options) {
  const remote = splitEndpoint(options.remote);
  const local = splitEndpoint(options.local);
  return {
    what,
    local: formatEndpoint(local.host, local.port),
    remote: formatEndpoint(remote.host, remote.port),
    protocol,
    outcome: null,
    errno: null,
    errnoNumber: null,
    syscall: null,
    message: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    timeline: [],
  };
}

/** Adds a timeline event; the first one (the first socket operation) is startedAt. */
function mark(record, event) {
  const at = now();
  record.startedAt ??= at;
  record.timeline.push({ at, event });
}

/** Records a system error; Node reports errno as a negative number, Linux numbers are positive. */
function recordError(record, err) {
  record.outcome = 'error';
  record.errno = typeof err.code === 'string' ? err.code : null;
  record.errnoNumber = typeof err.errno === 'number' ? Math.abs(err.errno) : null;
  record.syscall = err.syscall ?? null;
  record.message = err.message;
}

function finish(record, options) {
  record.endedAt = now();
  record.startedAt ??= record.endedAt;
  record.durationMs = Date.parse(record.endedAt) - Date.parse(record.startedAt);
  // Keep the timeline last so the summary fields read first.
  const { timeline, ...summary } = record;
  appendFileSync(options.out, JSON.stringify({ ...summary, timeline }) + '\n');
  // --expect only warns: the record keeps whatever the kernel really reported.
  const observed = record.rcodeName ?? record.errno ?? record.outcome;
  if (options.expect !== undefined && options.expect !== observed) {
    process.stderr.write(`UNEXPECTED: ${record.what} ${record.remote}: expected ${options.expect}, got ${observed}\n`);
  }
  if (record.outcome === 'harness-timeout' || record.outcome === 'harness-error') process.exitCode = 3;
  process.stdout.write(
    `${record.what} ${record.local} -> ${record.remote}: ${record.outcome}` +
      `${record.errno ? ` ${record.errno} (${record.errnoNumber})` : ''}` +
      `${record.rcodeName ? ` ${record.rcodeName}` : ''} after ${record.durationMs} ms\n`,
  );
}

function clientTimeout(options) {
  return Number(options.timeout ?? DEFAULT_CLIENT_TIMEOUT_MS);
}

/** Resolves when fn settles or the client's own time limit passes (outcome "harness-timeout"). */
function bounded(record, options, fn) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      record.outcome = 'harness-timeout';
      mark(record, 'harness-timeout');
      resolve();
    }, clientTimeout(options));
    fn(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A TCP client ends with the errno its socket reported, or "ok" when it closed without one. */
function settleOnEnd(socket, record, done) {
  socket.on('error', (err) => {
    mark(record, `error ${err.code}`);
    recordError(record, err);
    done();
  });
  socket.on('close', () => {
    if (record.outcome === null) record.outcome = 'ok';
    done();
  });
}

function tcpConnectOptions(options) {
  const remote = splitEndpoint(options.remote);
  const local = splitEndpoint(options.local);
  return { host: remote.host, port: remote.port, localAddress: local.host, localPort: local.port };
}

// ---------------------------------------------------------------- TCP clients

/** Connect only: success is "ok" (then a clean close), failure is the errno connect() gave. */
async function tcpConnect(options) {
  const record = newRecord('tcp-connect', 'tcp', options);
  await bounded(record, options, (done) => {
    mark(record, 'connect');
    const socket = net.connect(tcpConnectOptions(options));
    socket.on('connect', () => {
      mark(record, 'connected');
      record.outcome = 'ok';
      socket.end();
    });
    socket.on('error', (err) => {
      mark(record, `error ${err.code}`);
      recordError(record, err);
      done();
    });
    socket.on('close', () => done());
    socket.resume();
  });
  finish(record, options);
}

/** Connects, sends the request line once connected, and counts the bytes both ways. */
function connectWithRequest(record, options, socketOptions = {}) {
  const request = `${options.send ?? 'hello from wirewhy'}\n`;
  record.bytesSent = 0;
  record.bytesReceived = 0;
  mark(record, 'connect');
  const socket = net.connect({ ...tcpConnectOptions(options), ...socketOptions });
  socket.on('connect', () => {
    mark(record, 'connected');
    socket.write(request);
    record.bytesSent += Buffer.byteLength(request);
  });
  socket.on('data', (chunk) => {
    record.bytesReceived += chunk.length;
  });
  return socket;
}

/**
 * Connect, send a request, read the reply, close with FIN; the healthy case. `--close end`
 * (the default) shuts down the sending side and reads on until the server closes;
 * `--close destroy` closes the socket at once (close(2): FIN, as nothing is left unread).
 */
async function tcpExchange(options) {
  const record = newRecord('tcp-exchange', 'tcp', options);
  const close = options.close ?? 'end';
  if (close !== 'end' && close !== 'destroy') throw new Error(`--close must be end or destroy, not ${close}`);
  await bounded(record, options, (done) => {
    const socket = connectWithRequest(record, options);
    socket.on('data', (chunk) => {
      if (chunk.includes('\n')) {
        mark(record, `reply received, closing (${close})`);
        if (close === 'end') socket.end();
        else socket.destroy();
      }
    });
    socket.on('end', () => mark(record, 'peer closed (FIN)'));
    settleOnEnd(socket, record, done);
  });
  finish(record, options);
}

/**
 * Connect, send a request, read the reply and the server's FIN, keep the socket open
 * (allowHalfOpen), and write again `--write-delay` ms after the FIN: the kernel reports what
 * became of the connection meanwhile.
 */
async function tcpWriteAfterClose(options) {
  const record = newRecord('tcp-exchange', 'tcp', options);
  const delay = Number(options['write-delay'] ?? 300);
  await bounded(record, options, (done) => {
    const socket = connectWithRequest(record, options, { allowHalfOpen: true });
    socket.on('end', () => {
      mark(record, 'peer closed (FIN)');
      setTimeout(() => {
        if (socket.destroyed) return;
        mark(record, 'write after the peer closed');
        socket.write('one more line\n', (err) => {
          if (err) return;
          // The write was taken: close in order; the outcome stays "ok".
          socket.end();
        });
      }, delay).unref();
    });
    settleOnEnd(socket, record, done);
  });
  finish(record, options);
}

/** Connect, send data the server never reads, then wait for what the kernel reports. */
async function tcpReset(options) {
  const record = newRecord('tcp-midstream', 'tcp', options);
  const payload = `${options.send ?? 'data the server will never read'}\n`;
  record.bytesSent = 0;
  await bounded(record, options, (done) => {
    mark(record, 'connect');
    const socket = net.connect(tcpConnectOptions(options));
    let writes = 0;
    const writeAgain = () => {
      if (socket.destroyed) return;
      socket.write(payload, (err) => {
        if (!err) record.bytesSent += Buffer.byteLength(payload);
      });
      mark(record, `write ${++writes}`);
    };
    socket.on('connect', () => {
      mark(record, 'connected');
      writeAgain();
      // A second write after the server has closed shows which error comes next
      // if the read side has not reported one yet.
      setTimeout(writeAgain, 1000).unref();
    });
    socket.on('end', () => mark(record, 'peer closed (FIN)'));
    settleOnEnd(socket, record, done);
    socket.resume();
  });
  finish(record, options);
}

/**
 * Connect and exchange one request, then tell the generator (established file) so it can
 * start dropping packets, wait for its go file, write again and wait until the kernel
 * gives up retransmitting.
 */
async function tcpStall(options) {
  const record = newRecord('tcp-midstream', 'tcp', options);
  record.bytesSent = 0;
  record.bytesReceived = 0;
  await bounded(record, options, (done) => {
    mark(record, 'connect');
    const socket = net.connect(tcpConnectOptions(options));
    let stage = 'first';
    socket.on('connect', () => {
      mark(record, 'connected');
      socket.write('first request\n');
      record.bytesSent += 14;
    });
    socket.on('data', async (chunk) => {
      record.bytesReceived += chunk.length;
      if (stage !== 'first' || !chunk.includes('\n')) return;
      stage = 'stalled';
      mark(record, 'reply received');
      writeFileSync(options['established-file'], 'established\n');
      try {
        await waitForFile(options['go-file'], 10_000);
      } catch (err) {
        recordError(record, err);
        record.outcome = 'harness-error';
        socket.destroy();
        return;
      }
      record.dataSentAt = now();
      mark(record, 'write after path blocked');
      socket.write('second request, never acknowledged\n');
      record.bytesSent += 35;
    });
    settleOnEnd(socket, record, done);
  });
  finish(record, options);
}

// ---------------------------------------------------------------- UDP clients

/**
 * Connected UDP socket: send, and if no error has come back after a moment, send again.
 * Linux stores an ICMP port unreachable as a pending ECONNREFUSED on a connected socket;
 * the next recvmsg or send returns it.
 */
async function udpSend(options) {
  const remote = splitEndpoint(options.remote);
  const local = splitEndpoint(options.local);
  const record = newRecord('udp-send', 'udp', options);
  record.datagramsSent = 0;
  const socket = dgram.createSocket(remote.host.includes(':') ? 'udp6' : 'udp4');
  await bounded(record, options, (done) => {
    let finished = false;
    const fail = (err) => {
      if (finished) return;
      finished = true;
      mark(record, `error ${err.code} (${err.syscall})`);
      recordError(record, err);
      done();
    };
    socket.on('error', fail);
    socket.on('message', () => {
      mark(record, 'reply received');
      if (record.outcome === null) record.outcome = 'ok';
    });
    const send = (n) => {
      if (finished) return;
      mark(record, `send ${n}`);
      socket.send(`datagram ${n}\n`, (err) => {
        if (err) fail(err);
        else record.datagramsSent++;
      });
    };
    socket.bind(local.port, local.host, () => {
      socket.connect(remote.port, remote.host, () => {
        mark(record, 'connected');
        send(1);
        setTimeout(() => send(2), 500);
        setTimeout(() => {
          if (finished) return;
          finished = true;
          if (record.outcome === null) record.outcome = 'no-answer';
          done();
        }, 2000);
      });
    });
  });
  socket.close();
  finish(record, options);
}

// ---------------------------------------------------------------- DNS

// Ref: RFC 1035 section 4.1 (message format).
function encodeName(name) {
  const parts = name.split('.').filter(Boolean);
  const bytes = [];
  for (const label of parts) {
    const encoded = Buffer.from(label, 'ascii');
    if (encoded.length > 63) throw new Error(`label too long: ${label}`);
    bytes.push(encoded.length, ...encoded);
  }
  bytes.push(0);
  return Buffer.from(bytes);
}

function buildQuery(id, name) {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0); // ID
  header.writeUInt16BE(0x0100, 2); // flags: QR=0 OPCODE=0 RD=1
  header.writeUInt16BE(1, 4); // QDCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(1, 0); // QTYPE A
  question.writeUInt16BE(1, 2); // QCLASS IN
  return Buffer.concat([header, encodeName(name), question]);
}

/** Reads the question name, bounded by the message length; returns null if malformed. */
function readQuestion(message) {
  if (message.length < 12) return null;
  const labels = [];
  let at = 12;
  while (at < message.length) {
    const length = message[at];
    if (length === 0) {
      at++;
      break;
    }
    if (length > 63 || at + 1 + length > message.length) return null;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  if (at + 4 > message.length) return null;
  return { name: labels.join('.').toLowerCase(), end: at + 4, qtype: message.readUInt16BE(at) };
}

function buildResponse(query) {
  const question = readQuestion(query);
  if (question === null) return null;
  const entry = DNS_ZONE.get(question.name) ?? { rcode: 3 };
  const answerA = entry.rcode === 0 && question.qtype === 1 && entry.a;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // ID copied from the query
  // QR=1, OPCODE=0, AA=1, RD copied, RA=1, RCODE.
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | entry.rcode, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(answerA ? 1 : 0, 6); // ANCOUNT
  const parts = [header, query.subarray(12, question.end)];
  if (answerA) {
    const answer = Buffer.alloc(16);
    answer.writeUInt16BE(0xc00c, 0); // NAME: pointer to the question name
    answer.writeUInt16BE(1, 2); // TYPE A
    answer.writeUInt16BE(1, 4); // CLASS IN
    answer.writeUInt32BE(60, 6); // TTL
    answer.writeUInt16BE(4, 10); // RDLENGTH
    Buffer.from(entry.a.split('.').map(Number)).copy(answer, 12);
    parts.push(answer);
  }
  return Buffer.concat(parts);
}

/** Sends a raw DNS query (no resolver) on a connected UDP socket and records the RCODE. */
async function dnsQuery(options) {
  const remote = splitEndpoint(options.remote);
  const local = splitEndpoint(options.local);
  const record = newRecord('dns-query', 'udp', options);
  record.qname = options.name;
  record.qtype = 'A';
  record.rcode = null;
  record.rcodeName = null;
  record.answers = [];
  const attempts = Number(options.attempts ?? 2);
  const attemptTimeoutMs = Number(options['attempt-timeout'] ?? 2000);
  record.attempts = 0;
  record.attemptTimeoutMs = attemptTimeoutMs;
  const id = Number(options.id ?? 0x5757);
  const query = buildQuery(id, options.name);
  const socket = dgram.createSocket(remote.host.includes(':') ? 'udp6' : 'udp4');
  await bounded(record, options, (done) => {
    let finished = false;
    let timer;
    const end = () => {
      finished = true;
      clearTimeout(timer);
      done();
    };
    socket.on('error', (err) => {
      if (finished) return;
      mark(record, `error ${err.code} (${err.syscall})`);
      recordError(record, err);
      end();
    });
    socket.on('message', (message) => {
      if (finished || message.length < 12 || message.readUInt16BE(0) !== id) return;
      const flags = message.readUInt16BE(2);
      record.rcode = flags & 0x000f;
      record.rcodeName = RCODE_NAMES[record.rcode] ?? `RCODE${record.rcode}`;
      // The exchange worked at the socket level; a non-zero RCODE is the server's error.
      record.outcome = record.rcode === 0 ? 'ok' : 'error';
      const ancount = message.readUInt16BE(6);
      const question = readQuestion(message);
      // Answers here are only ever the server's own fixed-layout A records.
      let at = question ? question.end : message.length;
      for (let i = 0; i < ancount && at + 16 <= message.length; i++) {
        if (message.readUInt16BE(at + 2) === 1 && message.readUInt16BE(at + 10) === 4) {
          record.answers.push({ type: 'A', ttl: message.readUInt32BE(at + 6), address: [...message.subarray(at + 12, at + 16)].join('.') });
        }
        at += 12 + message.readUInt16BE(at + 10);
      }
      mark(record, `response ${record.rcodeName}`);
      end();
    });
    const attempt = () => {
      if (finished) return;
      if (record.attempts >= attempts) {
        record.outcome = 'no-answer';
        mark(record, 'gave up: no answer');
        end();
        return;
      }
      record.attempts++;
      mark(record, `query ${record.attempts}`);
      socket.send(query, (err) => {
        if (err && !finished) {
          recordError(record, err);
          end();
        }
      });
      timer = setTimeout(attempt, attemptTimeoutMs);
    };
    socket.bind(local.port, local.host, () => {
      socket.connect(remote.port, remote.host, attempt);
    });
  });
  socket.close();
  finish(record, options);
}

// ---------------------------------------------------------------- server

async function server(options) {
  const closers = [];
  const listenTcp = (endpoint, serverOptions, onConnection) =>
    new Promise((resolve, reject) => {
      const { host, port } = splitEndpoint(endpoint);
      const tcpServer = net.createServer(serverOptions, onConnection);
      tcpServer.on('error', reject);
      tcpServer.listen({ host, port, ipv6Only: host.includes(':') }, resolve);
      closers.push(() => tcpServer.close());
    });

  // Echo: answers each line, and closes (FIN) when the client closes.
  for (const endpoint of list(options['tcp-echo'])) {
    await listenTcp(endpoint, {}, (socket) => {
      socket.on('data', (chunk) => socket.write(`echo: ${chunk}`));
      socket.on('end', () => socket.end());
      socket.on('error', () => socket.destroy());
    });
  }
  // Reset: never reads (pauseOnConnect), then closes with data unread in its receive
  // buffer, which makes Linux send RST instead of FIN (RFC 2525 section 2.17).
  for (const endpoint of list(options['tcp-reset'])) {
    await listenTcp(endpoint, { pauseOnConnect: true }, (socket) => {
      socket.on('error', () => {});
      setTimeout(() => socket.destroy(), 300);
    });
  }
  // Reset after the client's FIN: answers each line, and when the client's FIN arrives (its
  // kernel has acknowledged it by then) closes with SO_LINGER 0 (resetAndDestroy), so its
  // kernel sends RST instead of FIN, as Windows servers often answer a FIN. allowHalfOpen
  // keeps Node from sending a FIN of its own first.
  for (const endpoint of list(options['tcp-reset-after-fin'])) {
    await listenTcp(endpoint, { allowHalfOpen: true }, (socket) => {
      socket.on('data', (chunk) => socket.write(`echo: ${chunk}`));
      socket.on('end', () => socket.resetAndDestroy());
      socket.on('error', () => socket.destroy());
    });
  }
  // Close, then reset: answers the first line and closes (FIN); 100 ms later, with the
  // client's ACK of that FIN in, closes again with SO_LINGER 0, so its kernel resets the
  // connection from FIN-WAIT-2.
  for (const endpoint of list(options['tcp-close-then-reset'])) {
    await listenTcp(endpoint, {}, (socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk) => {
        socket.end(`echo: ${chunk}`);
        setTimeout(() => socket.resetAndDestroy(), 100);
      });
    });
  }
  // Listen only: a live listener behind a firewall rule; never touched by the client.
  for (const endpoint of list(options['tcp-listen'])) {
    await listenTcp(endpoint, {}, (socket) => {
      socket.on('error', () => {});
      socket.resume();
    });
  }
  for (const endpoint of list(options.dns)) {
    const { host, port } = splitEndpoint(endpoint);
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (message, rinfo) => {
      const response = buildResponse(message);
      if (!response) return;
      const delayMs = DNS_ZONE.get(readQuestion(message)?.name)?.delayMs ?? 0;
      if (delayMs === 0) socket.send(response, rinfo.port, rinfo.address);
      else setTimeout(() => socket.send(response, rinfo.port, rinfo.address), delayMs);
    });
    await new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, resolve);
    });
    closers.push(() => socket.close());
  }

  const stop = () => {
    for (const close of closers) close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  writeFileSync(options.ready, 'ready\n');
  // Bounded even if the generator dies without stopping us.
  setTimeout(stop, Number(options.lifetime ?? 300_000));
}

// ---------------------------------------------------------------- assemble

function assemble(options) {
  const clients = readFileSync(options.records, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  const document = {
    scenario: options.scenario,
    description: options.description,
    kernel: options.kernel,
    sysctls: JSON.parse(options.sysctls),
    counters: JSON.parse(options.counters ?? '{}'),
    clients,
  };
  writeFileSync(options.out, JSON.stringify(document, null, 2) + '\n');
}

// ---------------------------------------------------------------- main

const COMMANDS = {
  server,
  'tcp-connect': tcpConnect,
  'tcp-exchange': tcpExchange,
  'tcp-reset': tcpReset,
  'tcp-write-after-close': tcpWriteAfterClose,
  'tcp-stall': tcpStall,
  'udp-send': udpSend,
  'dns-query': dnsQuery,
  assemble,
};

const [command, ...rest] = process.argv.slice(2);
const run = COMMANDS[command];
if (!run) {
  process.stderr.write(`usage: peer.mjs <${Object.keys(COMMANDS).join('|')}> [--option value]...\n`);
  process.exit(2);
}
try {
  await run(parseArgs(rest));
  // Clients are done once their record is written; do not wait for lingering handles.
  if (command !== 'server') process.exit(process.exitCode ?? 0);
} catch (err) {
  process.stderr.write(`peer.mjs ${command}: ${err.stack ?? err}\n`);
  process.exit(1);
}
