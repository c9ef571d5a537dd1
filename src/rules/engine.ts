/**
 * The rule engine: while packets are accounted, each rare moment of a conversation (a SYN, a
 * RST, a retransmission, a zero window, an ICMP error…) goes to the rules that listen for it,
 * which keep what they need on the conversation; when the flow table decides a conversation, the
 * rules look at it in root-cause order and the first that reports wins, so a failed conversation
 * gets exactly one finding (what followed from the root cause goes into that finding's details).
 */
import type { TcpConversation, TcpEvents } from '../flow/tcp.js';
import type { IcmpEvents } from '../flow/flow.js';
import type { UdpExchange } from '../flow/udp.js';
import type { Flow } from '../flow/table.js';
import type { ReturnPath } from '../flow/quality.js';
import { STREAM_RECOGNISERS, withApplication, type NamedRecogniser } from '../app/index.js';
import type { FaultSink } from '../model/faults.js';
import { evidenceOf } from './evidence.js';
import { findingLinks } from './finding-links.js';
import { serviceFor } from './services.js';
import type { Endpoint, ErrorCode, Finding, RuleMeta, SeenBy, Severity } from './types.js';

/** What a rule hands to `report`: the rule-specific part of a finding. */
export interface FindingDraft {
  /** Evidence frames (sorted and de-duplicated by the engine). */
  frames: number[];
  summary: string;
  details: Record<string, unknown>;
  /** Codes the application sees; defaults to the rule's meta codes. */
  codes?: ErrorCode[];
  /** Whose application sees the codes: the client (default) or the server. */
  seenBy?: 'client' | 'server';
  severity?: Severity;
  /**
   * The endpoints as the failure sees them, when they differ from the conversation's client and
   * server (an ICMP error about a datagram the "server" sent: its destination is the server here).
   */
  client?: { address: string; port: number };
  server?: { address: string; port: number };
  /** Times of the first and last evidence, as [sec, nsec]; default: the conversation's. */
  start?: [number, number];
  end?: [number, number];
}

/** What rules can ask of the engine. */
export interface RuleContext {
  /** Report a finding for the flow being decided. */
  report(draft: FindingDraft): void;
  /** Latest capture time seen so far (seconds). */
  now(): number;
  /** True when flows are being decided because the capture ended. */
  atEndOfCapture(): boolean;
  /**
   * Whether the capture so far shows the way back from the flow's server to its client, in any
   * conversation (see ReturnPath): a rule that reads silence as a failure asks this first.
   */
  returnPath(flow: Flow): ReturnPath;
  /** What this rule keeps about `flow` (set by `setState`), or undefined. */
  stateOf<T>(flow: Flow): T | undefined;
  /** Keep `state` about `flow` for this rule: it lives on the flow and goes with it. */
  setState<T>(flow: Flow, state: T): T;
}

/**
 * Handlers a rule returns from `create`; only rules that have a handler are called for its event.
 * The event handlers (`TcpEvents`, `onIcmpError`) run while packets are accounted and keep what
 * the rule needs on the flow (`RuleContext.setState`); the end handlers run when the flow is
 * decided, in root-cause order, and may report.
 */
export interface RuleHandlers extends TcpEvents, IcmpEvents<Flow> {
  onTcpConversationEnd?(conversation: TcpConversation): void;
  onUdpExchangeEnd?(exchange: UdpExchange): void;
  /** Any flow decided, after the rule's protocol's own end handler. */
  onConversationEnd?(flow: Flow): void;
}

/** The events raised while packets are accounted, by handler name. */
const FLOW_EVENTS = ['onSyn', 'onSynAck', 'onRst', 'onSynAnsweredByAck', 'onRetransmission', 'onRetransmissionAcked', 'onZeroWindow', 'onWindowOpen', 'onZeroWindowProbe', 'onIcmpError'] as const;

type FlowEventName = (typeof FLOW_EVENTS)[number];

interface Listener {
  meta: RuleMeta;
  h: RuleHandlers;
}

