/**
 * The pipeline: capture reader → decoders → flow table → rules → report.
 * Per packet everything is synchronous; the only awaits are per read chunk.
 */
import type { Readable } from 'node:stream';
import { readCapture, type ReadOptions } from './capture/reader.js';
import { MergedCapture } from './capture/merge.js';
import type { CaptureInfo, CaptureWarning, Frame } from './capture/types.js';
import { decodeFrame, isSupportedLinkType, linkTypeName } from './decode/index.js';
import { AnomalyCounter, createPacket, type Packet } from './decode/packet.js';
import { ReassemblyPool, type ReassemblyOptions } from './flow/reassembly.js';
import { FlowTable, type Flow } from './flow/table.js';
import { RuleEngine, type FindingKey, type Rule } from './rules/engine.js';
import { humanDuration, isoTime } from './model/words.js';
import { FlowClock } from './flow/clock.js';
import { flowCommunityId } from './flow/community-id.js';
import { CaptureQuality } from './flow/quality.js';
import { DUPLICATE_WINDOW } from './flow/timeouts.js';
import { RULES } from './rules/index.js';
import type { Finding } from './rules/types.js';
import type { AnalysisReport, CaptureSummary, ConversationList, ConversationSpan } from './model/report.js';
import { VERSION } from './version.js';
import { LiveJudge, type PendingConversation } from './rules/live.js';
import { refusedBeforeClose, STREAM_RECOGNISERS, udpPayloadPorts, type NamedRecogniser } from './app/index.js';
import type { FaultSubject, InternalFault } from './model/faults.js';

/** Options for an analysis. */
export interface AnalyzeOptions {
  /** Name to report for the capture (defaults to the path, or "-" for a stream). */
  name?: string;
  /** Rules to run (default: all). */
  rules?: readonly Rule[];
  /** Cap on tracked flows (see DEFAULT_MAX_FLOWS). */
  maxFlows?: number;
  /**
   * Stream reassembly limits (first and last bytes kept per direction, for the application
   * context of findings; see DEFAULT_REASSEMBLY_OPTIONS), or false to keep no payload bytes.
   */
  reassembly?: Partial<ReassemblyOptions> | false;
  /** Cap on findings kept in the report (see DEFAULT_MAX_FINDINGS); all are still counted and streamed. */
  maxFindings?: number;
  /** Also list every conversation with its time span (`report.conversations`, for timelines). */
  conversations?: boolean;
  /**
   * Live input (a pipe from a capture tool): while `isLive` says the packets' timestamps follow
   * the wall clock, failures are decided about when the application saw them (rules/live.ts),
   * and `onPending` hears once of each connection attempt still retrying.
   */
  live?: LiveOptions;
  /** Called with each finding as soon as it is decided (for streaming output). */
  onFinding?: (finding: Finding) => void;
  /**
   * Called with what identifies each finding the report does not keep (past `maxFindings`).
   * With `maxFindings: 0` and no `onFinding`, findings are counted this way without being
   * built: what a summary by rule and server needs, at a fraction of the cost.
   */
  onDroppedFinding?: (key: FindingKey) => void;
  /**
   * Application recognisers for the findings' context (default: all of STREAM_RECOGNISERS, in
   * that order); a list of your own replaces them.
   */
  recognisers?: readonly NamedRecogniser[];
  /**
   * Called with each internal fault (a bug of ours met in one conversation) and its error, for
   * its stack. Faults never end the analysis: each is counted in `capture.anomalies.internal_error`
   * and listed in `capture.internalErrors`, and the conversation gets what the rest can decide.
   */
  onInternalError?: (fault: InternalFault, error: unknown) => void;
  /**
   * How the analysis treats the process's heap. By default ("host") it leaves V8 as the host
   * program set it. The wirewhy command passes its own policy (BOUNDED_HEAP in src/cli/heap.ts),
   * which caps the young generation and forces collections to keep a long analysis's memory
   * near its live set; a host may pass it too, knowing that it changes V8 for the whole process.
   */
  heapPolicy?: HeapPolicy;
  /** Return true to stop reading early (Ctrl-C); the report covers what was read. */
  shouldStop?: () => boolean;
  /** Progress in source bytes, once per read chunk. */
  onProgress?: (sourceBytes: number) => void;
  /**
   * For live input: called once per read chunk with a function that advances capture time;
   * lets a caller decide idle flows while the input is quiet.
   */
  onClock?: (advance: (captureTime: number) => void, lastPacketTime: () => number) => void;
}

