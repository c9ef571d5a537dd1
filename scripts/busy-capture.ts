/**
 * A busy capture for the flow cap: many short TCP conversations opening at a steady rate, so that
 * tens of thousands are open at once, with a known number of refusals and resets among them.
 * What a busy server's SPAN port looks like; the analysis at default settings must judge every
 * conversation (no flow set aside) and find exactly the refusals and resets.
 *
 *   tsx scripts/busy-capture.ts [--rate 200000] [--hold 0.25] [--seconds 2] [--late 0] [--out FILE]
 *
 * Conversation i opens at i/rate: SYN, SYN-ACK, ACK, a request, a response, FIN both ways and
 * the last ACK, spread over `hold` seconds. Every REFUSE_EVERY-th is refused (SYN, RST) and
 * every RESET_EVERY-th is reset by the server after the request. With `--late S`, every
 * LATE_EVERY-th of the others sends its request once more S seconds after its last ACK (a
 * spurious retransmission, long after the conversation was decided): it must keep the
 * conversation's stream, so the conversations counted stay the same. Writes FILE and
 * FILE.truth.json.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { frame, type TcpFlagName } from '../dev/packet-builder.js';
import { PcapWriter } from '../dev/pcap-writer.js';

export const REFUSE_EVERY = 997;
export const RESET_EVERY = 1009;
export const LATE_EVERY = 10;

/** Counts the analysis must reproduce. */
export interface BusyTruth {
  rate: number;
  hold: number;
  seconds: number;
  conversations: number;
  refused: number;
  reset: number;
  packets: number;
  /** Conversations open (first packet seen, last not yet) at the busiest moment. */
  maxOpen: number;
  /** Seconds after its last ACK a late retransmission comes, and how many conversations send one. */
  late?: number;
  lateRetransmissions?: number;
}

interface Step {
  /** Seconds after the conversation's start. */
  at: number;
  from: 'c' | 's';
  flags: TcpFlagName[];
  payload: number;
}

type Kind = 'ok' | 'refused' | 'reset' | 'late';

function steps(hold: number, kind: Kind, late = 0): Step[] {
  const at = (k: number) => (hold * k) / 7;
  if (kind === 'refused') return [{ at: 0, from: 'c', flags: ['SYN'], payload: 0 }, { at: at(0.01), from: 's', flags: ['RST', 'ACK'], payload: 0 }];
  const open: Step[] = [
    { at: 0, from: 'c', flags: ['SYN'], payload: 0 },
    { at: at(1), from: 's', flags: ['SYN', 'ACK'], payload: 0 },
    { at: at(2), from: 'c', flags: ['ACK'], payload: 0 },
    { at: at(3), from: 'c', flags: ['PSH', 'ACK'], payload: 120 },
  ];
  if (kind === 'reset') return [...open, { at: at(4), from: 's', flags: ['RST', 'ACK'], payload: 0 }];
  const ok: Step[] = [...open, { at: at(4), from: 's', flags: ['PSH', 'ACK'], payload: 300 }, { at: at(5), from: 'c', flags: ['FIN', 'ACK'], payload: 0 }, { at: at(6), from: 's', flags: ['FIN', 'ACK'], payload: 0 }, { at: at(7), from: 'c', flags: ['ACK'], payload: 0 }];
  return kind === 'late' ? [...ok, { ...open[3]!, at: at(7) + late }] : ok;
}

/** Sequence and acknowledgment numbers of each step, for a client ISN 1000 and server ISN 5000. */
function numbers(s: Step[]): Array<[number, number]> {
  let c = 1000;
  let sv = 5000;
  return s.map((x, k) => {
    // The late retransmission repeats the request (step 3) as it was.
    if (k === 8) return [1001, 5001];
    const seq = x.from === 'c' ? c : sv;
    const ack = x.flags.includes('SYN') && x.from === 'c' ? 0 : x.from === 'c' ? sv : c;
    const used = x.payload + (x.flags.includes('SYN') || x.flags.includes('FIN') ? 1 : 0);
    if (x.from === 'c') c += used;
    else sv += used;
    return [seq, ack];
  });
}

