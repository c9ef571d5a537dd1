/**
 * Redis (RESP): the client's last command name (never its arguments: AUTH carries a
 * password) and the server's last error or status reply.
 * Ref: Redis serialization protocol specification (RESP2/RESP3).
 */
import { lines, printableString } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamView } from './types.js';

/** Command names from RESP arrays ("*2\r\n$4\r\nAUTH\r\n…") in the kept bytes, in order (bounded). */
function commands(s: StreamView): string[] {
  const out: string[] = [];
  for (const part of [s.head, s.tail]) {
    const ls = lines(part);
    for (let i = 0; i + 2 < ls.length && out.length < 256; i++) {
      if (/^\*\d{1,6}$/.test(ls[i]!) && /^\$\d{1,6}$/.test(ls[i + 1]!) && /^[A-Za-z]{1,20}$/.test(ls[i + 2]!)) out.push(ls[i + 2]!.toUpperCase());
    }
  }
  return out;
}

/** The Redis recogniser: a RESP array at the start of the client's stream, or port 6379 with a RESP reply. */
export function recogniseRedis(streams: ConversationStreams): ApplicationContext | null {
  const { client, server, serverPort } = streams;
  const respClient = client.head.length > 4 && client.head[0] === 0x2a && /^\*\d{1,6}\r\n\$/.test(String.fromCharCode(...client.head.subarray(0, 12)));
  const first = server.head[0];
  const respServer = serverPort === 6379 && (first === 0x2b || first === 0x2d);
  if (!respClient && !respServer) return null;
  const cmds = commands(client);
  let reply: string | null = null;
  for (const part of [server.tail, server.head]) {
    const ls = lines(part);
    for (let i = ls.length - 1; i >= 0 && reply === null; i--) if (/^[-+][\x20-\x7e]+$/.test(ls[i]!)) reply = ls[i]!;
    if (reply) break;
  }
  const ctx: ApplicationContext = { protocol: 'redis', summary: '' };
  const parts: string[] = [];
  if (cmds.length > 0) {
    ctx.lastCommand = cmds[cmds.length - 1]!;
    parts.push(`Redis command ${ctx.lastCommand as string}`);
  } else {
    parts.push('Redis');
  }
  if (reply) {
    ctx.lastReply = printableString(reply);
    parts.push(`${reply.startsWith('-') ? 'error' : 'reply'} "${ctx.lastReply as string}"`);
  }
  ctx.summary = parts.join('; ');
  return ctx;
}
