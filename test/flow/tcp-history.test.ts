/**
 * The TCP conversation's history string, by Zeek's rules for conn.log `history`: one letter per
 * kind of segment, upper case for the originator; a, d, i, q once per side; s, h, f, r again
 * when the sequence number differs from the last of that flag; t and w at the 1st, 10th, 100th…
 * time. Each scenario is fed through the flow table as the analysis does.
 */
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { FlowTable } from '../../src/flow/table.js';
import type { TcpConversation } from '../../src/flow/tcp.js';
import { Scenario } from '../helpers/scenario.js';
import { writePcap } from '../../dev/pcap-writer.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:80';

/** The one TCP conversation `scenario` makes. */
function conversationOf(scenario: Scenario): TcpConversation {
  const table = new FlowTable(() => {});
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  let conv: TcpConversation | null = null;
  readCaptureBuffer(writePcap(scenario.records), (frame) => {
    decodeFrame(frame, pkt, anomalies);
    pkt.time = frame.tsSec + frame.tsNsec / 1e9;
    const c = table.tcp(pkt);
    expect(conv === null || conv === c, 'one conversation').toBe(true);
    conv = c;
  });
  return conv!;
}

function historyOf(scenario: Scenario): string {
  return conversationOf(scenario).history;
}

/** SYN, SYN-ACK, ACK from 100 / 500. */
function handshake(): Scenario {
  return new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501);
}

describe('TCP history (Zeek conn.log letters)', () => {
  it('a request, its answer and an orderly close', () => {
    const s = handshake()
      .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 20 })
      .tcp('s', 0.02, ['ACK'], 501, 121)
      .tcp('s', 0.03, ['PSH', 'ACK'], 501, 121, { payload: 50 })
      .tcp('c', 0.04, ['FIN', 'ACK'], 121, 551)
      .tcp('s', 0.05, ['FIN', 'ACK'], 551, 122)
      .tcp('c', 0.06, ['ACK'], 122, 552);
    expect(historyOf(s)).toBe('ShADadFf');
  });

  it('a refusal: SYN answered by RST', () => {
    expect(historyOf(new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101))).toBe('Sr');
  });

  it('a SYN sent again with the same sequence number writes no second S; another number does', () => {
    const same = new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 1, ['SYN'], 100).tcp('c', 3, ['SYN'], 100);
    expect(historyOf(same)).toBe('S');
    // A SYN-ACK resent with a new ISN (the same conversation: only a client SYN starts a new one).
    const newIsn = handshake().tcp('s', 1, ['SYN', 'ACK'], 900, 101);
    expect(historyOf(newIsn)).toBe('ShAh');
  });

  it('RSTs: again only when the sequence number differs from the last RST', () => {
    const s = handshake().tcp('s', 1, ['RST'], 501).tcp('s', 1.1, ['RST'], 501).tcp('s', 1.2, ['RST'], 700);
    expect(historyOf(s)).toBe('ShArr');
  });

  it('a FIN carrying the only data of its side is an f, not a d', () => {
    const s = handshake().tcp('s', 0.01, ['FIN', 'PSH', 'ACK'], 501, 101, { payload: 30 });
    expect(historyOf(s)).toBe('ShAf');
  });

  it('a FIN sent again at the same place writes one F', () => {
    const s = handshake().tcp('c', 0.01, ['FIN', 'ACK'], 101, 501).tcp('c', 0.3, ['FIN', 'ACK'], 101, 501);
    expect(historyOf(s)).toBe('ShAF');
  });

  it('SYN+FIN is a q, FIN+RST an i, each once', () => {
    expect(historyOf(new Scenario(C, S).tcp('c', 0, ['SYN', 'FIN'], 100).tcp('c', 1, ['SYN', 'FIN'], 100))).toBe('Q');
    expect(historyOf(handshake().tcp('c', 0.01, ['FIN', 'RST', 'ACK'], 101, 501).tcp('c', 0.02, ['FIN', 'RST', 'ACK'], 101, 501))).toBe('ShAI');
  });

  it('retransmissions are written at the 1st and 10th (and would be at the 100th)', () => {
    const nine = handshake().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 35 });
    for (let i = 1; i <= 9; i++) nine.tcp('c', 0.01 + i * 0.2, ['PSH', 'ACK'], 101, 501, { payload: 35 });
    expect(historyOf(nine)).toBe('ShADT');
    const twelve = handshake().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 35 });
    for (let i = 1; i <= 12; i++) twelve.tcp('c', 0.01 + i * 0.2, ['PSH', 'ACK'], 101, 501, { payload: 35 });
    const c = conversationOf(twelve);
    expect(c.client.retransmissions).toBe(12);
    expect(c.history).toBe('ShADTT');
  });

  it('a keep-alive (one byte below the next sequence, nothing outstanding) is no retransmission', () => {
    const s = handshake()
      .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 10 })
      .tcp('s', 0.02, ['ACK'], 501, 111)
      .tcp('c', 60, ['ACK'], 110, 501, { payload: 1 });
    expect(historyOf(s)).toBe('ShADa');
  });

  it('zero windows are written at the 1st and 10th', () => {
    const s = handshake().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 100 });
    for (let i = 0; i < 10; i++) s.tcp('s', 0.02 + i * 0.5, ['ACK'], 501, 201, { window: 0 });
    expect(historyOf(s)).toBe('ShADaww');
  });

  it('a conversation seen from the middle starts without s or h', () => {
    const s = new Scenario(C, S).tcp('c', 0, ['PSH', 'ACK'], 101, 501, { payload: 10 }).tcp('s', 0.01, ['ACK'], 501, 111);
    expect(historyOf(s)).toBe('Da');
  });
});