/** A rule: static description plus a factory of handlers (ESLint style). */
export interface Rule {
  meta: RuleMeta;
  create(context: RuleContext): RuleHandlers;
}

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

/** Quote an address for a Wireshark display filter (IPv6 needs ipv6.addr). */
function addrField(ipVersion: number): string {
  return ipVersion === 6 ? 'ipv6.addr' : 'ip.addr';
}

/** A Wireshark display filter that shows the conversation (and ICMP errors quoting it). */
export function displayFilter(flow: Flow): string {
  const proto = flow.kind;
  const f = addrField(flow.ipVersion);
  const a = flow.client;
  const b = flow.server;
  const parts = [`${f} == ${a.address}`, `${proto}.port == ${a.port}`, `${f} == ${b.address}`, `${proto}.port == ${b.port}`];
  if (flow.vlanOuter >= 0) parts.push(`vlan.id == ${flow.vlanOuter}`);
  return parts.join(' && ');
}

function endpoint(e: { address: string; port: number }): Endpoint {
  return { address: e.address, port: e.port };
}

/**
 * Findings kept in memory for the report. Each costs about 1 KB, and a SYN flood with random
 * sources makes one per flow: beyond this many, findings are still counted and streamed
 * (`onFinding`) but no longer kept, so memory stays bounded.
 */
export const DEFAULT_MAX_FINDINGS = 5_000;

/** What makes two findings the same failure: enough to count findings that are not kept. */
export type FindingKey = Pick<Finding, 'rule' | 'severity' | 'protocol' | 'server' | 'codes'>;

/** What the engine needs besides its rules. */
export interface RuleEngineOptions {
  /** Fractional digits of the capture's timestamps (6 or 9). */
  precision: () => number;
  /** Latest capture time seen so far (seconds). */
  clock: () => number;
  /** Called with each finding as soon as it is decided. */
  onFinding?: (finding: Finding) => void;
  /** Findings kept in `findings` (default DEFAULT_MAX_FINDINGS); all are counted. */
  maxFindings?: number;
  /** Called with the key of each finding not kept (past `maxFindings`). */
  onDropped?: (key: FindingKey) => void;
  /**
   * Where a fault of a rule, a recogniser or the evidence goes. The engine goes on: a faulty rule
   * is skipped (the next rule in order may still report), a faulty recogniser leaves the finding
   * without application context, faulty evidence leaves it without evidence packets.
   */
  onFault?: FaultSink;
  /** Application recognisers for findings' context (default STREAM_RECOGNISERS). */
  recognisers?: readonly NamedRecogniser[];
  /** What the capture shows of a flow's way back (see CaptureQuality.returnPath); default: always 'seen'. */
  returnPath?: (flow: Flow) => ReturnPath;
  /** The capture's path as given, for each finding's Wireshark command; absent for a pipe (Wireshark cannot reread one). */
  captureFile?: string;
}

/** Without a fault sink a fault is not contained: tests of the engine see it. */
function rethrow(_component: string, _frame: number, _subject: unknown, error: unknown): never {
  throw error;
}

/** Runs the rules on each decided flow and collects findings (the first `maxFindings` of them). */
export class RuleEngine {
  readonly findings: Finding[] = [];
  /** Findings reported, kept or not, in all and per rule id. */
  total = 0;
  readonly totalByRule = new Map<string, number>();
  /** Findings reported but not kept because `maxFindings` was reached. */
  dropped = 0;
  /** Rules with an end handler for TCP conversations and for UDP exchanges, in root-cause order. */
  private readonly tcpEnd: Listener[];
  private readonly udpEnd: Listener[];
  /**
   * What the flow table calls at each rare moment of a flow: one function per event that some
   * rule listens for (absent otherwise), calling only those rules.
   */
  readonly events: TcpEvents & IcmpEvents<Flow> = {};
  private current: Flow | null = null;
  private currentMeta: RuleMeta | null = null;
  private reportedBy: string | null = null;
  private ending = false;
  tcpConversations = 0;
  udpExchanges = 0;

