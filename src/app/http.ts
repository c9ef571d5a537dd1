/**
 * HTTP/1.x: the last request line (with its Host header) the client sent and the last status
 * line the server sent, from the kept bytes of each direction.
 * Ref: RFC 9112 §3 (request line), §4 (status line); RFC 9110 §9 (methods).
 */
import { endWords, lines, printableString } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamView } from './types.js';

const METHODS = 'GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|REPORT|SEARCH';
const REQUEST_LINE = new RegExp(`^(?:${METHODS}) [\\x21-\\x7e]{1,8000} HTTP/1\\.[01]$`);
const STATUS_LINE = /^HTTP\/1\.[01] [1-5]\d\d(?: [\x20-\x7e]*)?$/;
/** Only the first line of each stream decides whether it is HTTP at all. */
const REQUEST_START = new RegExp(`^(?:${METHODS}) `);

interface Found {
  line: string;
  host?: string;
}

/** The last line matching `re` in the kept bytes (tail first, then head), with the Host header after it. */
function lastMatch(s: StreamView, re: RegExp): Found | null {
  for (const part of [s.tail, s.head]) {
    const ls = lines(part);
    for (let i = ls.length - 1; i >= 0; i--) {
      if (!re.test(ls[i]!)) continue;
      const found: Found = { line: printableString(ls[i]!) };
      for (let j = i + 1; j < ls.length && j < i + 100 && ls[j] !== ''; j++) {
        const m = /^host:[ \t]*(.*)$/i.exec(ls[j]!);
        if (m) {
          found.host = printableString(m[1]!.trim(), 100);
          break;
        }
      }
      return found;
    }
  }
  return null;
}

/** The first line of a stream (up to 8 KiB), for recognising the protocol. */
function firstLine(s: StreamView): string {
  const b = s.head.subarray(0, 8192);
  const i = b.indexOf(0x0a);
  return String.fromCharCode(...b.subarray(0, i < 0 ? Math.min(b.length, 64) : i)).replace(/\r$/, '');
}

/** Whether the conversation is HTTP/1.x at all: the client's stream starts with a method, or the server's with "HTTP/1.". */
export function isHttp(streams: ConversationStreams): boolean {
  return REQUEST_START.test(firstLine(streams.client)) || firstLine(streams.server).startsWith('HTTP/1.');
}

/** The HTTP/1.x recogniser: the client's stream starts with a method, or the server's with "HTTP/1.". */
export function recogniseHttp(streams: ConversationStreams): ApplicationContext | null {
  const { client, server } = streams;
  if (!isHttp(streams)) return null;
  const request = lastMatch(client, REQUEST_LINE);
  const response = lastMatch(server, STATUS_LINE);
  if (!request && !response) return null;
  const ctx: ApplicationContext = { protocol: 'http', summary: '' };
  const parts: string[] = [];
  if (request) {
    ctx.request = request.line;
    if (request.host !== undefined) ctx.host = request.host;
    parts.push(`HTTP request "${request.line}"${request.host !== undefined ? ` (Host: ${request.host})` : ''}`);
  }
  if (response) {
    ctx.response = response.line;
    parts.push(`response "${response.line}"${endWords(server.ended)}`);
  } else {
    parts.push(`no response${server.ended === 'rst' ? '; the server reset the connection' : server.ended === 'fin' ? '; the server closed the connection' : ''}`);
  }
  ctx.summary = parts.join('; ');
  return ctx;
}
