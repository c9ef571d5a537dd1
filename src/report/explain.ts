/**
 * `wirewhy explain <rule | code>`: what a rule means on the wire and to applications, or
 * which failures produce an error code, from the rule metas and the code catalogue.
 */
import Table from 'cli-table3';
import {
  OS_ORDER,
  SIGNATURES,
  codesFor,
  findCodes,
  icmpUnreachableEffect,
  icmpUnreachableName,
  isSignature,
  type Signature,
} from '../rules/codes.js';
import { RULES, ruleById } from '../rules/index.js';
import type { ErrorCode, OsName, RuleMeta } from '../rules/types.js';
import { codeLines } from './text.js';
import { terminalStyle, type TerminalOptions, type TerminalStyle } from './terminal.js';

/** What `explain` prints, and whether the query named anything. */
export interface ExplainResult {
  text: string;
  found: boolean;
}

/** The rule that reports each failure signature. */
const SIGNATURE_RULE: Readonly<Record<Signature, string>> = {
  'connection-refused': 'connection-refused',
  'connect-timeout': 'connect-timeout',
  'connection-reset': 'connection-reset',
  'reset-after-fin': 'connection-reset',
  'connection-aborted': 'connection-aborted',
  'udp-port-unreachable': 'udp-port-unreachable',
  'dns-nxdomain': 'dns-failure',
  'dns-servfail': 'dns-failure',
  'dns-refused': 'dns-failure',
  'dns-timeout': 'dns-failure',
};

/** What each signature looks like, in a few words. */
const SIGNATURE_MEANING: Readonly<Record<Signature, string>> = {
  'connection-refused': 'SYN answered by RST',
  'connect-timeout': 'SYN retransmitted without an answer until connect() gives up',
  'connection-reset': 'RST on an established connection',
  'reset-after-fin': 'RST after the resetting side\'s own FIN: reads return end of stream, the next write fails',
  'connection-aborted': 'data retransmitted without acknowledgement until the sender gives up',
  'udp-port-unreachable': 'UDP datagram answered by ICMP port unreachable',
  'dns-nxdomain': 'DNS answer NXDOMAIN (RCODE 3): the name does not exist',
  'dns-servfail': 'DNS answer SERVFAIL (RCODE 2): the server could not resolve the name',
  'dns-refused': 'DNS answer REFUSED (RCODE 5): the server will not answer this client',
  'dns-timeout': 'DNS query never answered',
};

/** DNS words people type, as signatures. */
const SIGNATURE_ALIASES: Readonly<Record<string, Signature>> = {
  nxdomain: 'dns-nxdomain',
  servfail: 'dns-servfail',
};

const DESTINATION_UNREACHABLE = 'destination-unreachable';

const OS_LABELS: Readonly<Record<OsName, string>> = { windows: 'Windows', linux: 'Linux', macos: 'macOS' };

/** The rule id that reports `signature`. */
export function ruleOfSignature(signature: Signature): string {
  return SIGNATURE_RULE[signature];
}

interface IcmpRow {
  ipVersion: 4 | 6;
  code: number;
  name: string;
  codes: ErrorCode[];
}

/** Every ICMP / ICMPv6 destination-unreachable code the catalogue maps, for a TCP connect. */
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

function sameCode(a: ErrorCode, b: ErrorCode): boolean {
  return a.os === b.os && a.code === b.code && a.name === b.name;
}

/**
 * Whether destination-unreachable can report `code`: any ICMP code for TCP, and for UDP any
 * code but port unreachable (that one is udp-port-unreachable's).
 */
function fromDestinationUnreachable(code: ErrorCode): boolean {
  for (const ipVersion of [4, 6] as const) {
    const portUnreachable = ipVersion === 4 ? 3 : 4;
    for (let icmp = 0; ; icmp++) {
      const tcp = icmpUnreachableEffect(ipVersion, icmp, 'tcp').codes;
      if (tcp.length === 0) break;
      if (tcp.some((c) => sameCode(c, code))) return true;
      if (icmp !== portUnreachable && icmpUnreachableEffect(ipVersion, icmp, 'udp').codes.some((c) => sameCode(c, code))) return true;
    }
  }
  return false;
}

function heading(s: string, style: TerminalStyle): string {
  return style.bold(style.text(s));
}

function ruleTitle(meta: RuleMeta, style: TerminalStyle): string {
  return `${style.cyan(style.bold(style.text(meta.id)))}  ${style.severity(meta.severity)}`;
}

function separator(style: TerminalStyle): string {
  return style.dim((style.options.unicode ? '─' : '-').repeat(72));
}

