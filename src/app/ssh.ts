/**
 * SSH: the identification strings both sides send first ("SSH-2.0-OpenSSH_9.6").
 * Ref: RFC 4253 §4.2 (protocol version exchange).
 */
import { lines, printableString, startsWith } from './bytes.js';
import type { ApplicationContext, ConversationStreams, StreamView } from './types.js';

/** The identification line: the first line starting "SSH-" (servers may send other lines first). */
function identification(s: StreamView): string | null {
  if (!startsWith(s.head, 'SSH-') && s.head.indexOf(0x0a) < 0) return null;
  const ls = lines(s.head.subarray(0, 2048));
  for (let i = 0; i < ls.length - 1 && i < 20; i++) if (ls[i]!.startsWith('SSH-')) return printableString(ls[i]!, 255);
  return null;
}

/** The SSH recogniser. */
export function recogniseSsh(streams: ConversationStreams): ApplicationContext | null {
  const server = startsWith(streams.server.head, 'SSH-') || streams.serverPort === 22 ? identification(streams.server) : null;
  const client = startsWith(streams.client.head, 'SSH-') ? identification(streams.client) : null;
  if (!server && !client) return null;
  const ctx: ApplicationContext = { protocol: 'ssh', summary: '' };
  const parts: string[] = [];
  if (server) {
    ctx.serverBanner = server;
    parts.push(`SSH server ${server}`);
  }
  if (client) {
    ctx.clientBanner = client;
    parts.push(`${server ? 'client' : 'SSH client'} ${client}`);
  }
  if (!server) parts.push('no banner from the server');
  ctx.summary = parts.join('; ');
  return ctx;
}
