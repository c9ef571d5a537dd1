/**
 * `wirewhy explain <anything>`: what a rule means on the wire and to applications, or what an
 * error someone pasted means (a number, a symbol, a whole message), with every meaning of an
 * ambiguous number and the rules that show it in a capture.
 *
 * The first screen fits in 24 lines of the terminal's width; `--full` adds every spelling, the
 * sources and the rules in full.
 */
import Table from 'cli-table3';
import { OS_ORDER, SIGNATURES, codesFor, icmpUnreachableEffect, icmpUnreachableName, isSignature, type Signature } from '../rules/codes.js';
import { lookupError, type ErrorMatch, type ErrorMeaning } from '../rules/error-lookup.js';
import { FAILURES, FAMILY_LABELS, osCodesOf, rulesOf, type KnownError } from '../rules/known-errors.js';
import { RULES, ruleById, ruleOfSignature, signatureOf } from '../rules/index.js';
import type { ErrorCode, OsName, RuleMeta } from '../rules/types.js';
import { terminalStyle, type TerminalOptions, type TerminalStyle } from './terminal.js';

/** What `explain` prints, and whether the query named anything. */
export interface ExplainResult {
  text: string;
  found: boolean;
}

/** How to explain: terminal options, the width to fit, and whether to print everything. */
export interface ExplainOptions extends TerminalOptions {
  /** Columns to fit (default 80). */
  width?: number;
  /** Every spelling, the sources, and the rules in full, with no limit on length. */
  full?: boolean;
}

/** Lines of the first screen: a terminal of 25 lines keeps the prompt in view. */
const SCREEN_LINES = 24;
const DEFAULT_WIDTH = 80;
const MIN_WIDTH = 40;

/** What `signature` looks like in a few words, as the meta of the rule that reports it says. */
function signatureMeaning(signature: Signature): string {
  return signatureOf(signature)?.meaning ?? signature;
}

/** DNS words people type, as signatures. */
const SIGNATURE_ALIASES: Readonly<Record<string, Signature>> = {
  nxdomain: 'dns-nxdomain',
  servfail: 'dns-servfail',
};

const OS_LABELS: Readonly<Record<OsName, string>> = { windows: 'Windows', linux: 'Linux', macos: 'macOS' };

// ---------------------------------------------------------------------------------------
// Lines fitted to the width
// ---------------------------------------------------------------------------------------

/** Words of `text` in lines of at most `width` columns: the first starts with `first`, the rest with `rest`. */
function wrap(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const room = width - line.length - (empty ? 0 : 1);
    if (word.length <= room) {
      line += (empty ? '' : ' ') + word;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
    }
    // A word longer than a line (a URL, a path) is cut.
    let w = word;
    while (w.length > width - line.length) {
      const cut = Math.max(1, width - line.length);
      lines.push(line + w.slice(0, cut));
      line = rest;
      w = w.slice(cut);
    }
    line += w;
    empty = w === '';
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines;
}

/** Lines under construction, with the style and width they are printed with. */
class Page {
  readonly lines: string[] = [];
  constructor(
    readonly style: TerminalStyle,
    readonly width: number,
  ) {}