/** Write the capture; returns its truth. */
export function writeBusyCapture(out: string, rate = 200_000, hold = 0.25, seconds = 2, late = 0): BusyTruth {
  const kinds = ['ok', 'refused', 'reset', 'late'] as const;
  // One template frame per step of each kind; per conversation only addresses and ports change.
  const templates = new Map<string, { step: Step; bytes: Buffer }[]>();
  for (const kind of kinds) {
    const st = steps(hold, kind, late);
    const nums = numbers(st);
    templates.set(
      kind,
      st.map((step, k) => {
        const [src, dst, sport, dport] = step.from === 'c' ? ['10.0.0.1', '10.200.0.1', 40000, 443] : ['10.200.0.1', '10.0.0.1', 443, 40000];
        const bytes = frame().eth().ipv4({ src, dst }).tcp({ sport, dport, seq: nums[k]![0], ack: nums[k]![1], flags: step.flags, payload: step.payload }).build();
        return { step, bytes };
      }),
    );
  }
  const conversations = Math.round(rate * seconds);
  const kindOf = (i: number): Kind =>
    i % REFUSE_EVERY === REFUSE_EVERY - 1 ? 'refused' : i % RESET_EVERY === RESET_EVERY - 1 ? 'reset' : late > 0 && i % LATE_EVERY === 0 ? 'late' : 'ok';
  // Packets in time order: a k-way merge over the steps (step k of conversation i is at i/rate + at_k).
  type Cursor = { k: number; i: number };
  const offsets = steps(hold, late > 0 ? 'late' : 'ok', late).map((s) => s.at);
  const cursors: Cursor[] = offsets.map((_, k) => ({ k, i: 0 }));
  const t0 = 1_750_000_000;
  mkdirSync(dirname(out), { recursive: true });
  const fd = openSync(out, 'w');
  // The writer's file header (classic pcap, microseconds, Ethernet); records are patched below.
  writeSync(fd, new PcapWriter().toBuffer());
  const chunk = Buffer.alloc(8 << 20);
  let used = 0;
  let packets = 0;
  let refused = 0;
  let reset = 0;
  let lateRetransmissions = 0;
  for (let i = 0; i < conversations; i++) {
    const k = kindOf(i);
    if (k === 'refused') refused++;
    else if (k === 'reset') reset++;
    else if (k === 'late') lateRetransmissions++;
  }
  for (;;) {
    // The cursor whose next packet is earliest.
    let best: Cursor | null = null;
    let bestT = Infinity;
    for (const c of cursors) {
      if (c.i >= conversations) continue;
      const t = c.i / rate + offsets[c.k]!;
      if (t < bestT) {
        bestT = t;
        best = c;
      }
    }
    if (best === null) break;
    const i = best.i++;
    const tpl = templates.get(kindOf(i))!;
    if (best.k >= tpl.length) continue;
    const { step, bytes } = tpl[best.k]!;
    const t = i / rate + step.at;
    if (used + 16 + bytes.length > chunk.length) {
      writeSync(fd, chunk, 0, used);
      used = 0;
    }
    const sec = Math.floor(t);
    chunk.writeUInt32LE(t0 + sec, used);
    chunk.writeUInt32LE(Math.min(999_999, Math.round((t - sec) * 1e6)), used + 4);
    chunk.writeUInt32LE(bytes.length, used + 8);
    chunk.writeUInt32LE(bytes.length, used + 12);
    bytes.copy(chunk, used + 16);
    // Client address 10.(1 + i / 2^24 % 250).x.y and port from i, so every conversation is its own flow.
    const p = used + 16;
    const clientWord = ((10 << 24) | ((1 + ((i >>> 14) & 0x7f)) << 16) | ((i >>> 6) & 0xff) << 8 | (i & 0x3f)) >>> 0;
    const clientPort = 1024 + ((i * 7919) % 60000);
    const cliIp = step.from === 'c' ? 26 : 30;
    chunk.writeUInt32BE(clientWord, p + cliIp);
    chunk.writeUInt16BE(clientPort, p + (step.from === 'c' ? 34 : 36));
    used += 16 + bytes.length;
    packets++;
  }
  writeSync(fd, chunk, 0, used);
  closeSync(fd);
  const truth: BusyTruth = { rate, hold, seconds, conversations, refused, reset, packets, maxOpen: Math.min(conversations, Math.round(rate * hold)), ...(late > 0 ? { late, lateRetransmissions } : {}) };
  writeFileSync(`${out}.truth.json`, JSON.stringify(truth, null, 2) + '\n');
  return truth;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const outIdx = args.indexOf('--out');
  const out = resolve(outIdx >= 0 ? args[outIdx + 1]! : 'bench-data/busy.pcap');
  const truth = writeBusyCapture(out, opt('--rate', 200_000), opt('--hold', 0.25), opt('--seconds', 2), opt('--late', 0));
  const late = truth.late ? `, ${truth.lateRetransmissions} late retransmissions ${truth.late} s after the close` : '';
  console.log(`${out}: ${truth.packets} packets, ${truth.conversations} conversations, ${truth.maxOpen} open at once, ${truth.refused} refused, ${truth.reset} reset${late}`);
}