/** See AnalyzeOptions.live. */
export interface LiveOptions {
  /** Whether input is live at capture time `captureTime` (asked once per read chunk and clock tick). */
  isLive(captureTime: number): boolean;
  onPending?: (p: PendingConversation) => void;
}

/** Hooks a process-wide memory policy gets from an analysis (see AnalyzeOptions.heapPolicy). */
export interface HeapPolicy {
  /** Call `afterFrames` every this many frames (a power of two). */
  checkEveryFrames: number;
  afterFrames(): void;
  /** Called once per read chunk. */
  afterChunk(): void;
}

/**
 * Analyse a capture file (path, "-" for stdin), a stream, or several files read as one
 * ({@link MergedCapture}), and return the full report.
 */
export async function analyzeCapture(source: string | Readable | MergedCapture, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const anomalies = new AnomalyCounter();
  const pkt = createPacket();
  let captureInfo: CaptureInfo | null = null;
  let packets = 0;
  let minSec = Infinity;
  let minNsec = 0;
  let maxSec = -Infinity;
  let maxNsec = 0;
  const unsupported = new Map<number, number>();

  const heap = options.heapPolicy;
  const heapMask = heap ? heap.checkEveryFrames - 1 : 0;
  const faults = new FaultLog(anomalies, options.onInternalError);
  const onFault = faults.sink;
  const quality = new CaptureQuality();
  // Several files: each finding also names the files and frames of its evidence.
  const merged = source instanceof MergedCapture ? source : null;
  const placeFrames = (f: Finding): void => {
    if (merged && f.sourceFrames === undefined) f.sourceFrames = merged.origins.byFile(f.frames);
  };
  const engine = new RuleEngine([...(options.rules ?? RULES)], {
    precision: () => captureInfo?.precision ?? 6,
    clock: () => table.now,
    returnPath: (flow) => quality.returnPath(flow),
    onFinding: merged && options.onFinding ? (f) => (placeFrames(f), options.onFinding!(f)) : options.onFinding,
    maxFindings: options.maxFindings,
    onDropped: options.onDroppedFinding,
    onFault,
    recognisers: options.recognisers ?? STREAM_RECOGNISERS,
    // A path can be opened again in Wireshark; a stream (stdin, a FIFO) cannot.
    captureFile: typeof source === 'string' && source !== '-' ? (options.name ?? source) : undefined,
  });
  const readsPackets = engine.readsPackets;
  const notAnalysed = new NotAnalysed();
  const spans = options.conversations ? new SpanCollector() : null;
  const reassembly = options.reassembly === false ? null : new ReassemblyPool(options.reassembly ?? {}, (name, frame) => anomalies.add(name, frame), onFault);
  const table: FlowTable = new FlowTable(
    (flow: Flow) => {
      let rule: string | null = null;
      try {
        rule = engine.decide(flow);
      } catch (e) {
        onFault('engine', flow.lastFrame, flow, e);
      }
      spans?.add(flow, rule);
    },
    {
      maxFlows: options.maxFlows,
      live: options.live ? new LiveJudge(options.live.onPending) : undefined,
      reassembly,
      udpPayloadPorts: udpPayloadPorts(),
      onFault,
      onEvicted: (flow: Flow) => spans?.add(flow, null),
      events: engine.events,
      keepStreamsAfterClose: refusedBeforeClose,
    },
  );

  /** The live clock's tick: capture time moves on while no packet arrives. */
  const advanceLive = (t: number): void => {
    if (options.live) table.setLive(options.live.isLive(t));
    table.advance(t);
  };
  const clock = new FlowClock();
  /** A private copy of a frame whose timestamp jumped, until the next frame says whether the jump lasts. */
  let held: Frame | null = null;
  const spanOf = (s: number, ns: number): void => {
    if (s < minSec || (s === minSec && ns < minNsec)) {
      minSec = s;
      minNsec = ns;
    }
    if (s > maxSec || (s === maxSec && ns > maxNsec)) {
      maxSec = s;
      maxNsec = ns;
    }
  };
  /** Decode one frame and account it at flow time `time`. */
  const account = (frame: Frame, time: number): void => {
    if (!isSupportedLinkType(frame.linkType)) {
      unsupported.set(frame.linkType, (unsupported.get(frame.linkType) ?? 0) + 1);
      return;
    }
    try {
      decodeFrame(frame, pkt, anomalies);
      // A copy of a packet just accounted (SPAN port, two capture interfaces) is that packet
      // again, not a retransmission: counted, and left out of the analysis.
      if (pkt.ipVersion !== 0 && quality.observe(pkt, time)) {
        anomalies.add('duplicate_frame', frame.number);
        return;
      }
      pkt.time = time;
      table.advance(time);
      const l4 = pkt.l4;
      if (l4 === 6) table.tcp(pkt);
      else if (l4 === 17) table.udp(pkt);
      else if (l4 === 1 || l4 === 58) {
        // An ICMP error about a tracked conversation is that conversation's; the rest (echo,
        // neighbour discovery, errors about a ping) is the capture's.
        if (pkt.quoted === null || table.icmpError(pkt, pkt.quoted) === null) {
          notAnalysed.icmp(pkt);
          engine.strayPacket(pkt);
        }
      } else if (pkt.ipVersion === 0) {
        notAnalysed.nonIp(pkt);
        if (pkt.arp !== null) engine.strayPacket(pkt);
      }
      if (l4 !== 0) {
        if (readsPackets) engine.ipPacket(pkt);
      } else if (pkt.ipVersion !== 0 && !pkt.isNonFirstFragment && pkt.protocol !== 6 && pkt.protocol !== 17 && pkt.protocol !== 1 && pkt.protocol !== 58) notAnalysed.ipProtocol(pkt.protocol);
    } catch (e) {
      // Conversation-level faults are contained where they happen; this is the last resort.
      onFault('flow table', frame.number, null, e);
    }
  };
  /** The held frame, now that the clock knows when it happened. */
  const accountHeld = (): void => {
    const h = held!;
    held = null;
    if (!clock.heldWasOutlier) spanOf(h.tsSec, h.tsNsec);
    account(h, clock.heldTime);
  };
  const onFrame = (frame: Frame): void => {
    packets++;
    if (heap !== undefined && (packets & heapMask) === 0) heap.afterFrames();
    const time = clock.time(frame.tsSec + frame.tsNsec / 1e9, frame.number);
    if (held !== null) accountHeld();
    if (Number.isNaN(time)) {
      anomalies.add('time_jump', frame.number);
      held = copyFrame(frame);
      return;
    }
    spanOf(frame.tsSec, frame.tsNsec);
    account(frame, time);
  };
  const readOptions: ReadOptions = {
    shouldStop: options.shouldStop,
    // Tail bytes of streams are copied late (see StreamReassembler.append): before the reader
    // reuses its buffers.
    afterFrames: reassembly === null ? undefined : () => reassembly.flushDeferred(),
    onInfo: (info) => {
      captureInfo = info;
    },
    onProgress: (n) => {
      heap?.afterChunk();
      options.onProgress?.(n);
      if (options.live) table.setLive(options.live.isLive(table.now));
      options.onClock?.(advanceLive, () => table.now);
    },
  };
  const mergedResult = merged ? await merged.read(onFrame, readOptions) : null;
  const result = mergedResult ?? (await readCapture(source as string | Readable, onFrame, readOptions));

  if (held !== null) {
    clock.release();
    accountHeld();
  }
  engine.endOfCapture();
  try {
    table.flush();
  } catch (e) {
    onFault('flow table', packets, null, e);
  }
  try {
    engine.captureEnd(packets);
  } catch (e) {
    onFault('engine', packets, null, e);
  }

  const warnings: CaptureWarning[] = [...result.warnings];
  // A well-formed capture with nothing in it (a file the reader found broken says why instead).
  if (packets === 0 && result.warnings.length === 0) warnings.push({ code: 'no_packets', message: 'the capture holds no packets: wrong interface or filter?' });
  for (const [lt, count] of unsupported) {
    warnings.push({ code: 'unsupported_link_type', message: `${count} frame${count === 1 ? '' : 's'} with link type ${linkTypeName(lt)} (${lt}) not decoded` });
  }
  if (reassembly !== null && reassembly.starved > 0) {
    warnings.push({ code: 'reassembly_budget_reached', message: `${reassembly.starved} stream direction${reassembly.starved === 1 ? '' : 's'} kept no payload bytes because ${reassembly.options.maxTotalBytes} bytes were already kept for conversations alive at the time; their findings lack application context` });
  }
  if (table.evicted > 0) {
    const n = table.evicted;
    warnings.push({
      code: 'flow_cap_reached',
      message: `more conversations were open at once than the cap of ${table.maxFlows} allows (of which ${table.maxUnanswered} for SYNs not answered yet): ${n} ${n === 1 ? 'was' : 'were'} set aside undecided to bound memory, so verdicts are incomplete (failures among them are not reported); raise --max-flows (the maxFlows option) above the number open at once to judge them, at about ${FLOW_MEMORY_KB} KB each`,
    });
  }
  if (clock.jumps > 0) warnings.push(timeJumpWarning(clock));
  if (quality.duplicates > 0) warnings.push(duplicateWarning(quality));
  if (quality.oneWay) warnings.push(oneWayWarning(quality));
  if (faults.count > 0) warnings.push(faults.warning());
  // maxFindings 0 means every finding was streamed (JSONL): nothing was lost.
  if (engine.dropped > 0 && engine.maxFindings > 0) {
    warnings.push({ code: 'finding_cap_reached', message: `${engine.total} findings; the report keeps the first ${engine.maxFindings} decided (use --format jsonl to stream every finding)` });
  }
  const precision = result.info.precision;
  const linkTypes = result.info.linkTypes.map(linkTypeName);
  const capture: CaptureSummary = {
    file: options.name ?? (typeof source === 'string' ? source : merged ? merged.name : '-'),
    format: result.info.format,
    compression: result.compression,
    linkTypes: [...new Set(linkTypes)],
    packets,
    bytes: result.bytes,
    start: packets > 0 ? isoTime(minSec, minNsec, precision) : null,
    end: packets > 0 ? isoTime(maxSec, maxNsec, precision) : null,
    warnings,
    anomalies: anomalies.toRecord(),
    ...(notAnalysed.size + unsupported.size > 0 ? { notAnalysed: notAnalysed.toRecord(unsupported) } : {}),
    ...(faults.count > 0 ? { internalErrors: faults.listed } : {}),
    ...(mergedResult ? { files: mergedResult.files } : {}),
  };
  for (const f of engine.findings) placeFrames(f);
  const findings = engine.findings.slice().sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || a.stream - b.stream);
  const byRule: Record<string, number> = {};
  for (const f of findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  // Counts cover every finding, also those past the cap.
  for (const [rule, n] of engine.totalByRule) byRule[rule] = n;
  return {
    schemaVersion: 1,
    tool: { name: 'wirewhy', version: VERSION },
    capture,
    summary: {
      tcpConversations: table.tcpStreams,
      udpExchanges: table.udpStreams,
      findings: engine.total,
      byRule,
    },
    findings,
    ...(spans && packets > 0 ? { conversations: spans.list(minSec + minNsec / 1e9) } : {}),
  };
}

