/**
 * Expectation files for `wirewhy check`: NAME.expect.json beside NAME.pcap holds what the
 * analysis of the capture must find. Small, stable and diff-friendly: one line per finding,
 * only what identifies a failure (rule, protocol, endpoints, stream, error codes), sorted, with
 * no timestamps, frame lists or sentences that would change with wording.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { ChangedFinding, ExpectationDiff, ExpectedFinding } from '../model/check.js';
import type { Finding, OsName } from '../rules/types.js';
import { endpointLabel } from '../model/words.js';
import { FINDING_PROTOCOLS } from '../model/finding.js';

export type { ChangedFinding, ExpectationDiff, ExpectedFinding } from '../model/check.js';

/** The `schema` value of an expectation file. */
export const EXPECT_SCHEMA = 'wirewhy-expect';
/** The version of the expectation file format. */
export const EXPECT_VERSION = 1;


/** The content of an expectation file. */
export interface ExpectationFile {
  schema: typeof EXPECT_SCHEMA;
  version: typeof EXPECT_VERSION;
  findings: ExpectedFinding[];
}

/** Compression suffixes stripped before the capture extension. */
const COMPRESSION_EXTENSIONS = ['.gz'];

/** The expectation file beside a capture: refused.pcap → refused.expect.json, x.pcapng.gz → x.expect.json. */
export function expectationPath(capture: string): string {
  let name = basename(capture);
  for (const ext of COMPRESSION_EXTENSIONS) if (name.toLowerCase().endsWith(ext) && name.length > ext.length) name = name.slice(0, -ext.length);
  const ext = extname(name);
  if (ext && ext.length < name.length) name = name.slice(0, -ext.length);
  return join(dirname(capture), `${name}.expect.json`);
}

/** True for a file name that is an expectation file (the walk of `check` ignores them). */
export function isExpectationFile(path: string): boolean {
  return path.endsWith('.expect.json');
}

const OS_KEYS: readonly OsName[] = ['windows', 'linux', 'macos'];

/** The expectation of one finding. */
export function expectFinding(f: Finding): ExpectedFinding {
  const codes: Partial<Record<OsName, number | number[]>> = {};
  for (const os of OS_KEYS) {
    const list = f.codes.filter((c) => c.os === os).map((c) => c.code);
    if (list.length === 1) codes[os] = list[0]!;
    else if (list.length > 1) codes[os] = list;
  }
  return {
    rule: f.rule,
    protocol: f.protocol,
    client: { address: f.client.address, port: f.client.port },
    server: { address: f.server.address, port: f.server.port },
    stream: f.stream,
    codes,
  };
}

/** One line of JSON with a space after ":" and "," and keys in a fixed order, for readable diffs. */
export function inlineJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inlineJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{ ${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${inlineJson(x)}`).join(', ')} }`;
  }
  return JSON.stringify(v);
}

/** The canonical form of one expected finding (key order fixed), used for sorting and matching. */
export function canonical(e: ExpectedFinding): string {
  const codes: Record<string, number | number[]> = {};
  for (const os of OS_KEYS) if (e.codes[os] !== undefined) codes[os] = e.codes[os]!;
  return inlineJson({
    rule: e.rule,
    protocol: e.protocol,
    client: { address: e.client.address, port: e.client.port },
    server: { address: e.server.address, port: e.server.port },
    stream: e.stream,
    codes,
  });
}