  private readonly precision: () => number;
  private readonly clock: () => number;
  private readonly onFinding?: (finding: Finding) => void;
  readonly maxFindings: number;
  private readonly onDropped?: (key: FindingKey) => void;
  private readonly onFault: FaultSink;
  private readonly recognisers: readonly NamedRecogniser[];
  private readonly captureFile?: string;

  constructor(rules: Rule[], options: RuleEngineOptions) {
    this.precision = options.precision;
    this.clock = options.clock;
    this.onFinding = options.onFinding;
    this.maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
    this.onDropped = options.onDropped;
    this.onFault = options.onFault ?? rethrow;
    this.recognisers = options.recognisers ?? STREAM_RECOGNISERS;
    this.captureFile = options.captureFile;
    const returnPath = options.returnPath ?? (() => 'seen' as const);
    const slots = rules.length;
    const listeners: Listener[] = rules.map((r, slot) => ({
      meta: r.meta,
      h: r.create({
        report: (draft) => this.report(draft),
        now: () => this.clock(),
        atEndOfCapture: () => this.ending,
        returnPath,
        stateOf: <T>(flow: Flow) => flow.listenerState?.[slot] as T | undefined,
        setState: <T>(flow: Flow, state: T) => {
          (flow.listenerState ??= new Array<unknown>(slots).fill(undefined))[slot] = state;
          return state;
        },
      }),
    }));
    this.tcpEnd = listeners.filter(({ h }) => h.onTcpConversationEnd !== undefined || h.onConversationEnd !== undefined);
    this.udpEnd = listeners.filter(({ h }) => h.onUdpExchangeEnd !== undefined || h.onConversationEnd !== undefined);
    const events = this.events as Record<FlowEventName, (...args: unknown[]) => void>;
    for (const name of FLOW_EVENTS) {
      const heard = listeners.filter(({ h }) => h[name] !== undefined);
      if (heard.length > 0) events[name] = this.dispatcher(name, heard);
    }
  }

  /** Call `name` on each rule in `heard`; a faulty rule is reported and the others still hear it. */
  private dispatcher(name: FlowEventName, heard: Listener[]): (...args: unknown[]) => void {
    return (...args: unknown[]) => {
      for (const { meta, h } of heard) {
        try {
          (h[name] as (...a: unknown[]) => void).apply(h, args);
        } catch (e) {
          const flow = args[0] as Flow;
          this.onFault(`rule ${meta.id}`, flow.lastFrame, flow, e);
        }
      }
    };
  }

  /** Mark that flows are now being decided because the capture ended. */
  endOfCapture(): void {
    this.ending = true;
  }

  /** Decide one flow: rules in order; the first rule that reports is the root cause. Returns its id, or null. */
  decide(flow: Flow): string | null {
    if (flow.decided) return null;
    flow.decided = true;
    if (flow.kind === 'tcp') this.tcpConversations++;
    else this.udpExchanges++;
    this.current = flow;
    this.reportedBy = null;
    for (const { meta, h } of flow.kind === 'tcp' ? this.tcpEnd : this.udpEnd) {
      this.currentMeta = meta;
      try {
        if (flow.kind === 'tcp') h.onTcpConversationEnd?.(flow);
        else h.onUdpExchangeEnd?.(flow);
        if (!this.reportedBy) h.onConversationEnd?.(flow);
      } catch (e) {
        // A faulty rule is skipped; unless it already reported, the next rule in order decides.
        this.onFault(`rule ${meta.id}`, flow.lastFrame, flow, e);
      }
      if (this.reportedBy) break;
    }
    this.current = null;
    this.currentMeta = null;
    return this.reportedBy;
  }

  /** The finding's evidence packets, or none when building them met a fault of ours. */
  private evidence(flow: Flow, frames: number[], swapped: boolean): Finding['evidence'] {
    try {
      return evidenceOf(flow, frames, swapped);
    } catch (e) {
      this.onFault('evidence', flow.lastFrame, flow, e);
      return undefined;
    }
  }

