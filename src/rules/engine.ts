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
import { displayFilter, isoTime } from '../model/words.js';
import { evidenceFrames, evidenceOf } from './evidence.js';
import { findingLinks } from './finding-links.js';
import { streamFilter, wiresharkCommand } from '../model/wireshark.js';
import { serviceFor } from './services.js';
import type { Packet } from '../decode/packet.js';
import type { Endpoint, ErrorCode, EvidencePacket, Finding, FindingProtocol, RuleMeta, SeenBy, Severity } from './types.js';

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

/**
 * A finding not tied to the flow being decided: a pattern over many conversations (a scan, a
 * flood) or packets that belong to no conversation (ARP, ICMP about a ping). It says itself what
 * the engine otherwise reads from the flow.
 */
export interface CaptureFindingDraft extends FindingDraft {
  protocol: FindingProtocol;
  client: Endpoint;
  server: Endpoint;
  start: [number, number];
  end: [number, number];
  /** Wireshark's stream index of the first evidence frame, or -1 when it belongs to no stream. */
  stream: number;
  filter: string;
  /** Community ID v1 of the ICMP message the finding is about; none for ARP, or for many conversations (a scan). */
  communityId?: string;
  evidence?: EvidencePacket[];
}

/** What rules can ask of the engine. */
export interface RuleContext {
  /** Report a finding for the flow being decided. */
  report(draft: FindingDraft): void;
  /**
   * Report a finding about the capture rather than the flow being decided (see
   * CaptureFindingDraft); callable from any handler, at any time.
   */
  reportCapture(draft: CaptureFindingDraft): void;
  /**
   * Say that the flow being decided is part of a pattern this rule reports in a finding of its
   * own (a probe of a port scan): the flow gets no finding, and no later rule looks at it.
   */
  explained(): void;
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
  /**
   * Each TCP, UDP, ICMP and ICMPv6 packet, after the flow table took it (for rules that read
   * the traffic's shape across conversations, or whether a host was heard at all). Per packet:
   * keep it cheap and bounded.
   */
  onIpPacket?(packet: Packet): void;
  /**
   * Each frame no TCP conversation or UDP exchange takes: non-IP frames (ARP), ICMP and ICMPv6
   * that is not an error about a tracked flow (echo, neighbour discovery, errors about a ping).
   */
  onStrayPacket?(packet: Packet): void;
  /** Once, after the last flow was decided at the end of the capture. */
  onCaptureEnd?(): void;
}

/** The events raised while packets are accounted, by handler name. */
const FLOW_EVENTS = ['onSyn', 'onSynAck', 'onRst', 'onSynAnsweredByAck', 'onRetransmission', 'onRetransmissionAcked', 'onZeroWindow', 'onWindowOpen', 'onZeroWindowProbe', 'onEstablished', 'onFirstDataOrFin', 'onIcmpError'] as const;

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