/** Deterministic order: protocol, stream, rule, then the whole line. */
export function compareExpected(a: ExpectedFinding, b: ExpectedFinding): number {
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  if (a.stream !== b.stream) return a.stream - b.stream;
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
  const x = canonical(a);
  const y = canonical(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The expectation for a capture's findings. */
export function expectationOf(findings: readonly Finding[]): ExpectationFile {
  return { schema: EXPECT_SCHEMA, version: EXPECT_VERSION, findings: findings.map(expectFinding).sort(compareExpected) };
}

/** The file text: pretty at the top, one finding per line, trailing newline. */
export function serializeExpectation(e: ExpectationFile): string {
  const lines = e.findings.map((f, i) => `    ${canonical(f)}${i < e.findings.length - 1 ? ',' : ''}`);
  const findings = lines.length === 0 ? '[]' : `[\n${lines.join('\n')}\n  ]`;
  return `{\n  "schema": ${JSON.stringify(e.schema)},\n  "version": ${e.version},\n  "findings": ${findings}\n}\n`;
}

function isEndpoint(v: unknown): v is { address: string; port: number } {
  const o = v as { address?: unknown; port?: unknown } | null;
  return typeof o === 'object' && o !== null && typeof o.address === 'string' && typeof o.port === 'number';
}

function isCode(v: unknown): boolean {
  return typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
}

/** Parse and validate an expectation file; throws an Error saying what is wrong. */
export function parseExpectation(text: string): ExpectationFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  const o = data as Partial<ExpectationFile> | null;
  if (typeof o !== 'object' || o === null || o.schema !== EXPECT_SCHEMA) throw new Error(`not a wirewhy expectation file (schema must be "${EXPECT_SCHEMA}")`);
  if (o.version !== EXPECT_VERSION) throw new Error(`expectation file version ${String(o.version)} is not supported (this wirewhy writes version ${EXPECT_VERSION})`);
  if (!Array.isArray(o.findings)) throw new Error('"findings" must be a list');
  o.findings.forEach((f, i) => {
    const bad = (what: string): never => {
      throw new Error(`finding ${i + 1}: ${what}`);
    };
    if (typeof f !== 'object' || f === null) bad('must be an object');
    if (typeof f.rule !== 'string') bad('"rule" must be a string');
    if (!FINDING_PROTOCOLS.includes(f.protocol)) bad(`"protocol" must be one of ${FINDING_PROTOCOLS.map((p) => `"${p}"`).join(', ')}`);
    if (!isEndpoint(f.client)) bad('"client" must be { "address", "port" }');
    if (!isEndpoint(f.server)) bad('"server" must be { "address", "port" }');
    if (typeof f.stream !== 'number') bad('"stream" must be a number');
    if (typeof f.codes !== 'object' || f.codes === null || !Object.values(f.codes).every(isCode)) bad('"codes" must map OS names to numbers');
  });
  return o as ExpectationFile;
}

/** True when nothing differs. */
export function isMatch(d: ExpectationDiff): boolean {
  return d.missing.length === 0 && d.unexpected.length === 0 && d.changed.length === 0;
}

/** What differs between two expected findings, one "field: before → after" each. */
export function fieldChanges(a: ExpectedFinding, b: ExpectedFinding): string[] {
  const out: string[] = [];
  const cmp = (name: string, x: unknown, y: unknown): void => {
    const sx = inlineJson(x);
    const sy = inlineJson(y);
    if (sx !== sy) out.push(`${name}: ${sx} → ${sy}`);
  };
  cmp('rule', a.rule, b.rule);
  cmp('client', a.client, b.client);
  cmp('server', a.server, b.server);
  for (const os of OS_KEYS) cmp(`codes.${os}`, a.codes[os] ?? null, b.codes[os] ?? null);
  return out;
}

/**
 * What identifies a failure when two lists of findings are compared, never the stream index (one
 * extra connection early in a capture renumbers every later stream):
 * - `conversation`: protocol, client address and port, server address and port. For `check`,
 *   which analyses the same capture again (perhaps with unrelated traffic added).
 * - `endpoints`: protocol, client address, server address and port: the service a client
 *   failed to reach. For `diff` of two captures, where clients pick new ports.
 */
export type FailureIdentity = 'conversation' | 'endpoints';

function identityKey(e: ExpectedFinding, identity: FailureIdentity): string {
  const client = identity === 'conversation' ? endpointLabel(e.client) : e.client.address;
  return `${e.protocol} ${client} ${endpointLabel(e.server)}`;
}

/** The cause a failure is put down to: rule and error codes. */
function causeKey(e: ExpectedFinding): string {
  return `${e.rule} ${OS_KEYS.map((os) => inlineJson(e.codes[os] ?? null)).join(' ')}`;
}

/** Two lists of findings compared (see {@link matchFailures}). */
export interface FailureMatch<T> {
  /** In both, with the same cause. */
  same: Array<[T, T]>;
  /** The same identity, another cause (rule or codes). */
  changed: Array<[T, T]>;
  /** Only in the first list. */
  gone: T[];
  /** Only in the second. */
  added: T[];
}

/**
 * Compare two lists of findings. Failures of the same identity and cause match first, as a
 * multiset in stream order; of what is left, one of each list with the same identity is a
 * changed cause; the rest are gone (only before) or added (only after).
 */
export function matchFailures<T>(before: readonly T[], after: readonly T[], view: (t: T) => ExpectedFinding, identity: FailureIdentity): FailureMatch<T> {
  const inOrder = (list: readonly T[]): T[] => [...list].sort((a, b) => compareExpected(view(a), view(b)));
  const take = (pool: Map<string, T[]>, key: string): T | undefined => pool.get(key)?.shift();
  const pooled = (list: readonly T[], key: (t: T) => string): Map<string, T[]> => {
    const pool = new Map<string, T[]>();
    for (const t of list) {
      const k = key(t);
      const l = pool.get(k);
      if (l) l.push(t);
      else pool.set(k, [t]);
    }
    return pool;
  };
  const result: FailureMatch<T> = { same: [], changed: [], gone: [], added: [] };
  const exact = (t: T): string => `${identityKey(view(t), identity)}\u0000${causeKey(view(t))}`;
  const afterPool = pooled(inOrder(after), exact);
  const leftBefore: T[] = [];
  for (const b of inOrder(before)) {
    const a = take(afterPool, exact(b));
    if (a !== undefined) result.same.push([b, a]);
    else leftBefore.push(b);
  }
  const leftAfter = pooled(inOrder([...afterPool.values()].flat()), (t) => identityKey(view(t), identity));
  for (const b of leftBefore) {
    const a = take(leftAfter, identityKey(view(b), identity));
    if (a !== undefined) result.changed.push([b, a]);
    else result.gone.push(b);
  }
  result.added = inOrder([...leftAfter.values()].flat());
  return result;
}

/**
 * Compare with an expectation: findings are matched by conversation (see FailureIdentity), not
 * by stream index, so an expectation survives unrelated traffic added to its capture.
 */
export function diffExpectation(expected: readonly ExpectedFinding[], actual: readonly ExpectedFinding[]): ExpectationDiff {
  const m = matchFailures(expected, actual, (e) => e, 'conversation');
  return {
    missing: m.gone,
    unexpected: m.added,
    changed: m.changed.map(([e, a]) => ({ expected: e, actual: a, changes: fieldChanges(e, a) })),
  };
}

// How a diff reads for people is the check reporters' business (report/check.ts).
export { describeExpected, formatDiffLines } from '../report/check.js';