  private report(draft: FindingDraft): void {
    const flow = this.current;
    const meta = this.currentMeta;
    if (!flow || !meta) return;
    // One root cause per conversation; a rule may report several findings (DNS questions).
    if (this.reportedBy && this.reportedBy !== meta.id) return;
    this.reportedBy = meta.id;
    // Past the cap with nobody streaming findings, only the count matters: building the finding
    // (evidence, times, filter) for each of a million flooded flows would cost most of the run.
    if (this.findings.length >= this.maxFindings && !this.onFinding) {
      this.total++;
      this.totalByRule.set(meta.id, (this.totalByRule.get(meta.id) ?? 0) + 1);
      this.dropped++;
      if (this.onDropped) {
        const server = draft.server ?? flow.server;
        this.onDropped({ rule: meta.id, severity: draft.severity ?? meta.severity, protocol: flow.kind, server: { address: server.address, port: server.port }, codes: draft.codes ?? meta.codes });
      }
      return;
    }
    const precision = this.precision();
    const frames = [...new Set(draft.frames)].sort((x, y) => x - y);
    const start = draft.start ?? [flow.startSec, flow.startNsec];
    const end = draft.end ?? [flow.endSec, flow.endNsec];
    const client = draft.client ?? flow.client;
    const server = draft.server ?? flow.server;
    const service = serviceFor(flow.kind, server.port);
    const links = findingLinks(flow, frames[0], this.captureFile);
    const finding: Finding = {
      rule: meta.id,
      severity: draft.severity ?? meta.severity,
      protocol: flow.kind,
      client: endpoint(client),
      server: endpoint(server),
      stream: flow.stream,
      frames,
      start: isoTime(start[0], start[1], precision),
      end: isoTime(end[0], end[1], precision),
      codes: draft.codes ?? meta.codes,
      summary: draft.summary,
      // What the application was saying, when the kept bytes tell (TLS SNI, HTTP request…).
      details: withApplication(flow, draft.details, this.recognisers, this.onFault),
      filter: displayFilter(flow),
      ...links,
    };
    if (flow.vlanOuter >= 0) finding.vlan = flow.vlanInner >= 0 ? [flow.vlanOuter, flow.vlanInner] : [flow.vlanOuter];
    if (service) finding.service = service.name;
    // Keep key order stable and readable: vlan after server, service before filter.
    const ordered: Finding = {
      rule: finding.rule,
      severity: finding.severity,
      protocol: finding.protocol,
      client: finding.client,
      server: finding.server,
      ...(finding.vlan ? { vlan: finding.vlan } : {}),
      stream: finding.stream,
      frames: finding.frames,
      start: finding.start,
      end: finding.end,
      codes: finding.codes,
      ...(finding.codes.length > 0 ? { seenBy: seenByOf(draft.seenBy ?? 'client', finding) } : {}),
      summary: finding.summary,
      details: finding.details,
      ...(finding.service ? { service: finding.service } : {}),
      filter: finding.filter,
      ...links,
      // Last, so the fields before it keep their order for existing readers.
      evidence: this.evidence(flow, frames, draft.client !== undefined && draft.client.address === flow.server.address && draft.client.port === flow.server.port),
    };
    if (ordered.evidence === undefined) delete ordered.evidence;
    this.total++;
    this.totalByRule.set(ordered.rule, (this.totalByRule.get(ordered.rule) ?? 0) + 1);
    if (this.findings.length < this.maxFindings) this.findings.push(ordered);
    else {
      this.dropped++;
      this.onDropped?.(ordered);
    }
    this.onFinding?.(ordered);
  }
}

/** The endpoint of the side whose application sees a finding's codes. */
function seenByOf(side: 'client' | 'server', f: Pick<Finding, 'client' | 'server'>): SeenBy {
  const e = side === 'client' ? f.client : f.server;
  return { side, address: e.address, port: e.port };
}

/** Seconds with millisecond precision, for details. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** "10.0.0.1:40000" or "[fe80::1]:40000". */
export function hostPort(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
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
