/**
 * Find what a pasted error means: a number ("10061", "0x8007274D", "-102"), a symbol
 * ("ENOTFOUND", "net::ERR_CONNECTION_REFUSED") or a whole message ("[Errno 111] Connection
 * refused", "dial tcp 10.0.0.1:80: connect: connection refused", a SqlException). The answer is
 * a list of meanings, most likely first; each meaning is one failure with the catalogue entries
 * that matched it.
 */
import { FAILURES, KNOWN_ERRORS, familyRank, type ErrorFamily, type Failure, type KnownError } from './known-errors.js';

/** How the query was read. */
export type LookupMode = 'number' | 'name' | 'message';

/** One catalogue entry that matched, and why. */
export interface ErrorMatch {
  entry: KnownError;
  score: number;
  /** How it matched, for the reader: "HRESULT_FROM_WIN32(10061)", "[Errno 111]". */
  via?: string;
}

/** One meaning of the query: a failure and the entries that matched it, best first. */
export interface ErrorMeaning {
  failure: Failure;
  matches: ErrorMatch[];
  score: number;
}

/** What a query means. */
export interface ErrorLookup {
  mode: LookupMode;
  meanings: ErrorMeaning[];
}

const OS_FAMILIES: readonly ErrorFamily[] = ['winsock', 'win32', 'linux', 'macos'];
const WINDOWS_FAMILIES: readonly ErrorFamily[] = ['winsock', 'win32'];
const UNIX_FAMILIES: readonly ErrorFamily[] = ['linux', 'macos'];

// Scores in a message: a number in a known place says more than a name, a name more than text.
const STRUCTURED = 100;
const NAMED = 60;
const TEXT_BASE = 20;
// A meaning below this share of the best one is the noise of a longer message, not a reading.
const WEAK_SHARE = 0.5;
/** A first sentence shorter than this says too little to stand for its message. */
const FIRST_SENTENCE_MIN = 24;
/** Characters of a pasted message that are read. */
const MESSAGE_LIMIT = 4000;

