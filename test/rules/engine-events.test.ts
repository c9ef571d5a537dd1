/**
 * The rule engine's events: only rules that listen are called, each keeps its own state on the
 * conversation, and a rule that throws in an event is contained while the others still hear it.
 */
import { describe, expect, it } from 'vitest';
import { RuleEngine, type Rule } from '../../src/rules/engine.js';
import type { RuleMeta } from '../../src/rules/types.js';
import { analyzeRecords, Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:8080';

function meta(id: string): RuleMeta {
  return { id, description: id, severity: 'info', onTheWire: '', codes: [], causes: [], checks: [], gist: id };
}

/** A connection the server resets twice (two RSTs with different sequence numbers). */
function twoConversations(): Scenario {
  return new Scenario(C, S)
    .tcp('c', 0, ['SYN'], 100)
    .tcp('s', 0.001, ['SYN', 'ACK'], 500, 101)
    .tcp('c', 0.002, ['ACK'], 101, 501)
    .tcp('s', 0.1, ['RST'], 501)
    .tcp('s', 0.2, ['RST'], 600);
}

/** A rule that counts the RSTs of each conversation in its own state and reports the count. */
function rstCounter(id: string): Rule {
  return {
    meta: meta(id),
    create(ctx) {
      return {
        onRst(c) {
          const s = ctx.stateOf<{ n: number }>(c) ?? ctx.setState(c, { n: 0 });
          s.n++;
        },
        onTcpConversationEnd(c) {
          const n = ctx.stateOf<{ n: number }>(c)?.n ?? 0;
          if (n > 0) ctx.report({ frames: [c.firstFrame], summary: `${n} resets`, details: { resets: n } });
        },
      };
    },
  };
}

describe('rule engine events', () => {
  it('builds a dispatcher only for events some rule listens for', () => {
    const engine = new RuleEngine([rstCounter('counts-resets')], { precision: () => 6, clock: () => 0 });
    expect(engine.events.onRst).toBeTypeOf('function');
    expect(engine.events.onSyn).toBeUndefined();
    expect(engine.events.onRetransmission).toBeUndefined();
    expect(new RuleEngine([], { precision: () => 6, clock: () => 0 }).events).toEqual({});
  });

  it('each rule keeps its own state per conversation, and reads it when the conversation ends', async () => {
    const report = await analyzeRecords(twoConversations().records, { rules: [rstCounter('counts-resets')] });
    expect(report.findings.map((f) => f.details)).toEqual([{ resets: 2 }]);
  });

  it('a rule that throws in an event is named in the report; the other rules still hear the event', async () => {
    const faulty: Rule = {
      meta: meta('faulty'),
      create() {
        return {
          onRst() {
            throw new Error('rule bug for the test');
          },
        };
      },
    };
    const report = await analyzeRecords(twoConversations().records, { rules: [faulty, rstCounter('counts-resets')] });
    expect(report.findings.map((f) => [f.rule, f.details])).toEqual([['counts-resets', { resets: 2 }]]);
    expect(report.capture.internalErrors?.map((e) => [e.component, e.frame])).toEqual([
      ['rule faulty', 4],
      ['rule faulty', 5],
    ]);
  });
});
