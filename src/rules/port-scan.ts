import { TCP_SYN, type Packet } from '../decode/packet.js';
import { codesFor } from './codes.js';
import { humanDuration, round3, splitTime, type Rule } from './engine.js';
import { BoundedMap, conversationHostKey, count, ExplainedSample, hostKey, hostKeyText, hostText, isProbeShaped, PortSet, portRanges } from './probe-shape.js';

/** Distinct ports probed on one host that make a vertical scan (nmap's default scan probes 1,000). */
export const SCAN_PORTS = 20;
/** Distinct hosts probed on one port that make a horizontal sweep. */
export const SWEEP_HOSTS = 50;
/**
 * Sources followed at once. A flood from random addresses churns through them (each source is
 * seen once and forgotten); a scanner stays, since it keeps sending.
 */
const MAX_SOURCES = 4096;
/** Hosts (vertical) or ports (horizontal) followed per source until it is judged. */
const MAX_TARGETS_PER_SOURCE = 32;
/** Attempts remembered per source to recognise a stack's SYN retries (Windows retries 3 s later). */
const RECENT_ATTEMPTS = 64;
/** Open ports listed in a finding at most. */
const MAX_OPEN_PORTS = 64;
/** Hosts counted per scanner at most (beyond, "at least"). */
const MAX_COUNTED_HOSTS = 65_536;

/** A 31-bit key of one attempt: its ports and destination host. */
function attemptKey(p: Packet, host: number | string): number {
  const h = typeof host === 'number' ? host : p.addr[7]!;
  return (Math.imul((p.srcPort << 16) | p.dstPort, 0x9e3779b1) ^ Math.imul(h, 0x85ebca6b)) & 0x7fffffff;
}

/**
 * What one source sent, and the answers it got, from its first attempt: the answers are counted
 * before it is judged a scanner, since the probes before the judgement were answered too.
 */
interface SourceProbes {
  /** The source's host key (its address as text is made only for its finding). */
  key: number | string;
  ipVersion: number;
  attempts: number;
  /**
   * Conversations in which the source sent payload or a FIN (counted at the first of them, as
   * either side): a scanner uses (almost) none of its connections.
   */
  engaged: number;
  /**
   * SYNs that repeat one of the source's recent attempts (same ports and host): a client's stack
   * retrying. A scanner sends each probe once (nmap retries from a new source port).
   */
  retries: number;
  /** Keys of the source's latest attempts (a ring), for `retries`. */
  recent: Int32Array | null;
  recentAt: number;
  /** Key of the first attempt (the ring is made at the second: a flood's sources send one). */
  firstKey: number;
  firstTime: number;
  lastTime: number;
  firstFrame: number;
  lastFrame: number;
  /** The first host and port it tried (the finding's server when it swept many). */
  firstHost: number | string;
  firstPort: number;
  /**
   * Host key → distinct ports probed there (until the source is judged; made at the second
   * attempt: most sources make one).
   */
  portsByHost: Map<number | string, Set<number>> | null;
  /** Port → distinct hosts probed on it (until the source is judged). */
  hostsByPort: Map<number, Set<number | string>> | null;
  /** SYN-ACKs sent to the source (open ports, nmap's count). */
  synAcks: number;
  /** RSTs without SYN sent to the source (closed ports). */
  resets: number;
  /**
   * The first port that answered with a SYN-ACK, or -1: `openPorts` is made at the second
   * (a flood's sources, answered once each, make no set).
   */
  firstOpenPort: number;
  /** Distinct ports that answered with a SYN-ACK, at most MAX_OPEN_PORTS. */
  openPorts: Set<number> | null;
  scan: ScanFacts | null;
}

/** A scanner's facts, for its one finding. */
interface ScanFacts {
  kind: 'vertical' | 'horizontal';
  ports: PortSet;
  hosts: Set<number | string>;
  /** Host key → text, for the hosts named in the finding. */
  hostNames: Map<number | string, string>;
  explained: ExplainedSample;
  reported: boolean;
}

/**
 * `port-scan`: one source probing many ports of a host, or one port on many hosts, with
 * connection attempts it never uses: one finding for the scan; its probes get none of their own.
 */