// The words every stage uses live in model/words.ts; re-exported here while code written
// against the old place (rules being reworked elsewhere) still imports them from the engine.
export { displayFilter, hostPort, humanDuration, isoTime, round3, splitTime } from '../model/words.js';

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
  /** Every rule, and the rules listening to each capture-level event (rules that do not listen cost nothing). */
  private readonly listeners: Listener[];
  private readonly packetListeners: Listener[];
  private readonly strayListeners: Listener[];
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
        reportCapture: (draft) => this.reportCapture(draft),
        explained: () => {
          if (this.current && this.currentMeta && !this.reportedBy) this.reportedBy = this.currentMeta.id;
        },
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
    this.listeners = listeners;
    this.packetListeners = listeners.filter((x) => x.h.onIpPacket !== undefined);
    this.strayListeners = listeners.filter((x) => x.h.onStrayPacket !== undefined);
    this.tcpEnd = listeners.filter(({ h }) => h.onTcpConversationEnd !== undefined || h.onConversationEnd !== undefined);
    this.udpEnd = listeners.filter(({ h }) => h.onUdpExchangeEnd !== undefined || h.onConversationEnd !== undefined);
    const events = this.events as Record<FlowEventName, (...args: unknown[]) => void>;
    for (const name of FLOW_EVENTS) {
      const heard = listeners.filter(({ h }) => h[name] !== undefined);
      if (heard.length > 0) events[name] = this.dispatcher(name, heard);
    }
  }

  /**
   * Call `name` on each rule in `heard`; a faulty rule is reported and the others still hear it.
   * The rule is the current one while it runs, so it may report a capture finding (a scan whose
   * source is forgotten to make room for a new one).
   */
  private dispatcher(name: FlowEventName, heard: Listener[]): (...args: unknown[]) => void {
    // The events take at most six arguments: passed as they are, no array per event; each
    // rule's handler is looked up once, here.
    const handlers = heard.map(({ meta, h }) => ({ meta, h, handler: h[name] as (...x: unknown[]) => void }));
    return (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown) => {
      const saved = this.currentMeta;
      for (let i = 0; i < handlers.length; i++) {
        const { meta, h, handler } = handlers[i]!;
        this.currentMeta = meta;
        try {
          handler.call(h, a, b, c, d, e, f);
        } catch (error) {
          const flow = a as Flow;
          this.onFault(`rule ${meta.id}`, flow.lastFrame, flow, error);
        }
      }
      this.currentMeta = saved;
    };
  }

  /** True when some rule reads every IP packet (the caller may skip `ipPacket` otherwise). */
  get readsPackets(): boolean {
    return this.packetListeners.length > 0;
  }

  /** A TCP, UDP or ICMP packet (see RuleHandlers.onIpPacket). */
  ipPacket(packet: Packet): void {
    // Per packet: no closure and no iterator, one try per listening rule.
    const listeners = this.packetListeners;
    const saved = this.currentMeta;
    for (let i = 0; i < listeners.length; i++) {
      const { meta, h } = listeners[i]!;
      this.currentMeta = meta;
      try {
        h.onIpPacket!(packet);
      } catch (e) {
        this.onFault(`rule ${meta.id}`, packet.frame, null, e);
      }
    }
    this.currentMeta = saved;
  }

  /** A frame no flow took (see RuleHandlers.onStrayPacket). */
  strayPacket(packet: Packet): void {
    for (const { meta, h } of this.strayListeners) this.guard(meta, packet.frame, () => h.onStrayPacket!(packet));
  }

  /** The capture ended and every flow was decided: rules report what they gathered across it. */
  captureEnd(frame: number): void {
    this.ending = true;
    for (const { meta, h } of this.listeners) if (h.onCaptureEnd) this.guard(meta, frame, () => h.onCaptureEnd!());
  }

  /** Run one capture-level handler; a fault skips that rule for this event only. */
  private guard(meta: RuleMeta, frame: number, run: () => void): void {
    const saved = this.currentMeta;
    this.currentMeta = meta;
    try {
      run();
    } catch (e) {
      this.onFault(`rule ${meta.id}`, frame, null, e);
    } finally {
      this.currentMeta = saved;
    }
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

  /** The cited frames with the packets around them that make them readable (see evidenceFrames); the cited ones alone after a fault of ours. */
  private shownFrames(flow: Flow, cited: number[]): number[] {
    try {
      return evidenceFrames(flow, cited);
    } catch (e) {
      this.onFault('evidence', flow.lastFrame, flow, e);
      return cited;
    }
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
    const frames = this.shownFrames(flow, [...new Set(draft.frames)].sort((x, y) => x - y));
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
    this.emit(ordered);
  }

  /** Count, keep (up to the cap) and stream one finding. */
  private emit(finding: Finding): void {
    this.total++;
    this.totalByRule.set(finding.rule, (this.totalByRule.get(finding.rule) ?? 0) + 1);
    if (this.findings.length < this.maxFindings) this.findings.push(finding);
    else {
      this.dropped++;
      this.onDropped?.(finding);
    }
    this.onFinding?.(finding);
  }
  private reportCapture(draft: CaptureFindingDraft): void {
    const meta = this.currentMeta;
    if (!meta) return;
    const precision = this.precision();
    const codes = draft.codes ?? meta.codes;
    const finding: Finding = {
      rule: meta.id,
      severity: draft.severity ?? meta.severity,
      protocol: draft.protocol,
      client: endpoint(draft.client),
      server: endpoint(draft.server),
      stream: draft.stream,
      frames: [...new Set(draft.frames)].sort((x, y) => x - y),
      start: isoTime(draft.start[0], draft.start[1], precision),
      end: isoTime(draft.end[0], draft.end[1], precision),
      codes,
      ...(codes.length > 0 ? { seenBy: seenByOf(draft.seenBy ?? 'client', draft) } : {}),
      summary: draft.summary,
      details: draft.details,
      filter: draft.filter,
      ...(draft.stream >= 0 && (draft.protocol === 'tcp' || draft.protocol === 'udp') ? { streamFilter: streamFilter(draft.protocol, draft.stream) } : {}),
      ...(this.captureFile !== undefined && draft.frames.length > 0 ? { wireshark: wiresharkCommand(this.captureFile, Math.min(...draft.frames), draft.stream >= 0 && (draft.protocol === 'tcp' || draft.protocol === 'udp') ? streamFilter(draft.protocol, draft.stream) : draft.filter) } : {}),
      ...(draft.communityId !== undefined ? { communityId: draft.communityId } : {}),
      ...(draft.evidence ? { evidence: draft.evidence } : {}),
    };
    this.emit(finding);
  }

}

/** The endpoint of the side whose application sees a finding's codes. */
function seenByOf(side: 'client' | 'server', f: Pick<Finding, 'client' | 'server'>): SeenBy {
  const e = side === 'client' ? f.client : f.server;
  return { side, address: e.address, port: e.port };
}