/** Lower case, typographic quotes folded, everything but letters, digits, ' and / as spaces. */
export function normalizeMessage(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/[^a-z0-9'/]+/g, ' ')
    .trim();
}

function containsPhrase(haystack: string, phrase: string): boolean {
  return phrase !== '' && ` ${haystack} `.includes(` ${phrase} `);
}

/** The values a written number can stand for: decimal, hex, and a 32-bit code either signed or not. */
function numberValues(text: string): number[] | null {
  const t = text.trim();
  let n: number;
  if (/^[+-]?\d{1,12}$/.test(t)) n = Number(t);
  else if (/^(?:0x|x)[0-9a-f]{1,8}$/i.test(t)) n = parseInt(t.replace(/^0?x/i, ''), 16);
  else return null;
  const values = [n];
  if (n > 0x7fffffff && n <= 0xffffffff) values.push(n - 2 ** 32);
  if (n < 0 && n >= -(2 ** 31)) values.push(n + 2 ** 32);
  return values;
}

/** The Win32 code inside an HRESULT of facility WIN32 (0x8007xxxx), if it is one. */
function win32OfHresult(values: readonly number[]): number | undefined {
  for (const v of values) {
    if (v > 0xffff && v <= 0xffffffff && v >>> 16 === 0x8007) return v & 0xffff;
  }
  return undefined;
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

function byNumber(values: readonly number[], families?: readonly ErrorFamily[]): KnownError[] {
  return KNOWN_ERRORS.filter((e) => !e.textOnly && e.code !== undefined && values.includes(e.code) && (!families || families.includes(e.family)));
}

/** Entries for a number, and for the Win32 code inside it when it is an HRESULT. */
function numberMatches(text: string, score: number, families?: readonly ErrorFamily[], via?: string): ErrorMatch[] {
  const values = numberValues(text);
  if (values === null) return [];
  const out: ErrorMatch[] = byNumber(values, families).map((entry) => ({ entry, score, ...(via ? { via } : {}) }));
  const win32 = win32OfHresult(values);
  if (win32 !== undefined) {
    const hresult = hex32(values[0]!);
    for (const entry of byNumber([win32], WINDOWS_FAMILIES.concat(['dotnet']))) out.push({ entry, score, via: `${hresult} is HRESULT_FROM_WIN32(${win32})` });
  }
  return out;
}

const NAME_PREFIXES = /^(?:net::|system\.net\.sockets\.socketerror\.|socketerror\.|java\.net\.|socket\.|errno::)/i;

/** Entries named `token`, ignoring case; a POSIX name also finds its Winsock twin (ECONNREFUSED → WSAECONNREFUSED). */
function byName(token: string): KnownError[] {
  const name = token.replace(NAME_PREFIXES, '').toUpperCase();
  if (name === '') return [];
  return KNOWN_ERRORS.filter((e) => {
    if (e.textOnly || e.name === undefined) return false;
    const own = e.name.toUpperCase();
    return own === name || (e.family === 'winsock' && own === `WSA${name}`);
  });
}

/** Where a message carries a number, and which families that number belongs to. */
const STRUCTURED_NUMBERS: readonly { re: RegExp; families: readonly ErrorFamily[]; label: (n: string) => string }[] = [
  // Python: "[Errno 111] Connection refused", "[Errno -2] Name or service not known".
  { re: /\[errno (-?\d+)\]/gi, families: UNIX_FAMILIES, label: (n) => `[Errno ${n}]` },
  // Python on Windows: "[WinError 10061] ...".
  { re: /\[winerror (\d+)\]/gi, families: WINDOWS_FAMILIES, label: (n) => `[WinError ${n}]` },
  // SSMS: "(Microsoft SQL Server, Error: 53)": the operating system's error (-1: none).
  { re: /microsoft sql server,? error:? (-?\d+)/gi, families: ['winsock', 'win32', 'sqlserver'], label: (n) => `Microsoft SQL Server, Error: ${n}` },
  // SqlClient: "(provider: Named Pipes Provider, error: 40 - Could not open ...)".
  { re: /provider[^)]{0,80}?,\s*error:? (\d+)\s*-/gi, families: ['sqlserver'], label: (n) => `provider error ${n}` },
  { re: /(?:sql network interfaces|provider), error:? (\d+)\b/gi, families: ['sqlserver'], label: (n) => `provider error ${n}` },
  // ODBC/sqlcmd: "Named Pipes Provider: Could not open a connection to SQL Server [53]", "[xFFFFFFFF]".
  { re: /(?:provider|interfaces): [^[\]\n]{0,200}\[(x[0-9a-f]{1,8}|-?\d+)\]/gi, families: ['winsock', 'win32', 'sqlserver'], label: (n) => `[${n}]` },
  // ODBC: "TCP Provider: Error code 0x2749".
  { re: /error code (0x[0-9a-f]{1,8}|\d+)/gi, families: OS_FAMILIES, label: (n) => `error code ${n}` },
  // curl: "curl: (7) Failed to connect ...".
  { re: /curl: \((\d+)\)/gi, families: ['curl'], label: (n) => `curl: (${n})` },
  // .NET: "SocketException (10061): ...", "SocketException (00000001, 11): ...".
  { re: /socketexception \((?:[0-9a-f]{8}, )?(-?\d+|0x[0-9a-f]+)\)/gi, families: OS_FAMILIES, label: (n) => `SocketException (${n})` },
  // Dart and others: "errno = 1225".
  { re: /\berrno\s*=\s*(-?\d+)/gi, families: OS_FAMILIES, label: (n) => `errno = ${n}` },
  // HRESULTs anywhere: "(0x80004005)", "Exception from HRESULT: 0x8007274D", Firefox 0x804B000D.
  { re: /\b(0x80[0-9a-f]{6})\b/gi, families: ['hresult', 'firefox', 'win32', 'winsock'], label: (n) => n },
];

// Symbols worth looking up inside a message. E-names only in capitals, so English words never match.
const SYMBOLS = /\b(?:net::)?ERR_[A-Z_]+\b|\bNS_ERROR_[A-Z_]+\b|\bCURLE_[A-Z_]+\b|\bUND_ERR_[A-Z_]+\b|\bWSA[A-Z_]+\b|\bEAI_[A-Z]+\b|\bE[A-Z]{4,}\b|\bERROR_[A-Z_]+\b|\bWAIT_TIMEOUT\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)+(?:Exception|Error)\b|\bgaierror\b|\bTimeoutError\b/g;

/** Strip an exception's class (and "Error:"), so "socket.timeout: timed out" compares as "timed out". */
function lastMessage(normalized: string, raw: string): string {
  const tail = raw.split(/:\s+/).pop() ?? raw;
  return tail === raw ? normalized : normalizeMessage(tail);
}