/** A private copy of a frame (the reader reuses its buffers). */
function copyFrame(f: Frame): Frame {
  return { number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId, originalLength: f.originalLength, data: Buffer.from(f.data), offset: f.offset };
}

/** The warning for timestamps that jumped (see FlowClock). */
function timeJumpWarning(clock: FlowClock): CaptureWarning {
  const d = clock.firstJumpSeconds;
  const size = Math.abs(d) >= 86_400 * 2 ? `${Math.round(Math.abs(d) / 86_400)} days` : humanDuration(Math.abs(d));
  const more = clock.jumps > 1 ? ` (${clock.jumps} frames in all)` : '';
  return {
    code: 'time_jump',
    frame: clock.firstJumpFrame,
    message: `frame ${clock.firstJumpFrame}'s timestamp jumps ${size} ${d > 0 ? 'ahead of' : 'behind'} the frames before it${more}: a frame that jumps alone is placed between its neighbours, and after a lasting step back the intervals go on from where they were, so verdicts follow the capture's own pace; times are shown as recorded`,
  };
}

/** The warning for frames set aside as copies of a packet just captured (see CaptureQuality). */
function duplicateWarning(q: CaptureQuality): CaptureWarning {
  const n = q.duplicates;
  return {
    code: 'duplicate_frames',
    frame: q.firstDuplicateFrame,
    message: `${n} frame${n === 1 ? '' : 's'} repeat${n === 1 ? 's' : ''} a packet captured at most ${humanDuration(DUPLICATE_WINDOW)} before, with the same IP ID, addresses, lengths and TCP sequence numbers and options: a SPAN port or a capture on two interfaces recorded ${n === 1 ? 'it' : 'them'} twice; each packet was analysed once, so copies are not read as retransmissions (frame numbers are the capture's own)`,
  };
}

