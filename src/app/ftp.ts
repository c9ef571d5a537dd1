/**
 * FTP control connection: the server's greeting, the client's last command and the server's
 * last reply. Ref: RFC 959 §4.1 (commands), §4.2 (replies), §5.4 (greeting 220/120/421).
 */
import { printableString } from './bytes.js';
import { greeting, lastLine, REPLY_LINE, safeCommand } from './replies.js';
import type { ApplicationContext, ConversationStreams } from './types.js';

const COMMAND = /^(?:USER|PASS|ACCT|CWD|CDUP|QUIT|PORT|PASV|EPSV|EPRT|TYPE|RETR|STOR|LIST|NLST|PWD|SYST|FEAT|AUTH|PBSZ|PROT|SIZE|MDTM|DELE|MKD|RMD|RNFR|RNTO|OPTS|NOOP)\b/i;

/** The FTP recogniser: a 220/120/421 greeting on port 21 or one that names FTP. */
export function recogniseFtp(streams: ConversationStreams): ApplicationContext | null {
  const { client, server, serverPort } = streams;
  const hello = greeting(server, ['220', '120', '421']);
  if (!hello || !(serverPort === 21 || /FTP/i.test(hello))) return null;
  const command = lastLine(client, COMMAND);
  const reply = lastLine(server, REPLY_LINE);
  const ctx: ApplicationContext = { protocol: 'ftp', summary: '', greeting: hello };
  const parts = [`FTP greeting "${hello}"`];
  if (command) {
    ctx.lastCommand = safeCommand(command);
    parts.push(`last command "${ctx.lastCommand as string}"`);
  }
  if (reply && printableString(reply) !== hello) {
    ctx.lastReply = printableString(reply);
    parts.push(`last reply "${ctx.lastReply as string}"`);
  }
  ctx.summary = parts.join('; ');
  return ctx;
}
