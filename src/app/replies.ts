/**
 * Shared by the SMTP and FTP recognisers: both greet with a three-digit reply, take one
 * command per line, and answer each with a reply line (RFC 5321 §4.2, RFC 959 §4.2).
 */
import { lines, printableString } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamView } from './types.js';

/** A reply line: three digits, then space or "-" (multi-line), then text. */
export const REPLY_LINE = /^[1-5]\d\d[ -][\x20-\x7e]*$/;

/** The first line of the server's stream when it is a reply with one of `codes`. */
export function greeting(server: StreamView, codes: readonly string[]): string | null {
  const first = lines(server.head.subarray(0, 1024))[0] ?? '';
  return REPLY_LINE.test(first) && codes.includes(first.slice(0, 3)) ? printableString(first) : null;
}

/** The last line of the kept bytes that matches `re` (tail first, then head). */
export function lastLine(s: StreamView, re: RegExp): string | null {
  for (const part of [s.tail, s.head]) {
    const ls = lines(part);
    for (let i = ls.length - 1; i >= 0; i--) if (re.test(ls[i]!)) return ls[i]!;
  }
  return null;
}

/** A command line with its arguments dropped when they may be secret (AUTH, PASS, USER). */
export function safeCommand(line: string): string {
  const verb = /^[A-Za-z]{3,8}/.exec(line)?.[0] ?? '';
  if (/^(AUTH|PASS|USER|ACCT)$/i.test(verb)) return `${verb.toUpperCase()} …`;
  return printableString(line);
}

/**
 * The context of a line-based command/reply protocol (SMTP, FTP): its greeting, the client's last
 * command (credentials masked) and the server's last reply when it differs from the greeting.
 */
export function commandReplyContext(protocol: string, label: string, streams: ConversationStreams, hello: string, command: RegExp): ApplicationContext {
  const last = lastLine(streams.client, command);
  const reply = lastLine(streams.server, REPLY_LINE);
  const ctx: ApplicationContext = { protocol, summary: '', greeting: hello };
  const parts = [`${label} greeting "${hello}"`];
  if (last) {
    ctx.lastCommand = safeCommand(last);
    parts.push(`last command "${ctx.lastCommand as string}"`);
  }
  if (reply && printableString(reply) !== hello) {
    ctx.lastReply = printableString(reply);
    parts.push(`last reply "${ctx.lastReply as string}"`);
  }
  ctx.summary = parts.join('; ');
  return ctx;
}