/** The warning for a capture in which no pair of hosts was seen in both directions. */
function oneWayWarning(q: CaptureQuality): CaptureWarning {
  const named = q.namedSenders;
  const more = q.senders - named.length;
  const senders = more > 0 ? `${named.join(', ')} and ${more} more host${more === 1 ? '' : 's'}` : named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : named[0];
  const hosts = q.receivers === 1 ? 'host' : `${q.receivers} hosts`;
  return {
    code: 'one_way_capture',
    message: `one-way capture: every IP packet was sent by ${senders}, and no packet from the ${hosts} ${q.senders === 1 ? 'it' : 'they'} sent to was seen: answers may have been sent but not captured, so silence proves nothing here (only retries do)`,
  };
}

/** Memory one tracked conversation takes, roughly, for the flow_cap_reached advice (measured with npm run bench). */
const FLOW_MEMORY_KB = 1.4;

/** Internal faults listed in `capture.internalErrors` at most (all are counted). */
export const MAX_LISTED_FAULTS = 20;

/** Counts and lists the internal faults of one analysis (see InternalFault). */
class FaultLog {
  count = 0;
  readonly listed: InternalFault[] = [];

  constructor(
    private readonly anomalies: AnomalyCounter,
    private readonly onInternalError?: (fault: InternalFault, error: unknown) => void,
  ) {}

