import { conversationStreams } from '../app/index.js';
import { applicationRefusal, type ApplicationRefusal } from '../app/refusal.js';
import { hostPort, type Rule } from './engine.js';
import type { ErrorCode } from './types.js';

/** Names of the MySQL errors met at connection time (MySQL Server Error Reference). */
const MYSQL_NAMES: Readonly<Record<number, string>> = {
  1040: 'ER_CON_COUNT_ERROR',
  1044: 'ER_DBACCESS_DENIED_ERROR',
  1045: 'ER_ACCESS_DENIED_ERROR',
  1049: 'ER_BAD_DB_ERROR',
  1129: 'ER_HOST_IS_BLOCKED',
  1130: 'ER_HOST_NOT_PRIVILEGED',
  1251: 'ER_NOT_SUPPORTED_AUTH_MODE',
};

const PROTOCOL_NAMES: Readonly<Record<ApplicationRefusal['protocol'], string>> = {
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  tds: 'SQL Server',
  smtp: 'SMTP',
  ftp: 'FTP',
  http: 'HTTP',
};

function codeName(r: ApplicationRefusal): string {
  switch (r.protocol) {
    case 'mysql':
      return MYSQL_NAMES[r.number!] ?? `MySQL error ${r.code}`;
    case 'tds':
      return `SQL Server error ${r.code}`;
    default:
      return `${PROTOCOL_NAMES[r.protocol]} ${r.code}`;
  }
}

/**
 * The same application error on every OS: a client library shows the server's code and text
 * whatever it runs on. PostgreSQL's SQLSTATE is not a number: no code, the text says it.
 */
function codesOf(r: ApplicationRefusal): ErrorCode[] {
  if (r.number === undefined) return [];
  const name = codeName(r);
  return (['windows', 'linux', 'macos'] as const).map((os) => ({ os, code: r.number!, name, message: r.message }));
}

/** What the usual clients print for the refusal, in our words around the server's own text. */
export function clientWords(r: ApplicationRefusal): string[] {
  switch (r.protocol) {
    case 'postgresql':
      return [
        `psql / libpq: connection to server … failed: ${r.severity}:  ${r.message}`,
        `JDBC: org.postgresql.util.PSQLException: ${r.severity}: ${r.message}`,
        `Npgsql: PostgresException: ${r.code}: ${r.message}`,
      ];
    case 'mysql':
      return [`mysql client: ERROR ${r.code}${r.sqlState ? ` (${r.sqlState})` : ''}: ${r.message}`, `Connector/J, Connector/NET: the same number ${r.code} and text`];
    case 'tds':
      return [`SqlClient: SqlException: ${r.message} (Number ${r.code}, State ${r.state}, Class ${r.errorClass})`, `SSMS: ${r.message} (Microsoft SQL Server, Error: ${r.code})`];
    case 'smtp':
    case 'ftp':
      return [`the client reports the server's reply: ${r.code} ${r.message}`];
    case 'http':
      return [`curl --fail: curl: (22) The requested URL returned error: ${r.code}`, `browsers and HTTP libraries: status ${r.code}${r.message ? ` ${r.message}` : ''}, an error page instead of the answer`];
  }
}

const WHAT: Readonly<Record<ApplicationRefusal['protocol'], string>> = {
  postgresql: 'refused the session at startup',
  mysql: 'refused the connection during its handshake',
  tds: 'refused the login',
  smtp: 'refused the client',
  ftp: 'refused the client',
  http: 'answered that the service was unavailable (a gateway without its back end, or a server over its limits)',
};

/** `application-refused`: the server's application said no, then the connection ended. */
export const applicationRefused: Rule = {
  meta: {
    id: 'application-refused',
    description: 'The server\'s application refused the client in its own protocol (a login failure, a host not allowed, a gateway error) and the connection ended.',
    severity: 'error',
    onTheWire: 'The TCP connection is made and the application protocol starts; the server answers with its error message (PostgreSQL ErrorResponse with severity FATAL, MySQL ERR packet in the connection phase, SQL Server TDS ERROR token answering LOGIN7, an SMTP or FTP 4xx/5xx reply, an HTTP 502/503/504) and the connection is closed or reset. The socket reported no error: the application read the server\'s refusal.',
    codes: codesOf({ protocol: 'tds', code: '18456', number: 18456, message: 'Login failed for user \'…\'.' }),
    causes: [
      'Wrong user name or password (PostgreSQL 28P01, MySQL 1045, SQL Server 18456 state 8, FTP 530).',
      'The server does not allow this client host or database (PostgreSQL pg_hba.conf "no pg_hba.conf entry", MySQL 1130, SQL Server 4060).',
      'The server is overloaded or shutting down (SMTP/FTP 421, MySQL 1040, PostgreSQL 53300).',
      'A policy rejects the client (SMTP 554 from a blocklist, 530 authentication required).',
      'A gateway, proxy or load balancer could not reach or get an answer from its back end (HTTP 502, 503, 504).',
    ],
    checks: [
      'Read the server\'s own code and text in the finding, and what the usual clients print for it: they name the cause (a password, a pg_hba.conf or host rule, a full server).',
      'For a login failure, check the server\'s log at that time: it says why (SQL Server logs 18456 with the state that names the reason).',
      'For a host or database refusal, check the server\'s access rules (pg_hba.conf, MySQL user@host grants, SQL Server logins and default database).',
      'For a gateway error, look at the gateway\'s back end: is it up, reachable, answering in time?',
    ],
    gist: 'the server\'s own refusal (login failed, service unavailable) before a close',
    differsFrom: 'A connection-reset or connection-refused is the network or the stack saying no; here the connection worked and the application said no in its own words, which the finding quotes. A TLS alert during the handshake is tls-handshake-failure.',
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        if (!c.established && !c.midstream) return;
        const ended = c.client.finFrame >= 0 || c.server.finFrame >= 0 || c.client.rstFrame >= 0 || c.server.rstFrame >= 0;
        if (!ended || c.server.stream === null) return;
        const r = applicationRefusal(conversationStreams(c));
        if (!r) return;
        const frames = [c.client.synFrames[0] ?? c.firstFrame, c.client.lastDataFrame, c.server.lastDataFrame, c.server.finFrame, c.client.finFrame, ...c.server.rstFrames, ...c.client.rstFrames].filter((x) => x >= 0);
        const codeText = r.protocol === 'tds' ? `error ${r.code}, state ${r.state}, class ${r.errorClass}` : r.protocol === 'postgresql' ? `${r.severity} ${r.code}` : r.code;
        ctx.report({
          frames,
          codes: codesOf(r),
          seenBy: 'client',
          summary: `${hostPort(c.client)} → ${hostPort(c.server)}: the ${PROTOCOL_NAMES[r.protocol]} server ${WHAT[r.protocol]} (${codeText}${r.message ? `: ${r.message}` : ''}); then the connection ended.`,
          details: { refusal: r, clientSees: clientWords(r) },
        });
      },
    };
  },
};
