#!/usr/bin/env node
// Client and server for scripts/gen-kernel-fixtures-app.sh (plain Node ESM, no build needed).
//
//   app-peer.mjs request     --local IP:PORT --remote IP:PORT --send TEXT --timeout MS --out FILE
//   app-peer.mjs tls-hello   --local IP:PORT --remote IP:PORT --servername NAME --timeout MS --out FILE
//   app-peer.mjs tls-client  --local IP:PORT --remote IP:PORT --servername NAME --verify yes|no
//                            [--min-version V] [--max-version V] [--ciphers LIST] --out FILE
//   app-peer.mjs printed     --what NAME --local IP:PORT --remote IP:PORT --exit N --printed-file F [--app-error CODE] --out FILE
//   app-peer.mjs unread-reset --listen IP:PORT --ready FILE [--hold MS]
//   app-peer.mjs assemble    --scenario NAME --description TEXT --kernel REL --sysctls JSON --records FILE --out FILE
//
// Client commands append one JSON line saying what the application saw (data, end, the errno
// of a failure, or its own timeout). `unread-reset` accepts connections, never reads, and
// closes each after --hold ms, so the kernel resets it (unread data in the receive buffer).

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  return o;
}

function endpoint(s) {
  const at = s.lastIndexOf(':');
  return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
}

function record(o, what, fields) {
  appendFileSync(o.out, JSON.stringify({ what, local: o.local, remote: o.remote, protocol: 'tcp', errnoNumber: null, ...fields }) + '\n');
  process.stdout.write(`${what} ${o.local} -> ${o.remote}: ${fields.outcome}${fields.errno ? ` ${fields.errno}` : ''}\n`);
}

/** Runs one client socket to its end and records what the application saw. */
function runClient(o, what, socket, onConnect) {
  const started = Date.now();
  const timeline = [];
  const mark = (event) => timeline.push({ atMs: Date.now() - started, event });
  let received = 0;
  let done = false;
  const finish = (fields) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
    record(o, what, { ...fields, bytesReceived: received, durationMs: Date.now() - started, timeline });
  };
  const timer = setTimeout(() => finish({ outcome: 'application-timeout', errno: null, note: `no answer within ${o.timeout} ms; the socket reported no error` }), Number(o.timeout ?? 15000));
  socket.on('connect', () => {
    mark('connected');
    onConnect?.();
  });
  socket.on('secureConnect', () => mark('tls-established'));
  socket.on('data', (d) => {
    received += d.length;
    mark(`data ${d.length}`);
  });
  socket.on('end', () => {
    mark('end');
    finish({ outcome: 'closed-by-peer', errno: null });
  });
  socket.on('error', (err) => {
    mark(`error ${err.code}`);
    finish({ outcome: 'error', errno: err.code ?? null, errnoNumber: typeof err.errno === 'number' ? Math.abs(err.errno) : null, syscall: err.syscall ?? null, message: err.message });
  });
}

const [command, ...rest] = process.argv.slice(2);
const o = parseArgs(rest);

if (command === 'request') {
  const r = endpoint(o.remote);
  const l = endpoint(o.local);
  const socket = net.connect({ host: r.host, port: r.port, localAddress: l.host, localPort: l.port });
  runClient(o, 'request', socket, () => socket.write(o.send.replace(/\\r\\n/g, '\r\n')));
} else if (command === 'tls-hello') {
  const r = endpoint(o.remote);
  const l = endpoint(o.local);
  const socket = tls.connect({ host: r.host, port: r.port, localAddress: l.host, localPort: l.port, servername: o.servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  runClient(o, 'tls-hello', socket);
} else if (command === 'tls-client') {
  // node:tls with the scenario's limits; records the error code and message Node.js gave.
  const r = endpoint(o.remote);
  const l = endpoint(o.local);
  const opts = { host: r.host, port: r.port, localAddress: l.host, localPort: l.port, servername: o.servername, rejectUnauthorized: o.verify === 'yes' };
  if (o['min-version']) opts.minVersion = o['min-version'];
  if (o['max-version']) opts.maxVersion = o['max-version'];
  if (o.ciphers) opts.ciphers = o.ciphers;
  const socket = tls.connect(opts);
  let done = false;
  const finish = (fields) => {
    if (done) return;
    done = true;
    socket.destroy();
    const reason = /error:0A([0-9A-F]{6}):/.exec(fields.message ?? '');
    record(o, 'node-tls', { ...fields, errnoNumber: null, tlsClient: true, ...(reason ? { opensslReason: parseInt(reason[1], 16) } : {}) });
  };
  socket.on('secureConnect', () => setTimeout(() => finish({ outcome: 'ok', errno: null }), 200));
  socket.on('error', (err) => finish({ outcome: 'error', errno: null, code: err.code ?? null, message: err.message }));
  socket.on('close', () => finish({ outcome: 'closed-by-peer', errno: null }));
  setTimeout(() => finish({ outcome: 'application-timeout', errno: null }), Number(o.timeout ?? 10000)).unref();
} else if (command === 'unread-reset') {
  const l = endpoint(o.listen);
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    // Never read: the client's bytes stay in the receive buffer, so close() sends RST.
    setTimeout(() => socket.destroy(), Number(o.hold ?? 300));
  });
  server.listen(l.port, l.host, () => writeFileSync(o.ready, 'ready\n'));
  setTimeout(() => process.exit(0), 300000).unref();
} else if (command === 'printed') {
  // A command-line client (openssl, curl, python, java) ran to its end: keep what it printed, and
  // the parts the tests compare: OpenSSL's reason code ("error:0A00042E:" → 1070) and, for Java,
  // the alert it named ("Received fatal alert: protocol_version").
  const printed = readFileSync(o['printed-file'], 'utf8').trim();
  const exit = Number(o.exit);
  const reason = /error:0A([0-9A-F]{6}):/.exec(printed);
  const alert = /Received fatal alert: ([a-z_]+)/.exec(printed);
  const reasonName = /\[SSL: ([A-Z0-9_]+)\]/.exec(printed);
  record(o, o.what, {
    outcome: exit === 0 ? 'ok' : 'error',
    errno: null,
    ...(o['app-error'] ? {} : { tlsClient: true }),
    exitStatus: exit,
    printed: printed.split('\n').filter((l) => /error|alert|exception|fail|ssl|tls|ok$/i.test(l)).slice(0, 6),
    ...(reason ? { opensslReason: parseInt(reason[1], 16) } : {}),
    ...(alert ? { alertReceived: alert[1] } : {}),
    ...(reasonName ? { opensslReasonName: reasonName[1] } : {}),
    ...(o['app-error'] ? { appError: o['app-error'] } : {}),
  });
} else if (command === 'assemble') {
  const clients = readFileSync(o.records, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const out = { scenario: o.scenario, description: o.description, kernel: o.kernel, sysctls: JSON.parse(o.sysctls), clients };
  writeFileSync(o.out, JSON.stringify(out, null, 2) + '\n');
} else {
  process.stderr.write(`unknown command ${command}\n`);
  process.exit(2);
}