  /** The sink every component reports its contained faults to. */
  readonly sink = (component: string, frame: number, subject: FaultSubject | null, error: unknown): void => {
    this.count++;
    this.anomalies.add('internal_error', frame);
    const fault: InternalFault = { component, frame, ...(subject ? { protocol: subject.kind, stream: subject.stream } : {}), message: errorMessage(error) };
    if (this.listed.length < MAX_LISTED_FAULTS) this.listed.push(fault);
    try {
      this.onInternalError?.(fault, error);
    } catch {
      // A caller's callback must not turn a contained fault into a lost report.
    }
  };

  /** One warning for the report: how many faults, and where the first was. */
  warning(): CaptureWarning {
    const f = this.listed[0]!;
    const where = f.protocol !== undefined ? `${f.protocol}.stream ${f.stream}, frame ${f.frame}` : `frame ${f.frame}`;
    const more = this.count > 1 ? ` (${this.count} in all; see capture.internalErrors)` : '';
    return { code: 'internal_error', message: `internal error in ${f.component} at ${where}: ${f.message}${more}; that part was skipped and the analysis went on, so a verdict there may be missing or lack detail` };
  }
}

function errorMessage(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Healthy conversations listed in `report.conversations` at most; failed ones up to MAX_FAILED_SPANS. */
export const MAX_CONVERSATION_SPANS = 5_000;
const MAX_FAILED_SPANS = 20_000;

/** Collects each decided flow's time span (bounded), in capture time until `list` makes it relative. */
class SpanCollector {
  private readonly spans: ConversationSpan[] = [];
  private omitted = 0;

  add(flow: Flow, rule: string | null): void {
    if (this.spans.length >= (rule ? MAX_FAILED_SPANS : MAX_CONVERSATION_SPANS)) {
      this.omitted++;
      return;
    }
    const span: ConversationSpan = {
      protocol: flow.kind,
      stream: flow.stream,
      client: { address: flow.client.address, port: flow.client.port },
      server: { address: flow.server.address, port: flow.server.port },
      communityId: flowCommunityId(flow),
      start: flow.startTime,
      end: flow.lastTime,
      packets: flow.packets,
    };
    if (rule) span.rule = rule;
    if (flow.kind === 'tcp') {
      span.history = flow.history;
      span.connState = flow.connState;
    }
    this.spans.push(span);
  }

  /** The spans in stream order, with times in seconds after `origin`, to the microsecond. */
  list(origin: number): ConversationList {
    const rel = (t: number): number => Math.round((t - origin) * 1e6) / 1e6;
    const spans = this.spans
      .map((s) => ({ ...s, start: rel(s.start), end: rel(Math.max(s.start, s.end)) }))
      .sort((a, b) => a.start - b.start || (a.protocol === b.protocol ? a.stream - b.stream : a.protocol === 'tcp' ? -1 : 1));
    return { spans, omitted: this.omitted };
  }
}

/** Names of ethertypes seen on LANs that carry no IP (for `capture.notAnalysed`). */
const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, '802.3 LLC (spanning tree, CDP, NetBIOS)'],
  // ARP for IPv4 over Ethernet is decoded (and read by host-unreachable); other ARP is not.
  [0x0806, 'ARP (not IPv4 over Ethernet)'],
  [0x0842, 'Wake-on-LAN'],
  [0x8035, 'RARP'],
  [0x809b, 'AppleTalk'],
  [0x80f3, 'AppleTalk ARP'],
  [0x8137, 'IPX'],
  [0x8809, 'LACP (slow protocols)'],
  [0x8863, 'PPPoE discovery'],
  [0x8864, 'PPPoE session'],
  [0x888e, 'EAPOL (802.1X)'],
  [0x88cc, 'LLDP'],
  [0x88e5, 'MACsec'],
  [0x88f7, 'PTP'],
  [0x893a, 'IEEE 1905.1'],
  [0x9000, 'Ethernet loopback'],
]);