function icmpTable(style: TerminalStyle): string[] {
  const table = new Table({
    head: ['ICMP', 'Meaning', 'Windows', 'Linux', 'macOS'].map((h) => style.bold(h)),
    chars: style.tableChars,
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

/** The explanation of one rule: description, wire view, codes per OS, neighbours, causes, checks. */
function explainRule(meta: RuleMeta, style: TerminalStyle): string[] {
  const t = style.text;
  const lines: string[] = [];
  lines.push(ruleTitle(meta, style));
  lines.push(t(meta.description));
  lines.push('');
  lines.push(heading('On the wire', style));
  lines.push(`  ${t(meta.onTheWire)}`);
  lines.push('');

  const signatures = SIGNATURES.filter((s) => SIGNATURE_RULE[s] === meta.id);
  if (meta.id === DESTINATION_UNREACHABLE) {
    lines.push(heading('What applications see, by ICMP type/code (TCP connect)', style));
    for (const line of icmpTable(style)) lines.push(`  ${line}`);
    lines.push(`  ${t('For UDP the codes are the same, except port unreachable: that is udp-port-unreachable.')}`);
    lines.push(`  ${t('The most common case, host unreachable:')}`);
    for (const line of codeLines(meta.codes, style)) lines.push(`    ${line}`);
  } else if (signatures.length > 1) {
    lines.push(heading('What applications see', style));
    for (const s of signatures) {
      lines.push(`  ${t(SIGNATURE_MEANING[s])}:`);
      for (const line of codeLines(codesFor(s), style)) lines.push(`    ${line}`);
    }
  } else {
    lines.push(heading('What applications see', style));
    for (const line of codeLines(meta.codes, style)) lines.push(`  ${line}`);
  }

  if (meta.differsFrom) {
    lines.push('');
    lines.push(heading('How it differs from its neighbours', style));
    lines.push(`  ${t(meta.differsFrom)}`);
  }
  if (meta.causes.length > 0) {
    lines.push('');
    lines.push(heading('Likely causes', style));
    for (const c of meta.causes) lines.push(`  - ${t(c)}`);
  }
  if (meta.checks.length > 0) {
    lines.push('');
    lines.push(heading('What to check', style));
    meta.checks.forEach((c, i) => lines.push(`  ${i + 1}. ${t(c)}`));
  }
  return lines;
}

function withRules(lines: string[], ruleIds: readonly string[], style: TerminalStyle): string[] {
  for (const id of ruleIds) {
    const meta = ruleById(id)?.meta;
    if (!meta) continue;
    lines.push('');
    lines.push(separator(style));
    lines.push(...explainRule(meta, style));
  }
  return lines;
}

function explainSignature(signature: Signature, style: TerminalStyle): string[] {
  const t = style.text;
  const rule = SIGNATURE_RULE[signature];
  const lines = [`${style.cyan(style.bold(t(signature)))}: ${t(SIGNATURE_MEANING[signature])}`];
  for (const line of codeLines(codesFor(signature), style)) lines.push(`  ${line}`);
  lines.push(`  Reported by the rule ${style.cyan(t(rule))}.`);
  return withRules(lines, [rule], style);
}

function explainCodes(query: string, style: TerminalStyle): string[] | null {
  const t = style.text;
  const matches = findCodes(query);
  if (matches.length === 0) return null;
  const lines: string[] = [];
  const ruleIds: string[] = [];
  const addRule = (id: string): void => {
    if (!ruleIds.includes(id)) ruleIds.push(id);
  };
  // Catalogue order is by OS; show Windows, then Linux, then macOS.
  const ordered = [...matches].sort((a, b) => OS_ORDER.indexOf(a.code.os) - OS_ORDER.indexOf(b.code.os));
  for (const m of ordered) {
    const c = m.code;
    if (lines.length > 0) lines.push('');
    lines.push(`${style.bold(t(`${c.code} ${c.name}`))} (${OS_LABELS[c.os]})`);
    lines.push(`  ${t(c.message)}`);
    const causes: string[] = [];
    for (const s of m.signatures) {
      causes.push(`${SIGNATURE_RULE[s]}: ${SIGNATURE_MEANING[s]}`);
      addRule(SIGNATURE_RULE[s]);
    }
    if (m.fromIcmpUnreachable && fromDestinationUnreachable(c)) {
      causes.push(`${DESTINATION_UNREACHABLE}: an ICMP destination unreachable answered the connection attempt`);
      addRule(DESTINATION_UNREACHABLE);
    }
    if (causes.length > 0) {
      lines.push('  Seen in captures as:');
      for (const cause of causes) lines.push(`    - ${t(cause)}`);
    } else {
      lines.push(`  ${t('No wirewhy rule reports this code: it comes from something a capture does not show.')}`);
    }
  }
  return withRules(lines, ruleIds, style);
}

function normalizeId(query: string): string {
  return query.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

function notFound(query: string, style: TerminalStyle): string[] {
  const t = style.text;
  return [
    `Nothing known as ${t(JSON.stringify(query))}.`,
    `Rules: ${RULES.map((r) => t(r.meta.id)).join(', ')}.`,
    `Signatures: ${SIGNATURES.map((s) => t(s)).join(', ')}.`,
    'Error codes: a number (10061, 111, 61, -2) or a name (ECONNREFUSED, WSAETIMEDOUT, EAI_NONAME); DNS: NXDOMAIN, SERVFAIL.',
  ];
}

/**
 * Explain a rule id ("connection-refused"), a failure signature ("dns-nxdomain", "NXDOMAIN")
 * or an error code by number or name ("10061", "111", "wsaeconnrefused", "EAI_NONAME").
 */
export function explain(query: string, opts: TerminalOptions): ExplainResult {
  const style = terminalStyle(opts);
  const id = normalizeId(query);
  let lines: string[] | null = null;
  const meta = ruleById(id)?.meta;
  if (meta) {
    lines = explainRule(meta, style);
  } else if (isSignature(id)) {
    lines = explainSignature(id, style);
  } else if (Object.hasOwn(SIGNATURE_ALIASES, id)) {
    lines = explainSignature(SIGNATURE_ALIASES[id]!, style);
  } else {
    lines = explainCodes(query, style);
  }
  if (lines === null) return { text: `${notFound(query, style).join('\n')}\n`, found: false };
  return { text: `${lines.join('\n')}\n`, found: true };
}
