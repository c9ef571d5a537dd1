import { describe, expect, it } from 'vitest';
import { failureKindOf, serviceFor, serviceMessage } from '../../src/rules/services.js';

describe('serviceFor', () => {
  it('knows SQL Server on tcp/1433 and its refusal message', () => {
    const sql = serviceFor('tcp', 1433)!;
    expect(sql.name).toBe('SQL Server');
    expect(sql.clientMessage).toBe(
      '(provider: TCP Provider, error: 0 - No connection could be made because the target machine actively refused it.) (Microsoft SQL Server, Error: 10061)',
    );
    expect(sql.checks.join('\n')).toMatch(/service/);
    expect(sql.checks.join('\n')).toMatch(/TCP\/IP is enabled .* SQL Server Configuration Manager/);
    expect(sql.checks.join('\n')).toMatch(/named instance uses a dynamic port/);
    expect(sql.checks.join('\n')).toMatch(/rejects gives a refusal at once; one that drops gives a timeout/);
  });

  it('SQL Server messages depend on how the connection failed', () => {
    const sql = serviceFor('tcp', 1433)!;
    expect(serviceMessage(sql, 'connection-refused')).toBe(sql.clientMessage);
    expect(serviceMessage(sql, 'connect-timeout')).toBe(
      '(provider: TCP Provider, error: 0 - A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.) (Microsoft SQL Server, Error: 10060)',
    );
    expect(serviceMessage(sql, 'connection-reset')).toMatch(/forcibly closed by the remote host\.\) \(Microsoft SQL Server, Error: 10054\)$/);
    expect(serviceMessage(sql, 'unreachable')).toMatch(/Error: 10065\)$/);
    expect(serviceMessage(sql, 'dns-nxdomain')).toBeUndefined();
  });

  it('knows SQL Server Browser on udp/1434 and its error 26', () => {
    const browser = serviceFor('udp', 1434)!;
    expect(browser.name).toBe('SQL Server Browser');
    expect(browser.clientMessage).toMatch(/error: 26 - Error Locating Server\/Instance Specified/);
    expect(serviceMessage(browser, 'udp-port-unreachable')).toBe(browser.clientMessage);
    expect(serviceMessage(browser, 'no-response')).toBe(browser.clientMessage);
    expect(browser.checks.join('\n')).toMatch(/Browser service is running/);
    expect(browser.checks.join('\n')).toMatch(/UDP 1434/);
    expect(browser.checks.join('\n')).toMatch(/instance name/);
  });

  it.each([
    ['tcp', 21, 'FTP'], ['tcp', 22, 'SSH'], ['tcp', 25, 'SMTP'], ['udp', 53, 'DNS'], ['tcp', 53, 'DNS'],
    ['tcp', 80, 'HTTP'], ['tcp', 88, 'Kerberos'], ['tcp', 110, 'POP3'], ['udp', 123, 'NTP'], ['tcp', 143, 'IMAP'],
    ['udp', 161, 'SNMP'], ['tcp', 389, 'LDAP'], ['tcp', 443, 'HTTPS'], ['tcp', 445, 'SMB'], ['udp', 514, 'syslog'],
    ['tcp', 636, 'LDAPS'], ['tcp', 993, 'IMAPS'], ['tcp', 995, 'POP3S'], ['tcp', 1521, 'Oracle'], ['tcp', 3306, 'MySQL'],
    ['tcp', 3389, 'RDP'], ['tcp', 5060, 'SIP'], ['udp', 5060, 'SIP'], ['tcp', 5432, 'PostgreSQL'], ['tcp', 5672, 'AMQP'],
    ['tcp', 6379, 'Redis'], ['tcp', 8080, 'HTTP-alt'], ['tcp', 9092, 'Kafka'], ['tcp', 11211, 'memcached'],
    ['tcp', 27017, 'MongoDB'],
  ] as const)('%s/%i is %s with generic checks', (proto, port, name) => {
    const service = serviceFor(proto, port)!;
    expect(service.name).toBe(name);
    expect(service.checks[0]).toBe(`${name} is running and listening on ${proto}/${port} on the server address`);
    expect(service.checks[1]).toMatch(new RegExp(`allow ${proto}/${port}$`));
    expect(service.clientMessage).toBeUndefined();
  });

  it('does not invent services', () => {
    expect(serviceFor('udp', 22)).toBeUndefined();
    expect(serviceFor('tcp', 1434)).toBeUndefined();
    expect(serviceFor('tcp', 49152)).toBeUndefined();
  });

  it('shares entries read-only', () => {
    expect(Object.isFrozen(serviceFor('tcp', 1433))).toBe(true);
    expect(Object.isFrozen(serviceFor('tcp', 22)!.checks)).toBe(true);
  });
});

describe('failureKindOf', () => {
  it('maps connection signatures to failure kinds', () => {
    expect(failureKindOf('connection-refused')).toBe('refused');
    expect(failureKindOf('connect-timeout')).toBe('timeout');
    expect(failureKindOf('connection-reset')).toBe('reset');
    expect(failureKindOf('udp-port-unreachable')).toBe('unreachable');
    expect(failureKindOf('dns-timeout')).toBeUndefined();
  });
});