/** Names of IP protocols other than TCP, UDP and ICMP that captures commonly hold. */
const IP_PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [2, 'IGMP'],
  [4, 'IP in IP'],
  [41, 'IPv6 in IPv4'],
  [47, 'GRE'],
  [50, 'ESP (IPsec)'],
  [51, 'AH (IPsec)'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [112, 'VRRP'],
  [132, 'SCTP'],
]);

/**
 * What the analysis did not look at, by kind (`capture.notAnalysed`), so that a report finding
 * nothing says what it could not have found: frames without IP, IP protocols no rule reads,
 * ICMP outside any conversation that no rule reads, frames of unsupported link types.
 */
class NotAnalysed {
  private readonly counts = new Map<string, number>();

  get size(): number {
    return this.counts.size;
  }

  private add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** A frame with no IP layer; ARP is read by host-unreachable. */
  nonIp(pkt: Packet): void {
    if (pkt.arp !== null) return;
    const t = pkt.etherType;
    this.add(t < 0 ? 'frames without a decodable link header' : `${ETHERTYPE_NAMES.get(t) ?? `ethertype 0x${t.toString(16).padStart(4, '0')}`} frames`);
  }

  /** An IP packet of a protocol other than TCP, UDP and ICMP. */
  ipProtocol(protocol: number): void {
    this.add(`IP protocol ${protocol}${IP_PROTOCOL_NAMES.has(protocol) ? ` (${IP_PROTOCOL_NAMES.get(protocol)})` : ''} packets`);
  }

  /**
   * ICMP outside any conversation that no rule reads: everything but echo, destination
   * unreachable and (ICMPv6) neighbour solicitations and advertisements.
   */
  icmp(pkt: Packet): void {
    const t = pkt.icmpType;
    const read = pkt.l4 === 1 ? t === 0 || t === 8 || t === 3 : t === 128 || t === 129 || t === 1 || t === 135 || t === 136;
    if (read) return;
    this.add(pkt.quoted !== null ? 'ICMP errors not tied to a TCP or UDP conversation (time exceeded, packet too big, …)' : 'ICMP messages other than echo and errors (redirects, router and multicast listener messages, …)');
  }

  /** Kind → count, sorted by kind, with the frames of unsupported link types. */
  toRecord(unsupported: ReadonlyMap<number, number>): Record<string, number> {
    const all = new Map(this.counts);
    for (const [lt, n] of unsupported) all.set(`frames of link type ${linkTypeName(lt)} (${lt})`, n);
    const out: Record<string, number> = {};
    for (const k of [...all.keys()].sort()) out[k] = all.get(k)!;
    return out;
  }
}
