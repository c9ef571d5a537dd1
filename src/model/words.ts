/**
 * The words every stage writes the same way: times, endpoints, durations, display filters and
 * counts. One module, importing nothing of ours, so a rule's summary, the text report, the HTML
 * page and the MCP tools cannot drift apart ("10.0.0.1:80" in one place and "10.0.0.1 80" in
 * another).
 */

/** Format a timestamp as ISO 8601 UTC with `precision` fractional digits (6 or 9). */
export function isoTime(sec: number, nsec: number, precision: number): string {
  const ms = sec * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `${sec}.${String(nsec).padStart(9, '0')}`;
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = String(nsec).padStart(9, '0').slice(0, precision);
  return `${base}.${frac}Z`;
}

/** Split a double time in seconds into [sec, nsec]. */
export function splitTime(t: number): [number, number] {
  const sec = Math.floor(t);
  return [sec, Math.min(999_999_999, Math.round((t - sec) * 1e9))];
}

/** Seconds with millisecond precision, for details. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** "10.0.0.1:40000" or "[fe80::1]:40000". */
export function hostPort(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** {@link hostPort}, or the address alone for an endpoint without a port (port -1). */
export function endpointLabel(e: { address: string; port: number }): string {
  return e.port < 0 ? e.address : hostPort(e);
}

/** A duration for people: "0.2 ms", "35 ms", "3.0 s", "2 min 7 s". */
export function humanDuration(seconds: number): string {
  if (seconds < 0.001) return `${(seconds * 1000).toFixed(2)} ms`;
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  // Round first, so 3599.8 s reads "60 min 0 s", not "59 min 60 s".
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  return `${m} min ${whole - m * 60} s`;
}

/** "1 capture", "3 captures", "2 other files": a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a display filter needs of a conversation (a flow table's conversation fits). */
export interface FilterSubject {
  kind: 'tcp' | 'udp';
  ipVersion: number;
  client: { address: string; port: number };
  server: { address: string; port: number };
  /** Outer VLAN id, or -1 when untagged. */
  vlanOuter: number;
}

/** A Wireshark display filter that shows the conversation (and ICMP errors quoting it). */
export function displayFilter(flow: FilterSubject): string {
  const proto = flow.kind;
  // IPv6 addresses are matched by ipv6.addr, IPv4 ones by ip.addr.
  const f = flow.ipVersion === 6 ? 'ipv6.addr' : 'ip.addr';
  const a = flow.client;
  const b = flow.server;
  const parts = [`${f} == ${a.address}`, `${proto}.port == ${a.port}`, `${f} == ${b.address}`, `${proto}.port == ${b.port}`];
  if (flow.vlanOuter >= 0) parts.push(`vlan.id == ${flow.vlanOuter}`);
  return parts.join(' && ');
}
