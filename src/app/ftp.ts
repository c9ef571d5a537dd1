/**
 * FTP control connection: the server's greeting, the client's last command and the server's
 * last reply. Ref: RFC 959 §4.1 (commands), §4.2 (replies), §5.4 (greeting 220/120/421).
 */
import { commandReplyContext, greeting } from './replies.js';
import type { ApplicationContext, ConversationStreams } from './types.js';

const COMMAND = /^(?:USER|PASS|ACCT|CWD|CDUP|QUIT|PORT|PASV|EPSV|EPRT|TYPE|RETR|STOR|LIST|NLST|PWD|SYST|FEAT|AUTH|PBSZ|PROT|SIZE|MDTM|DELE|MKD|RMD|RNFR|RNTO|OPTS|NOOP)\b/i;

/** The FTP recogniser: a 220/120/421 greeting on port 21 or one that names FTP. */
export function recogniseFtp(streams: ConversationStreams): ApplicationContext | null {
  const { server, serverPort } = streams;
  const hello = greeting(server, ['220', '120', '421']);
  if (!hello || !(serverPort === 21 || /FTP/i.test(hello))) return null;
  return commandReplyContext('ftp', 'FTP', streams, hello, COMMAND);
}