function messageMatches(raw: string): ErrorMatch[] {
  const scores = new Map<KnownError, ErrorMatch>();
  const add = (entry: KnownError, score: number, via?: string): void => {
    const seen = scores.get(entry);
    if (seen) {
      seen.score += score;
      if (via && !seen.via) seen.via = via;
    } else {
      scores.set(entry, { entry, score, ...(via ? { via } : {}) });
    }
  };

  // Numbers in places that say what they are. Each kind of place counts once per entry.
  const structured = new Map<KnownError, ErrorMatch>();
  for (const { re, families, label } of STRUCTURED_NUMBERS) {
    for (const m of raw.matchAll(re)) {
      const n = m[1]!;
      for (const match of numberMatches(n, STRUCTURED, families, placeLabel(label, n))) {
        if (!structured.has(match.entry)) structured.set(match.entry, match);
      }
    }
  }
  for (const m of structured.values()) add(m.entry, m.score, m.via);
  const numbered = new Set([...structured.keys()].map((e) => `${e.family}:${e.code}`));

  // Symbols.
  const named = new Set<KnownError>();
  for (const m of raw.matchAll(SYMBOLS)) for (const entry of byName(m[0])) named.add(entry);
  for (const entry of named) add(entry, NAMED);

  // Texts: the longest phrase of each entry found in the message.
  const text = normalizeMessage(raw);
  const last = lastMessage(text, raw);
  for (const entry of KNOWN_ERRORS) {
    let best = 0;
    const phrases = entry.described ? [...(entry.texts ?? [])] : [entry.message, firstSentence(entry.message), ...(entry.texts ?? [])];
    for (const p of phrases) {
      const phrase = normalizeMessage(p);
      if (phrase.length > best && !phrase.includes('<') && containsPhrase(text, phrase)) best = phrase.length;
    }
    for (const p of entry.exact ?? []) {
      const phrase = normalizeMessage(p);
      if ((text === phrase || last === phrase) && phrase.length > best) best = phrase.length;
    }
    if (entry.pattern?.test(raw)) best = Math.max(best, 30);
    if (best > 0) {
      add(entry, TEXT_BASE + best);
      // Another spelling of a code the message also gives by number ("curl: (28) Connection timed out after").
      if (entry.textOnly && entry.code !== undefined && numbered.has(`${entry.family}:${entry.code}`)) add(entry, STRUCTURED);
    }
  }
  // A code also given in a more telling spelling ("curl: (28) Connection timed out after ...")
  // means that spelling, not every meaning of the bare number.
  const all = [...scores.values()];
  const spelled = new Set(all.filter((m) => m.entry.textOnly && m.score > STRUCTURED).map((m) => `${m.entry.family}:${m.entry.code}`));
  return all.filter((m) => m.entry.textOnly || m.score > STRUCTURED || !spelled.has(`${m.entry.family}:${m.entry.code}`));
}

/**
 * The first sentence or clause of a long message, which is what people often paste alone
 * ("The network location cannot be reached." without "For information about ...").
 */
function firstSentence(message: string): string {
  const first = message.split(/[.;]\s|,\s+or\s/)[0]!.trim();
  return first.length >= FIRST_SENTENCE_MIN && first.length < message.length ? first : '';
}

function placeLabel(label: (n: string) => string, n: string): string | undefined {
  const s = label(n);
  // A bare HRESULT explains itself; the other labels tell where in the message the number was.
  return /^0x/i.test(s) ? undefined : s;
}

function groupByFailure(matches: readonly ErrorMatch[]): ErrorMeaning[] {
  const groups = new Map<Failure, ErrorMeaning>();
  for (const m of matches) {
    const g = groups.get(m.entry.failure);
    if (g) {
      g.matches.push(m);
      g.score = Math.max(g.score, m.score);
    } else {
      groups.set(m.entry.failure, { failure: m.entry.failure, matches: [m], score: m.score });
    }
  }
  const byRank = (a: ErrorMatch, b: ErrorMatch): number => b.score - a.score || familyRank(a.entry.family) - familyRank(b.entry.family);
  const meanings = [...groups.values()];
  for (const g of meanings) g.matches.sort(byRank);
  return meanings.sort((a, b) => b.score - a.score || byRank(a.matches[0]!, b.matches[0]!));
}

/** Score of a match found by number or name alone: the family's rank decides the order. */
function rankScore(entry: KnownError): number {
  return 1000 - 10 * familyRank(entry.family);
}

/**
 * What `query` means: a number (every family that uses it, an HRESULT's Win32 code), a symbol,
 * or a pasted message (numbers in known places, symbols, and the catalogue's texts).
 */
export function lookupError(query: string): ErrorLookup {
  const q = query.trim();
  if (q === '') return { mode: 'message', meanings: [] };

  if (numberValues(q) !== null) {
    const matches = numberMatches(q, 0).map((m) => ({ ...m, score: rankScore(m.entry) }));
    return { mode: 'number', meanings: groupByFailure(matches) };
  }

  if (/^[A-Za-z_][\w.:]*$/.test(q)) {
    const entries = byName(q);
    // An exact name before its Winsock twin: ECONNREFUSED is first the POSIX code.
    const exact = (e: KnownError): boolean => e.name!.toUpperCase() === q.replace(NAME_PREFIXES, '').toUpperCase();
    const matches = entries.map((entry) => ({ entry, score: rankScore(entry) - (exact(entry) ? 0 : 100) }));
    if (entries.length > 0) return { mode: 'name', meanings: groupByFailure(matches) };
  }

  // The error is in the first lines of a paste; a whole log is not read.
  let matches = messageMatches(q.slice(0, MESSAGE_LIMIT));
  if (matches.some((m) => !m.entry.wrapper)) matches = matches.filter((m) => !m.entry.wrapper);
  const meanings = groupByFailure(matches);
  const best = meanings[0]?.score ?? 0;
  return { mode: 'message', meanings: meanings.filter((m) => m.score >= best * WEAK_SHARE) };
}

/** The failure's description, for callers that hold only a meaning. */
export function failureSummary(failure: Failure): string {
  return FAILURES[failure].summary;
}
