import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import { StreamReassembler } from '../../src/flow/reassembly.js';
import { TcpConversation } from '../../src/flow/tcp.js';
import { analyzeCapture } from '../../src/analyze.js';
import { STREAM_RECOGNISERS } from '../../src/app/index.js';
import type { Rule } from '../../src/rules/engine.js';
import { RULES } from '../../src/rules/index.js';
import { analyzeOne } from '../../src/scan/analyze-one.js';
import { scanTotals } from '../../src/scan/types.js';
import { formatReport } from '../../src/report/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

const MIX = join(FIXTURES, 'kernel/mix.pcap');
const TLS = join(FIXTURES, 'kernel/tls-reset-sni.pcap');

/** A rule that throws on every TCP conversation it is asked about. */
const throwingRule: Rule = {
  meta: { ...RULES[0]!.meta, id: 'throws-always' },
  create: () => ({
    onTcpConversationEnd() {
      throw new TypeError('rule bug for the test');
    },
  }),
};

/** The real rules, with the one that reports resets replaced by a copy that throws first. */
function rulesWithFaultyReset(): Rule[] {
  return RULES.map((r) =>
    r.meta.id !== 'connection-reset'
      ? r
      : {
          meta: r.meta,
          create: () => ({
            onTcpConversationEnd() {
              throw new RangeError('reset rule bug for the test');
            },
          }),
        },
  );
}

describe('an internal fault in one conversation never loses the report', () => {
  it('a throwing rule is skipped: the next rule in order still decides, every fault is named', async () => {
    const clean = await analyzeCapture(MIX);
    const report = await analyzeCapture(MIX, { rules: [throwingRule, ...RULES] });
    // Same findings as without the faulty rule.
    expect(report.findings.map((f) => [f.rule, f.stream])).toEqual(clean.findings.map((f) => [f.rule, f.stream]));
    const tcp = clean.summary.tcpConversations;
    expect(report.capture.anomalies.internal_error).toBe(tcp);
    expect(report.capture.internalErrors).toHaveLength(tcp);
    const fault = report.capture.internalErrors![0]!;
    expect(fault).toMatchObject({ component: 'rule throws-always', protocol: 'tcp' });
    expect(fault.message).toBe('TypeError: rule bug for the test');
    expect(fault.frame).toBeGreaterThan(0);
    expect(new Set(report.capture.internalErrors!.map((f) => f.stream)).size).toBe(tcp);
    expect(report.capture.warnings.map((w) => w.code)).toContain('internal_error');
  });

  it('a fault in the rule that would have reported leaves that conversation without a finding, the others keep theirs', async () => {
    const report = await analyzeCapture(MIX, { rules: rulesWithFaultyReset() });
    expect(report.findings.map((f) => f.rule)).toEqual(['connection-refused', 'connect-timeout', 'udp-port-unreachable']);
    expect(report.capture.internalErrors?.every((f) => f.component === 'rule connection-reset')).toBe(true);
  });

  it('a throwing recogniser costs the finding its application context, not the finding', async () => {
    const clean = await analyzeCapture(TLS);
    expect(clean.findings[0]!.details.application).toMatchObject({ protocol: 'tls' });
    const faulty = { name: 'broken', recognise: () => { throw new Error('recogniser bug for the test'); } };
    const report = await analyzeCapture(TLS, { recognisers: [faulty, ...STREAM_RECOGNISERS] });
    // The faulty one is tried first, fails, and the TLS recogniser after it still answers.
    expect(report.findings.map((f) => f.rule)).toEqual(clean.findings.map((f) => f.rule));
    expect(report.findings[0]!.details.application).toMatchObject({ protocol: 'tls' });
    expect(report.capture.internalErrors).toEqual([
      { component: 'recogniser broken', frame: expect.any(Number), protocol: 'tcp', stream: clean.findings[0]!.stream, message: 'Error: recogniser bug for the test' },
    ]);
    const alone = await analyzeCapture(TLS, { recognisers: [faulty] });
    expect(alone.findings).toHaveLength(1);
    expect(alone.findings[0]!.details.application).toBeUndefined();
  });

  it('passes each fault with its error to onInternalError, and survives a throwing callback', async () => {
    const seen: Array<[string, unknown]> = [];
    const report = await analyzeCapture(MIX, {
      rules: [throwingRule, ...RULES],
      onInternalError: (fault, e) => {
        seen.push([fault.component, e]);
        throw new Error('callback bug');
      },
    });
    expect(seen.length).toBe(report.capture.anomalies.internal_error);
    expect(seen[0]![1]).toBeInstanceOf(TypeError);
    expect((seen[0]![1] as Error).stack).toContain('rule bug for the test');
    expect(report.findings.length).toBe(4);
  });

  it('every text-like format shows the fault', async () => {
    const report = await analyzeCapture(MIX, { rules: [throwingRule, ...RULES] });
    for (const format of ['text', 'junit', 'html'] as const) {
      expect(formatReport(format, report, { color: false, unicode: false }), format).toContain('internal error in rule throws-always');
    }
  });

  it('a scan counts such a capture as analysed, not unreadable', async () => {
    const result = await analyzeOne(MIX, { rules: [throwingRule, ...RULES] });
    expect(result.error).toBeUndefined();
    expect(result.report?.capture.anomalies.internal_error).toBeGreaterThan(0);
    const totals = scanTotals([{ file: MIX, size: 1, report: result.report! }], 0);
    expect(totals.unreadable).toBe(0);
    expect(totals.analysed).toBe(1);
  });
});

