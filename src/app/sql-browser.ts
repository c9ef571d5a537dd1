/**
 * SQL Server Browser (SSRP) on UDP 1434: which instance the client asked for and which
 * instances and TCP ports the server listed — the port a named instance really uses.
 * Ref: [MC-SQLR] §2.2.1–2.2.5 (requests), §2.2.5 (SVR_RESP).
 */
import { printable, printableString } from './bytes.js';
import type { ApplicationContext } from './types.js';

/** SQL Server Browser's UDP port ([MC-SQLR] §2.1.1). */
export const SQL_BROWSER_PORT = 1434;

// Request types ([MC-SQLR] §2.2).
const CLNT_BCAST_EX = 0x02;
const CLNT_UCAST_EX = 0x03;
const CLNT_UCAST_INST = 0x04;
const CLNT_UCAST_DAC = 0x0f;
const SVR_RESP = 0x05;
/** Instances listed from one response. */
const MAX_INSTANCES = 16;

/** One datagram of the exchange. */
export interface BrowserDatagram {
  fromClient: boolean;
  bytes: Uint8Array;
}

/** One instance as a SVR_RESP lists it. */
export interface BrowserInstance {
  server?: string;
  instance?: string;
  version?: string;
  /** TCP port, when the instance listens on TCP. */
  tcp?: number;
}

/** Parse RESP_DATA: "ServerName;A;InstanceName;B;IsClustered;No;Version;15.0.2000.5;tcp;1433;;" per instance. */
export function parseBrowserResponse(bytes: Uint8Array): BrowserInstance[] | null {
  if (bytes.length < 3 || bytes[0] !== SVR_RESP) return null;
  const size = bytes[1]! | (bytes[2]! << 8);
  const data = bytes.subarray(3, Math.min(bytes.length, 3 + size));
  let text = '';
  for (let i = 0; i < data.length; i++) text += String.fromCharCode(data[i]!);
  const out: BrowserInstance[] = [];
  for (const record of text.split(';;')) {
    if (out.length >= MAX_INSTANCES) break;
    const f = record.split(';');
    if (f.length < 2) continue;
    const inst: BrowserInstance = {};
    for (let i = 0; i + 1 < f.length; i += 2) {
      const key = f[i]!.toLowerCase();
      const value = f[i + 1]!;
      if (key === 'servername') inst.server = printableString(value, 64);
      else if (key === 'instancename') inst.instance = printableString(value, 64);
      else if (key === 'version') inst.version = printableString(value, 32);
      else if (key === 'tcp' && /^\d{1,5}$/.test(value) && Number(value) <= 65535) inst.tcp = Number(value);
    }
    if (inst.instance !== undefined || inst.server !== undefined) out.push(inst);
  }
  return out;
}

/** What a request asked for, or null when the first byte is not a known request type. */
export function parseBrowserRequest(bytes: Uint8Array): { request: string; instance?: string; oversized?: number } | null {
  const type = bytes[0];
  const name = (from: number): string | undefined => {
    const rest = bytes.subarray(from, Math.min(bytes.length, from + 33));
    const end = rest.indexOf(0);
    const v = rest.subarray(0, end < 0 ? rest.length : end);
    return v.length > 0 ? printable(v, 64) : undefined;
  };
  switch (type) {
    case CLNT_BCAST_EX:
      return { request: 'CLNT_BCAST_EX' };
    case CLNT_UCAST_EX:
      return { request: 'CLNT_UCAST_EX' };
    case CLNT_UCAST_INST: {
      const instance = name(1);
      // An instance name is at most 32 bytes and ends with NUL; a longer one is not a valid
      // request (the SQL Slammer worm sent 0x04 and 375 bytes of overflow).
      const nul = bytes.indexOf(0, 1);
      const length = nul < 0 ? bytes.length - 1 : nul - 1;
      const base = instance !== undefined ? { request: 'CLNT_UCAST_INST', instance } : { request: 'CLNT_UCAST_INST' };
      return length > 32 ? { ...base, oversized: length } : base;
    }
    case CLNT_UCAST_DAC: {
      const instance = name(2);
      return instance !== undefined ? { request: 'CLNT_UCAST_DAC', instance } : { request: 'CLNT_UCAST_DAC' };
    }
    default:
      return null;
  }
}

/** The SQL Server Browser recogniser for a UDP 1434 exchange's kept datagrams. */
export function recogniseSqlBrowser(datagrams: readonly BrowserDatagram[]): ApplicationContext | null {
  let request: ReturnType<typeof parseBrowserRequest> = null;
  let instances: BrowserInstance[] | null = null;
  for (const d of datagrams) {
    if (d.fromClient && !request) request = parseBrowserRequest(d.bytes);
    else if (!d.fromClient && !instances) instances = parseBrowserResponse(d.bytes);
  }
  if (!request && !instances) return null;
  const ctx: ApplicationContext = { protocol: 'sql-browser', summary: '' };
  const parts: string[] = [];
  if (request) {
    ctx.request = request.request;
    if (request.instance !== undefined) ctx.instance = request.instance;
    if (request.oversized !== undefined) {
      ctx.oversizedInstanceName = request.oversized;
      parts.push(`SQL Server Browser ${request.request} with a ${request.oversized}-byte instance name (over the 32-byte limit: not a valid request; an exploit such as SQL Slammer sends this)`);
    } else {
      parts.push(`SQL Server Browser ${request.request}${request.instance !== undefined ? ` for instance ${request.instance}` : ''}`);
    }
  } else {
    parts.push('SQL Server Browser');
  }
  if (instances) {
    ctx.instances = instances;
    const listed = instances.map((i) => `${i.instance ?? '?'}${i.tcp !== undefined ? ` on tcp ${i.tcp}` : ' (no TCP port)'}`);
    parts.push(instances.length > 0 ? `server lists ${listed.join(', ')}` : 'server lists no instance');
  } else {
    parts.push('no response');
  }
  ctx.summary = parts.join('; ');
  return ctx;
}
