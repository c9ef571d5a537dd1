import { conversationStreams, endOf } from '../app/index.js';
import { tlsHandshakeFailure, type TlsHandshakeFailure } from '../app/tls.js';
import type { TcpConversation, TcpEndpoint } from '../flow/tcp.js';
import {
  CERTIFICATE_ALERTS,
  tlsAlertClientMessages,
  tlsAlertReceivedCodes,
  tlsCertificateRejectedCodes,
  tlsCertificateRejectedMessages,
} from './codes.js';
import { hostPort, type Rule } from './engine.js';

/** The failure a TCP conversation's bytes show, if its handshake ended without completing. */
export function handshakeFailureOf(c: TcpConversation): TlsHandshakeFailure | null {
  if (c.client.stream === null) return null;
  return tlsHandshakeFailure(conversationStreams(c));
}

function offered(f: TlsHandshakeFailure): string {
  const bits: string[] = [];
  if (f.hello.sni !== undefined) bits.push(`SNI ${f.hello.sni}`);
  if (f.hello.versions.length > 0) bits.push(`offering ${f.hello.versions.join(', ')}`);
  return bits.length > 0 ? ` (${bits.join(', ')})` : '';
}

function closing(e: TcpEndpoint, who: string): string {
  const end = endOf(e);
  return end === 'rst' ? `, and the ${who} reset the connection` : end === 'fin' ? `, and the ${who} closed the connection` : '';
}

/** `tls-handshake-failure`: a TLS alert (or a TLS 1.3 client's encrypted one) ended the handshake. */
export const tlsHandshakeFailureRule: Rule = {
  meta: {
    id: 'tls-handshake-failure',
    description: 'A TLS handshake ended with an alert instead of completing: one side refused the other\'s ClientHello, certificate or parameters.',
    severity: 'error',
    onTheWire: 'The client sends a ClientHello; the server answers with a plaintext TLS alert (7 bytes: type 21, level, description) instead of a ServerHello, or in TLS 1.2 and earlier one side sends a plaintext alert before its ChangeCipherSpec; the sender then closes or resets. In TLS 1.3 a client that rejects the server\'s certificate may send its alert encrypted (Java does; OpenSSL 3 sends it in plaintext): one record too short for a Finished right after the server\'s flight, then a close; that shape is reported at warning, as an inference.',
    codes: tlsAlertReceivedCodes(40),
    causes: [
      'No protocol version in common (a client offering only TLS 1.3 to a TLS 1.2 server, or TLS 1.0/1.1 to a server that no longer accepts them): protocol_version.',
      'No cipher suite, group or signature algorithm in common: handshake_failure or insufficient_security.',
      'The server does not know the name the client asked for (SNI) and refuses it: unrecognized_name, or handshake_failure.',
      'The client does not trust the server\'s certificate (unknown issuer, expired, wrong name): unknown_ca, certificate_expired, bad_certificate from the client.',
      'The server requires a client certificate the client did not send, or does not trust it: certificate_required, handshake_failure, unknown_ca from the server.',
      'A TLS-intercepting proxy or middlebox refusing the connection.',
    ],
    checks: [
      'The finding names the alert, which side sent it, and the SNI and versions the ClientHello offered: compare them with what the server accepts.',
      'Compare the versions and cipher suites the client offers (openssl s_client -connect host:port -servername NAME -tls1_2 / -tls1_3) with what the server accepts (nmap --script ssl-enum-ciphers -p PORT host).',
      'For certificate alerts: openssl s_client -connect host:port -servername NAME -showcerts, and check the chain, the dates and the names against the client\'s trust store.',
      'Check the server\'s TLS configuration for the SNI name the client sent (virtual hosts, certificates per name).',
    ],
    gist: 'a TLS alert that ends the handshake',
    differsFrom: 'A connection-reset whose application context shows a ClientHello and no alert is a server that hung up without saying why (often a plain-TCP service or a proxy); here the refusal is a TLS alert, and its code names the reason. Windows reports a received alert as 0x80090326 SEC_E_ILLEGAL_MESSAGE whatever the alert; OpenSSL-based clients (curl (35), Python, Node.js) quote the alert\'s name ("sslv3 alert handshake failure").',
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        const f = handshakeFailureOf(c);
        if (!f) return;
        const base = `${hostPort(c.client)} → ${hostPort(c.server)}: TLS handshake${offered(f)}`;
        const frames = [c.client.synFrames[0] ?? c.firstFrame, c.client.lastDataFrame, c.server.lastDataFrame, c.client.finFrame, c.server.finFrame, ...c.client.rstFrames, ...c.server.rstFrames].filter((x) => x >= 0);
        const details: Record<string, unknown> = {
          kind: f.kind,
          sentBy: f.sentBy,
          clientHello: f.hello,
          ...(f.serverVersion ? { serverVersion: f.serverVersion } : {}),
        };
        if (f.kind === 'encrypted-alert') {
          ctx.report({
            frames,
            severity: 'warning',
            codes: tlsCertificateRejectedCodes(48),
            seenBy: 'client',
            summary: `${base}: the server chose TLS 1.3 and sent its flight; the client answered with one short encrypted record instead of its Finished${closing(c.client, 'client')}. The client most likely rejected the server's certificate (an inference: the alert is encrypted).`,
            details: { ...details, inference: 'The record is too short for a Finished and has the size of an encrypted alert; its content is not visible in TLS 1.3. A certificate the client does not trust is the usual reason.', clientErrors: tlsCertificateRejectedMessages() },
          });
          return;
        }
        const alert = f.alert!;
        const alertWords = `${alert.level === 'unknown' ? '' : `${alert.level} `}alert ${alert.description} (${alert.code})`;
        if (f.sentBy === 'server') {
          ctx.report({
            frames,
            codes: tlsAlertReceivedCodes(alert.code),
            seenBy: 'client',
            summary: `${base}: the server answered with a ${alertWords}${f.serverVersion ? ` after choosing ${f.serverVersion}` : ' instead of a ServerHello'}${closing(c.server, 'server')}: the handshake failed.`,
            details: { ...details, alert, clientErrors: tlsAlertClientMessages(alert.code, alert.description) },
          });
          return;
        }
        if (CERTIFICATE_ALERTS.has(alert.code)) {
          ctx.report({
            frames,
            codes: tlsCertificateRejectedCodes(alert.code),
            seenBy: 'client',
            summary: `${base}: the client rejected the server's certificate with a ${alertWords}${closing(c.client, 'client')}.`,
            details: { ...details, alert, clientErrors: tlsCertificateRejectedMessages(), serverErrors: tlsAlertClientMessages(alert.code, alert.description) },
          });
          return;
        }
        // Any other client alert: the client refused the server's choice; its server logs the alert.
        ctx.report({
          frames,
          codes: tlsAlertReceivedCodes(alert.code),
          seenBy: 'server',
          summary: `${base}: the client refused the server's answer${f.serverVersion ? ` (${f.serverVersion})` : ''} with a ${alertWords}${closing(c.client, 'client')}.`,
          details: { ...details, alert, serverErrors: tlsAlertClientMessages(alert.code, alert.description) },
        });
      },
    };
  },
};