describe('TCP conn_state (Zeek conn.log)', () => {
  const closed = (): Scenario =>
    handshake()
      .tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 20 })
      .tcp('s', 0.02, ['PSH', 'ACK'], 501, 121, { payload: 50 })
      .tcp('c', 0.04, ['FIN', 'ACK'], 121, 551)
      .tcp('s', 0.05, ['FIN', 'ACK'], 551, 122)
      .tcp('c', 0.06, ['ACK'], 122, 552);
  const cases: Array<[string, () => Scenario, string]> = [
    ['S0: SYNs never answered', () => new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 1, ['SYN'], 100), 'S0'],
    ['REJ: SYN answered by RST', () => new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101), 'REJ'],
    ['S1: established, still open', () => handshake().tcp('c', 0.01, ['PSH', 'ACK'], 101, 501, { payload: 20 }), 'S1'],
    ['SF: closed in order', closed, 'SF'],
    ['S2: only the originator closed', () => handshake().tcp('c', 0.01, ['FIN', 'ACK'], 101, 501).tcp('s', 0.02, ['ACK'], 501, 102), 'S2'],
    ['S3: only the responder closed', () => handshake().tcp('s', 0.01, ['FIN', 'ACK'], 501, 101).tcp('c', 0.02, ['ACK'], 101, 502), 'S3'],
    ['RSTO: the originator reset an established connection', () => handshake().tcp('c', 0.01, ['RST', 'ACK'], 101, 501), 'RSTO'],
    ['RSTR: the responder reset an established connection', () => handshake().tcp('s', 0.01, ['RST'], 501), 'RSTR'],
    ['RSTOS0: SYN then the originator\'s RST, no answer', () => new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 0.5, ['RST'], 101), 'RSTOS0'],
    ['SH: SYN then FIN, no answer', () => new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 0.5, ['FIN'], 101), 'SH'],
    ['OTH: midstream traffic', () => new Scenario(C, S).tcp('c', 0, ['PSH', 'ACK'], 101, 501, { payload: 10 }).tcp('s', 0.01, ['ACK'], 501, 111), 'OTH'],
  ];
  for (const [name, scenario, state] of cases) {
    it(name, () => {
      expect(conversationOf(scenario()).connState).toBe(state);
    });
  }
});