  /** Wrapped text (sanitised here), each line painted with `paint`. */
  text(s: string, first = '', rest = first, paint: (s: string) => string = (x) => x): string[] {
    const out = wrap(this.style.text(s), this.width, first, rest).map((l) => {
      const indent = l.match(/^ */)![0];
      return indent + paint(l.slice(indent.length));
    });
    this.lines.push(...out);
    return out;
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  push(...lines: string[]): void {
    this.lines.push(...lines);
  }
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

interface IcmpRow {
  ipVersion: 4 | 6;
  code: number;
  name: string;
  codes: ErrorCode[];
}

/** Every ICMP / ICMPv6 destination unreachable code the catalogue maps, for a TCP connect. */
function icmpRows(): IcmpRow[] {
  const rows: IcmpRow[] = [];
  for (const ipVersion of [4, 6] as const) {
    for (let code = 0; ; code++) {
      const codes = icmpUnreachableEffect(ipVersion, code, 'tcp').codes;
      if (codes.length === 0) break;
      rows.push({ ipVersion, code, name: icmpUnreachableName(ipVersion, code), codes });
    }
  }
  return rows;
}

function icmpTable(page: Page): string[] {
  const { style } = page;
  // Five columns, six borders and a two-space indent in the width; cli-table3 wraps words inside
  // a cell. The narrowest widths keep every code and name whole; more room first puts each code
  // and its name on one line, then the meaning.
  const widths = [7, 18, 17, 15, 15];
  const wanted = [9, 45, 23, 18, 18];
  let extra = Math.max(0, page.width - 2 - 6 - widths.reduce((a, b) => a + b, 0));
  for (const i of [2, 3, 4, 0, 1]) {
    const add = Math.min(extra, wanted[i]! - widths[i]!);
    widths[i]! += add;
    extra -= add;
  }
  const table = new Table({
    head: ['ICMP', 'Meaning', 'Windows', 'Linux', 'macOS'].map((h) => style.bold(h)),
    chars: style.tableChars,
    colWidths: widths,
    wordWrap: true,
    style: { head: [], border: [], compact: true },
  });
  for (const row of icmpRows()) {
    const byOs = (os: OsName): string => {
      const c = row.codes.find((x) => x.os === os);
      return c ? `${c.code} ${c.name}` : '-';
    };
    const type = row.ipVersion === 4 ? 'v4 3' : 'v6 1';
    table.push([`${type}/${row.code}`, style.text(row.name), byOs('windows'), byOs('linux'), byOs('macos')]);
  }
  return table.toString().split('\n');
}

/** Each OS's code for `codes`, one wrapped paragraph per code. */
function codeParagraphs(page: Page, codes: readonly ErrorCode[], indent: string): void {
  for (const os of OS_ORDER) {
    for (const c of codes.filter((x) => x.os === os)) {
      const head = `${OS_LABELS[os].padEnd(8)} ${c.code} ${c.name}`;
      const lines = wrap(page.style.text(c.message), page.width, `${indent}${head}  `, `${indent}         `);
      lines[0] = lines[0]!.replace(head, page.style.bold(head));
      page.push(...lines);
    }
  }
}

/** A rule's sections, in the order they are worth the space. */
function ruleSections(meta: RuleMeta, page: Page, full: boolean): { title: string; write: (p: Page) => void }[] {
  const sections: { title: string; write: (p: Page) => void }[] = [];
  sections.push({
    title: 'On the wire',
    write: (p) => {
      p.text('On the wire', '', '', p.style.bold);
      p.text(meta.onTheWire, '  ');
    },
  });
  const signatures = (meta.signatures ?? []).map((s) => s.signature);
  sections.push({
    title: 'What applications see',
    write: (p) => {
      if (meta.icmpCodes && full) {
        p.text('What applications see, by ICMP type/code (TCP connect)', '', '', p.style.bold);
        for (const line of icmpTable(p)) p.push(`  ${line}`);
        p.text(meta.icmpCodes.note, '  ');
        p.text(`The most common case, ${meta.icmpCodes.shownCase}:`, '  ');
        codeParagraphs(p, meta.codes, '    ');
      } else if (signatures.length > 1 && full) {
        p.text('What applications see', '', '', p.style.bold);
        for (const s of signatures) {
          p.text(`${signatureMeaning(s)}:`, '  ');
          codeParagraphs(p, codesFor(s), '    ');
        }
      } else if (signatures.length > 1) {
        // One line per outcome: the codes, without their texts (--full has them).
        p.text('What applications see', '', '', p.style.bold);
        for (const s of signatures) {
          const codes = codesFor(s).map((c) => `${OS_LABELS[c.os]} ${c.code} ${c.name}`).join(', ');
          p.text(`${signatureMeaning(s).split(':')[0]}: ${codes}`, '  ', '    ');
        }
      } else if (full) {
        p.text('What applications see', '', '', p.style.bold);
        codeParagraphs(p, meta.codes, '  ');
      } else {
        // The codes in one paragraph; their texts are in --full and in `explain <code>`.
        p.text(meta.icmpCodes ? `What applications see (${meta.icmpCodes.shownCase}; --full: every ICMP code)` : 'What applications see', '', '', p.style.bold);
        p.text(`${meta.codes.map((c) => `${OS_LABELS[c.os]} ${c.code} ${c.name}`).join(', ')}.`, '  ');
      }
    },
  });
  if (meta.checks.length > 0) {
    sections.push({
      title: 'What to check',
      write: (p) => {
        p.text('What to check', '', '', p.style.bold);
        meta.checks.forEach((c, i) => p.text(c, `  ${i + 1}. `, '     '));
      },
    });
  }
  if (meta.differsFrom) {
    sections.push({
      title: 'How it differs from its neighbours',
      write: (p) => {
        p.text('How it differs from its neighbours', '', '', p.style.bold);
        p.text(meta.differsFrom!, '  ');
      },
    });
  }
  if (meta.causes.length > 0) {
    sections.push({
      title: 'Likely causes',
      write: (p) => {
        p.text('Likely causes', '', '', p.style.bold);
        for (const c of meta.causes) p.text(c, '  - ', '    ');
      },
    });
  }
  return sections;
}

function ruleTitle(meta: RuleMeta, page: Page): void {
  const { style } = page;
  page.push(`${style.cyan(style.bold(style.text(meta.id)))}  ${style.severity(meta.severity)}`);
  page.text(meta.description);
}

/** The whole explanation of one rule. */
function explainRuleFull(meta: RuleMeta, page: Page): void {
  ruleTitle(meta, page);
  for (const s of ruleSections(meta, page, true)) {
    page.blank();
    s.write(page);
  }
}

/** One rule within `budget` lines: its sections while they fit (checks one by one), then what was left out. */
function explainRuleBrief(meta: RuleMeta, page: Page, budget: number): void {
  ruleTitle(meta, page);
  // Room is kept for the line that says what was left out.
  const room = budget - 3;
  const omitted: string[] = [];
  for (const s of ruleSections(meta, page, false)) {
    const trial = new Page(page.style, page.width);
    trial.push('');
    s.write(trial);
    if (omitted.length === 0 && page.lines.length + trial.lines.length <= room) {
      page.push(...trial.lines);
    } else if (omitted.length === 0 && s.title === 'What to check') {
      // As many checks as fit, in order.
      const block = new Page(page.style, page.width);
      block.push('');
      block.text('What to check', '', '', page.style.bold);
      let shown = 0;
      for (const [i, c] of meta.checks.entries()) {
        const item = new Page(page.style, page.width);
        item.text(c, `  ${i + 1}. `, '     ');
        if (page.lines.length + block.lines.length + item.lines.length > room) break;
        block.push(...item.lines);
        shown++;
      }
      if (shown > 0) page.push(...block.lines);
      omitted.push(shown > 0 ? 'the other checks' : 'what to check');
    } else {
      omitted.push(s.title.toLowerCase());
    }
  }
  if (omitted.length > 0 || meta.icmpCodes) {
    page.blank();
    const what = omitted.length > 0 ? omitted.join(', ') : 'the table of every ICMP code';
    page.text(`--full adds: ${what}.`, '', '', page.style.dim);
  }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

function familyLabel(e: KnownError): string {
  if ((e.family === 'linux' || e.family === 'macos') && e.name?.startsWith('EAI_')) return `${e.family === 'linux' ? 'Linux' : 'macOS'} getaddrinfo error`;
  return FAMILY_LABELS[e.family];
}

/** "Windows Sockets error 10061 WSAECONNREFUSED", "Node.js error ENOTFOUND", "Go". */
function entryTitle(e: KnownError): string {
  const parts = [familyLabel(e)];
  if (e.code !== undefined) parts.push(e.family === 'firefox' || e.family === 'hresult' ? `0x${(e.code >>> 0).toString(16).toUpperCase()}` : String(e.code));
  if (e.name !== undefined) parts.push(e.name);
  return parts.join(' ');
}

function entryLine(e: KnownError): string {
  const text = e.described ? e.message : `"${e.message}"`;
  return `${entryTitle(e)}: ${text}`;
}

function rulesLine(rules: readonly string[]): string {
  if (rules.length === 0) return 'On the wire: nothing wirewhy reports (a local failure, or one a capture does not show).';
  return `On the wire: ${rules.map((r) => { const gist = ruleById(r)?.meta.gist; return gist ? `${r} (${gist})` : r; }).join(', ')}.`;
}

function osShort(e: KnownError): string {
  const os = e.family === 'winsock' ? 'Windows' : e.family === 'linux' ? 'Linux' : 'macOS';
  return `${os} ${e.code} ${e.name}`;
}

/** The rules of a meaning: every matched entry's, in order. */
function meaningRules(meaning: ErrorMeaning): string[] {
  const rules: string[] = [];
  for (const m of meaning.matches) for (const r of rulesOf(m.entry)) if (!rules.includes(r)) rules.push(r);
  return rules;
}

/** One meaning in a few lines: the best entry, what happened, the other OSes, the rules. */
function meaningBlock(page: Page, meaning: ErrorMeaning, number: string, full: boolean): void {
  const { style } = page;
  const head = meaning.matches[0]!;
  const pad = ' '.repeat(number.length);
  const title = entryTitle(head.entry);
  const lines = wrap(style.text(entryLine(head.entry)), page.width, number, pad);
  lines[0] = lines[0]!.replace(style.text(title), style.bold(style.text(title)));
  page.push(...lines);
  if (head.via?.startsWith('0x')) page.text(`${head.via}.`, pad);
  page.text(FAILURES[meaning.failure].summary, pad);
  if (head.entry.note && !full) page.text(head.entry.note, pad);
  const elsewhere = osCodesOf(meaning.failure).filter((e) => e !== head.entry).map(osShort);
  if (elsewhere.length > 0) page.text(`Same failure: ${elsewhere.join(', ')}.`, pad);
  page.text(rulesLine(meaningRules(meaning)), pad);
  if (full) {
    for (const m of meaning.matches) matchDetails(page, m, pad);
  }
}

function matchDetails(page: Page, m: ErrorMatch, pad: string): void {
  page.text(entryLine(m.entry), `${pad}- `, `${pad}  `);
  const inner = `${pad}  `;
  if (m.via) page.text(`Read from: ${m.via}`, inner);
  if (m.entry.note) page.text(m.entry.note, inner);
  const spellings = [...(m.entry.texts ?? []), ...(m.entry.exact ?? [])];
  if (spellings.length > 0) page.text(`Also printed as: ${spellings.map((s) => `"${s}"`).join(', ')}`, inner);
  page.text(`Source: ${m.entry.source}`, inner, inner, page.style.dim);
}

/** What to check for a meaning: its own checks (local and SQL Server failures), else its first rule's. */
function checksOf(meaning: ErrorMeaning): { from: string; checks: readonly string[] } | undefined {
  const own = (FAILURES[meaning.failure] as { checks?: readonly string[] }).checks;
  if (own && own.length > 0) return { from: entryTitle(meaning.matches[0]!.entry), checks: own };
  const rule = meaningRules(meaning).map((r) => ruleById(r)?.meta).find((m) => m !== undefined && m.checks.length > 0);
  return rule ? { from: rule.id, checks: rule.checks } : undefined;
}

function header(page: Page, query: string, count: number): void {
  const shown = query.length > 60 ? `${query.slice(0, 57)}${page.style.ellipsis}` : query;
  const q = `"${shown.replace(/\s+/g, ' ')}"`;
  page.text(count === 1 ? `${q}:` : `${q} has ${count} meanings, most likely first:`);
}

function explainErrorBrief(page: Page, query: string, meanings: readonly ErrorMeaning[]): void {
  header(page, query, meanings.length);
  const footer = ['', ...wrap(page.style.text('--full adds every spelling, the sources and the rules in full.'), page.width).map(page.style.dim)];
  const budget = SCREEN_LINES - footer.length;
  let shown = 0;
  for (const [i, meaning] of meanings.entries()) {
    const trial = new Page(page.style, page.width);
    trial.push('');
    meaningBlock(trial, meaning, meanings.length === 1 ? '' : `${i + 1}. `, false);
    const rest = meanings.length - i - 1;
    const moreLine = rest > 0 ? 1 : 0;
    if (shown > 0 && page.lines.length + trial.lines.length + moreLine > budget) break;
    page.push(...trial.lines);
    shown++;
  }
  if (shown < meanings.length) page.text(`${meanings.length - shown} more: --full lists them.`, '', '', page.style.dim);

  // How the top meaning differs from its neighbours (a refusal is immediate, a timeout silence),
  // then what to check, as far as the screen allows.
  const topRule = meaningRules(meanings[0]!).map((r) => ruleById(r)?.meta).find((m) => m !== undefined);
  if (topRule?.differsFrom && meanings.length === 1) {
    const block = new Page(page.style, page.width);
    block.push('');
    block.text(`How it differs from its neighbours (${topRule.id}):`, '', '', page.style.bold);
    block.text(topRule.differsFrom, '  ');
    if (page.lines.length + block.lines.length + 3 <= budget) page.push(...block.lines);
  }
  const checks = checksOf(meanings[0]!);
  if (checks) {
    const block = new Page(page.style, page.width);
    block.push('');
    block.text(`What to check (${checks.from}):`, '', '', page.style.bold);
    for (const [i, c] of checks.checks.entries()) {
      const item = new Page(page.style, page.width);
      item.text(c, `  ${i + 1}. `, '     ');
      if (page.lines.length + block.lines.length + item.lines.length > budget) break;
      block.push(...item.lines);
    }
    if (block.lines.length > 2) page.push(...block.lines);
  }
  page.push(...footer);
}

function explainErrorFull(page: Page, query: string, meanings: readonly ErrorMeaning[]): void {
  header(page, query, meanings.length);
  for (const [i, meaning] of meanings.entries()) {
    page.blank();
    meaningBlock(page, meaning, meanings.length === 1 ? '' : `${i + 1}. `, true);
  }
  const ruleIds: string[] = [];
  for (const meaning of meanings) for (const r of meaningRules(meaning)) if (!ruleIds.includes(r)) ruleIds.push(r);
  for (const id of ruleIds) {
    const meta = ruleById(id)?.meta;
    if (!meta) continue;
    page.blank();
    page.push(page.style.dim((page.style.options.unicode ? '─' : '-').repeat(Math.min(72, page.width))));
    explainRuleFull(meta, page);
  }
}

function explainSignature(signature: Signature, page: Page, full: boolean): void {
  const { style } = page;
  const rule = ruleOfSignature(signature);
  page.text(`${signature}: ${signatureMeaning(signature)}`, '', '', (l) => l.replace(signature, style.cyan(style.bold(signature))));
  codeParagraphs(page, codesFor(signature), '  ');
  if (rule === undefined) return;
  page.text(`Reported by the rule ${rule}.`, '  ');
  const meta = ruleById(rule)?.meta;
  if (!meta) return;
  page.blank();
  if (full) explainRuleFull(meta, page);
  else explainRuleBrief(meta, page, SCREEN_LINES);
}

function normalizeId(query: string): string {
  return query.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

function notFound(query: string, page: Page): void {
  const shown = query.length > 60 ? `${query.slice(0, 57)}${page.style.ellipsis}` : query;
  page.text(`Nothing known as ${JSON.stringify(shown)}.`);
  page.text(`Rules: ${RULES.map((r) => r.meta.id).join(', ')}.`);
  page.text(`Signatures: ${SIGNATURES.join(', ')}.`);
  page.text(
    'Error codes: a number (10061, 111, 61, -2, 0x8007274D, 53 for SQL Server), a name (ECONNREFUSED, WSAETIMEDOUT, EAI_AGAIN, ENOTFOUND, ERR_CONNECTION_REFUSED), or the message as printed ("[Errno 111] Connection refused", "dial tcp 10.0.0.1:80: i/o timeout"). DNS: NXDOMAIN, SERVFAIL.',
  );
}

/**
 * Explain a rule id, a failure signature ("dns-nxdomain", "NXDOMAIN"),
 * or an error as the user has it: a number ("10061", "111", "0x8007274D", "53"), a symbol
 * ("ECONNREFUSED", "ENOTFOUND", "net::ERR_CONNECTION_REFUSED") or a whole message
 * ("[Errno 111] Connection refused", "error: 26 - Error Locating Server/Instance Specified").
 */
export function explain(query: string, opts: ExplainOptions): ExplainResult {
  const style = terminalStyle(opts);
  const width = Math.max(MIN_WIDTH, Math.floor(opts.width ?? DEFAULT_WIDTH));
  const full = opts.full === true;
  const page = new Page(style, width);
  const id = normalizeId(query);
  const meta = ruleById(id)?.meta;
  let found = true;
  if (meta) {
    if (full) explainRuleFull(meta, page);
    else explainRuleBrief(meta, page, SCREEN_LINES);
  } else if (isSignature(id)) {
    explainSignature(id, page, full);
  } else if (Object.hasOwn(SIGNATURE_ALIASES, id)) {
    explainSignature(SIGNATURE_ALIASES[id]!, page, full);
  } else {
    const { meanings } = lookupError(query);
    if (meanings.length === 0) {
      notFound(query, page);
      found = false;
    } else if (full) {
      explainErrorFull(page, query, meanings);
    } else {
      explainErrorBrief(page, query, meanings);
    }
  }
  return { text: `${page.lines.join('\n')}\n`, found };
}
