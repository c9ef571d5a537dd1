/**
 * SMTP: the server's greeting, the client's last command and the server's last reply.
 * Ref: RFC 5321 §3.1 (greeting), §4.1 (commands), §4.2 (replies).
 */
import { commandReplyContext, greeting } from './replies.js';
import type { ApplicationContext, ConversationStreams } from './types.js';

const SMTP_PORTS = new Set([25, 587, 2525]);
const COMMAND = /^(?:EHLO|HELO|MAIL FROM|RCPT TO|DATA|RSET|QUIT|STARTTLS|AUTH|NOOP|VRFY)\b/i;

/** The SMTP recogniser: a 220/421/554 greeting that names SMTP, or one on an SMTP port. */
export function recogniseSmtp(streams: ConversationStreams): ApplicationContext | null {
  const { server, serverPort } = streams;
  const hello = greeting(server, ['220', '421', '554']);
  if (!hello || !(SMTP_PORTS.has(serverPort) || /SMTP|mail/i.test(hello))) return null;
  return commandReplyContext('smtp', 'SMTP', streams, hello, COMMAND);
}