describe('faults below the rules: the flow and reassembly code', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a fault while reassembling costs that conversation its kept bytes, nothing else', async () => {
    const clean = await analyzeCapture(TLS);
    vi.spyOn(StreamReassembler.prototype, 'add').mockImplementationOnce(() => {
      throw new Error('reassembly bug for the test');
    });
    const report = await analyzeCapture(TLS);
    expect(report.findings.map((f) => [f.rule, f.stream, f.frames])).toEqual(clean.findings.map((f) => [f.rule, f.stream, f.frames]));
    expect(report.findings[0]!.details.application).toBeUndefined();
    expect(report.capture.internalErrors).toEqual([{ component: 'reassembly', frame: expect.any(Number), protocol: 'tcp', stream: 0, message: 'Error: reassembly bug for the test' }]);
  });

  it('a fault while accounting one TCP segment is named with its frame and stream; later packets still count', async () => {
    const clean = await analyzeCapture(MIX);
    const update = TcpConversation.prototype.update;
    vi.spyOn(TcpConversation.prototype, 'update').mockImplementation(function (this: TcpConversation, p, fromA, events) {
      if (p.frame === 3) throw new Error('tcp bug for the test');
      update.call(this, p, fromA, events);
    });
    const report = await analyzeCapture(MIX);
    expect(report.capture.internalErrors).toEqual([{ component: 'tcp', frame: 3, protocol: 'tcp', stream: 1, message: 'Error: tcp bug for the test' }]);
    // The other conversations are judged as before.
    const others = (r: typeof clean) => r.findings.filter((f) => f.stream !== 1 || f.protocol !== 'tcp').map((f) => [f.rule, f.stream]);
    expect(others(report)).toEqual(others(clean));
  });

  it('the CLI prints the report and exits by its findings, with the stack only under WIREWHY_DEBUG', async () => {
    vi.spyOn(StreamReassembler.prototype, 'add').mockImplementation(() => {
      throw new Error('reassembly bug for the test');
    });
    for (const debug of [false, true]) {
      let out = '';
      let err = '';
      const io: CliIo = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: debug ? { WIREWHY_DEBUG: '1' } : {} };
      const code = await runCli(['node', 'wirewhy', 'analyze', TLS, '--fail-on', 'error'], io);
      expect(code).toBe(1); // the reset is an error finding; not 2
      expect(out).toContain('connection-reset');
      expect(out).toContain('internal error in reassembly at tcp.stream 0');
      if (debug) expect(err).toMatch(/internal error in reassembly at tcp\.stream 0, frame \d+ \(contained\)\n.*Error: reassembly bug for the test\n\s+at /s);
      else expect(err).toBe('');
    }
  });
});