export const portScan: Rule = {
  meta: {
    id: 'port-scan',
    description: 'One source probes many ports or hosts with connection attempts it never uses (a port scan or a host sweep): one finding for the scan instead of one per probe.',
    severity: 'warning',
    onTheWire: `One source sends SYNs to at least ${SCAN_PORTS} ports of one host (a vertical scan, nmap -sS / -sT) or to one port on at least ${SWEEP_HOSTS} hosts (a sweep, masscan), and sends no data and no FIN on them: a SYN per port, answered by SYN-ACK (open: the scanner resets or drops it), RST (closed) or nothing (filtered). The probes are judged from the traffic's shape as the packets arrive, so each probe conversation is set aside when it is decided; a conversation in which the source sent data or closed in order is not a probe and keeps its own finding.`,
    // What a client of a scanned service, or a connect() scan itself, meets on filtered ports;
    // the finding itself cites no code: the scanner expects its probes to fail.
    codes: codesFor('connect-timeout'),
    causes: [
      'A port scanner (nmap, masscan, zmap) run on purpose: a security audit, an inventory, a monitoring check.',
      'A compromised or infected host looking for services to attack (SSH, SMB, RDP, databases).',
      'A misconfigured client or service discovery that tries a range of ports or addresses.',
    ],
    checks: [
      'Find out who runs the source host and whether the scan was expected (scheduled audit, vulnerability scanner).',
      'If it was not: isolate the source, check it for malware, and look at what the open ports it found expose.',
      'Check the firewall logs for the same source: which of the probed ports are allowed through.',
      'Look at the conversations with open ports (SYN-ACK) for anything beyond the probe (a banner grab, a login attempt).',
    ],
    gist: 'one source probing many ports or hosts with SYNs it never uses',
    differsFrom: 'A client whose connections fail (connect-timeout, connection-refused) retries one port of one host and sends data when it connects; a scanner touches many ports or hosts once each and never sends data. A SYN flood (syn-flood) comes from many (usually spoofed) sources, one SYN each, to one service.',
  },
  create(ctx) {
    const sources = new BoundedMap<number | string, SourceProbes>(MAX_SOURCES, (s) => {
      // A scanner that went quiet long enough to be forgotten is reported now.
      if (s.scan && !s.scan.reported) reportScan(s);
    });

    function reportScan(s: SourceProbes): void {
      const scan = s.scan!;
      if (scan.reported) return;
      scan.reported = true;
      const span = s.lastTime - s.firstTime;
      const address = hostKeyText(s.key, s.ipVersion);
      const silent = Math.max(0, s.attempts - s.synAcks - s.resets);
      const openPorts = s.openPorts !== null ? [...s.openPorts].sort((a, b) => a - b) : s.firstOpenPort >= 0 ? [s.firstOpenPort] : [];
      const hostList = [...scan.hostNames.values()];
      const oneHost = scan.hosts.size === 1;
      const onePort = scan.ports.size === 1;
      const target = oneHost ? hostList[0]! : `${count(scan.hosts.size)} hosts`;
      const what = scan.kind === 'vertical' || !onePort ? `${count(scan.ports.size)} ports on ${target}` : `port ${[...scan.ports][0]} on ${count(scan.hosts.size)} hosts`;
      const answers = `${count(openPorts.length)} open (SYN-ACK), ${count(s.resets)} closed (RST), about ${count(silent)} unanswered`;
      const v6 = s.ipVersion === 6;
      const field = v6 ? 'ipv6' : 'ip';
      const filter = `${field}.src == ${address} && tcp.flags.syn == 1 && tcp.flags.ack == 0`;
      const frames = scan.explained.frames.length > 0 ? scan.explained.frames : [s.firstFrame, s.lastFrame];
      ctx.reportCapture({
        protocol: 'tcp',
        client: { address, port: -1 },
        server: { address: oneHost ? hostList[0]! : hostKeyText(s.firstHost, s.ipVersion), port: onePort ? [...scan.ports][0]! : -1 },
        stream: scan.explained.frames.length > 0 ? scan.explained.firstStream : -1,
        frames,
        start: splitTime(s.firstTime),
        end: splitTime(s.lastTime),
        codes: [],
        summary: `${address} probed ${what} with ${count(s.attempts)} connection attempts in ${humanDuration(span)} and used none of them (${scan.kind === 'vertical' ? 'a port scan' : 'a host sweep'}): ${answers}. Its ${count(scan.explained.count)} probe conversations get no finding of their own; they are not application failures.`,
        details: {
          kind: scan.kind,
          attempts: s.attempts,
          ports: scan.ports.size,
          portRanges: portRanges(scan.ports),
          hosts: scan.hosts.size,
          targets: hostList.slice(0, 16),
          openPorts,
          synAcks: s.synAcks,
          resets: s.resets,
          durationSeconds: round3(span),
          attemptsPerSecond: span > 0 ? Math.round(s.attempts / span) : s.attempts,
          explainedConversations: scan.explained.count,
        },
        filter,
      });
    }

    /** Count the attempt as a retry when it repeats one of the source's recent ones. */
    function noteRetry(s: SourceProbes, p: Packet, host: number | string): void {
      const key = attemptKey(p, host);
      if (s.recent === null) {
        s.recent = new Int32Array(RECENT_ATTEMPTS).fill(-1);
        s.recent[0] = s.firstKey;
        s.recentAt = 1;
      }
      const ring = s.recent;
      if (ring.includes(key)) s.retries++;
      else {
        ring[s.recentAt] = key;
        s.recentAt = (s.recentAt + 1) % RECENT_ATTEMPTS;
      }
    }

    /** Record the probe in the source's per-target sets; judge it a scanner at the thresholds. */
    function judge(s: SourceProbes, p: Packet, host: number | string): void {
      if (s.portsByHost === null || s.hostsByPort === null) {
        // The second attempt: the sets start with the first.
        s.portsByHost = new Map([[s.firstHost, new Set([s.firstPort])]]);
        s.hostsByPort = new Map([[s.firstPort, new Set([s.firstHost])]]);
      }
      const port = p.dstPort;
      let ports = s.portsByHost.get(host);
      if (ports === undefined && s.portsByHost.size < MAX_TARGETS_PER_SOURCE) s.portsByHost.set(host, (ports = new Set()));
      if (ports !== undefined && ports.size < SCAN_PORTS) ports.add(port);
      let hosts = s.hostsByPort.get(port);
      if (hosts === undefined && s.hostsByPort.size < MAX_TARGETS_PER_SOURCE) s.hostsByPort.set(port, (hosts = new Set()));
      if (hosts !== undefined && hosts.size < SWEEP_HOSTS) hosts.add(host);
      const vertical = ports !== undefined && ports.size >= SCAN_PORTS;
      const horizontal = hosts !== undefined && hosts.size >= SWEEP_HOSTS;
      // A client that uses its connections (data, orderly closes) or whose stack retries its SYNs
      // is no scanner, whatever it tries (a peer-to-peer client working through its host cache).
      if ((!vertical && !horizontal) || s.engaged * 2 >= s.attempts || s.retries * 4 >= s.attempts) return;
      const scan: ScanFacts = { kind: vertical ? 'vertical' : 'horizontal', ports: new PortSet(), hosts: new Set(), hostNames: new Map(), explained: new ExplainedSample(), reported: false };
      // What was seen before the judgement is counted from the sets kept so far.
      for (const [h, set] of s.portsByHost) {
        scan.hosts.add(h);
        for (const x of set) scan.ports.add(x);
      }
      for (const [x, set] of s.hostsByPort) {
        scan.ports.add(x);
        for (const h of set) scan.hosts.add(h);
      }
      // The hosts probed before the judgement are named too (a sweep's first ones come first).
      for (const h of scan.hosts) {
        if (scan.hostNames.size >= 16) break;
        scan.hostNames.set(h, h === host ? hostText(p, 4) : hostKeyText(h, s.ipVersion));
      }
      s.scan = scan;
      s.portsByHost = null;
      s.hostsByPort = null;
    }

    // Only the handshake's and the close's events: nothing here runs per data segment.
    return {
      onSyn(_c, p) {
        const key = hostKey(p, 0);
        const host = hostKey(p, 4);
        let s = sources.touch(key);
        if (s === undefined) {
          s = { key, ipVersion: p.ipVersion, attempts: 0, engaged: 0, retries: 0, recent: null, recentAt: 0, firstKey: attemptKey(p, host), firstHost: host, firstPort: p.dstPort, firstTime: p.time, lastTime: p.time, firstFrame: p.frame, lastFrame: p.frame, portsByHost: null, hostsByPort: null, synAcks: 0, resets: 0, firstOpenPort: -1, openPorts: null, scan: null };
          sources.set(key, s);
        }
        s.attempts++;
        s.lastTime = p.time;
        s.lastFrame = p.frame;
        const scan = s.scan;
        if (scan === null) {
          // One attempt reaches no threshold.
          if (s.attempts > 1) {
            noteRetry(s, p, host);
            judge(s, p, host);
          }
        }
        else {
          scan.ports.add(p.dstPort);
          if (scan.hosts.size < MAX_COUNTED_HOSTS) scan.hosts.add(host);
          if (scan.hostNames.size < 16 && !scan.hostNames.has(host)) scan.hostNames.set(host, hostText(p, 4));
        }
      },
      // Answers to a followed source: SYN-ACK (open) or RST (closed), counted like nmap does,
      // from its first attempt on (whether it turns out a scanner is known only later).
      onSynAck(_c, p) {
        const s = sources.peek(hostKey(p, 4));
        if (s === undefined) return;
        s.synAcks++;
        const port = p.srcPort;
        if (s.firstOpenPort < 0) s.firstOpenPort = port;
        else if (port !== s.firstOpenPort) {
          if (s.openPorts === null) s.openPorts = new Set([s.firstOpenPort]);
          if (s.openPorts.size < MAX_OPEN_PORTS) s.openPorts.add(port);
        }
      },
      onRst(_c, p) {
        // A RST with SYN is an attempt (onSyn) or, with ACK too, an answer counted as a SYN-ACK.
        if ((p.tcpFlags & TCP_SYN) !== 0) return;
        const s = sources.peek(hostKey(p, 4));
        if (s !== undefined) s.resets++;
      },
      onFirstDataOrFin(_c, p) {
        const s = sources.peek(hostKey(p, 0));
        if (s !== undefined) s.engaged++;
      },
      onTcpConversationEnd(c) {
        if (!isProbeShaped(c)) return;
        const s = sources.peek(conversationHostKey(c, 'client'));
        if (s?.scan && !s.scan.reported) {
          s.scan.explained.add(c);
          ctx.explained();
        }
      },
      onCaptureEnd() {
        for (const s of sources.values()) if (s.scan && !s.scan.reported) reportScan(s);
      },
    };
  },
};
