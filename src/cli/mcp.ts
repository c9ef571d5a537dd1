/**
 * `wirewhy mcp`: the analysis as tools for AI assistants, over the Model Context Protocol on
 * standard input and output, with the official TypeScript SDK. The program loads this module
 * (and the SDK) only when the command runs, so other commands start as fast as before.
 *
 * Tools: analyze_capture, explain, show_frames, list_conversations (see mcp-tools.ts). Paths are
 * files on the user's machine, relative to the server's working directory. Analyses run one at a
 * time: two large captures analysed at once would double the memory the command promises.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';
import { VERSION } from '../version.js';
import { SEVERITIES } from '../rules/types.js';
import {
  MAX_ARGUMENT_CHARS,
  MAX_CONVERSATIONS_SHOWN,
  MAX_FINDINGS_SHOWN,
  MAX_FRAMES_REQUESTED,
  ToolInputError,
  analyzeCaptureTool,
  explainTool,
  listConversationsTool,
  showFramesTool,
} from './mcp-tools.js';
import { EXIT_OK, type CliIo } from './io.js';

/** Instructions the client may give its model: what the server is for and how to cite it. */
const INSTRUCTIONS =
  'wirewhy reads packet captures (pcap, pcapng, gzip) on this machine and says why connections failed, ' +
  'with the error code each OS reports (Windows 10061 WSAECONNREFUSED, Linux 111 ECONNREFUSED, …). ' +
  'Start with analyze_capture; cite findings by their frame numbers and Wireshark filters; ' +
  'use show_frames to look at the packets behind a finding and explain for a code or message the user quotes.';

/** The answer to a tool call: JSON text, or the reason the input could not be used. */
async function answer(work: () => Promise<unknown> | unknown): Promise<CallToolResult> {
  try {
    const value = await work();
    return { content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] };
  } catch (e) {
    if (e instanceof ToolInputError) return { isError: true, content: [{ type: 'text', text: e.message }] };
    throw e;
  }
}

/** Runs jobs one after another. */
function serialized(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>): Promise<T> => {
    const run = tail.then(job, job);
    tail = run.catch(() => undefined);
    return run;
  };
}

const pathArgument = z.string().min(1).max(MAX_ARGUMENT_CHARS).describe('Path of a capture file (pcap, pcapng, or gzip of either) on this machine; relative paths start at the server\'s working directory');

/** A server with wirewhy's tools, not yet connected (tests connect it to an in-memory client). */
export function createMcpServer(): McpServer {
  const server = new McpServer({ name: 'wirewhy', version: VERSION }, { instructions: INSTRUCTIONS });
  const oneAtATime = serialized();
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

  server.registerTool(
    'analyze_capture',
    {
      title: 'Why connections failed in a capture',
      description:
        `Analyse a packet capture and list its failed connections: for each finding its number, rule, severity, client and server, ` +
        `Wireshark stream (and "tcp.stream eq N" filter), evidence frame numbers, the error code each OS reports, a one-line summary ` +
        `and an address filter. rule, code and severity keep only matching findings, as the command's --rule, --code and --severity do. ` +
        `At most ${MAX_FINDINGS_SHOWN} findings are listed; the rest are counted.`,
      inputSchema: {
        path: pathArgument,
        rule: z.string().max(MAX_ARGUMENT_CHARS).optional().describe('Only findings of this rule (connection-refused, connect-timeout, connection-reset, …); several separated by commas'),
        code: z
          .string()
          .max(MAX_ARGUMENT_CHARS)
          .optional()
          .describe('Only findings citing this error code: a number (10061, 111, 18456, 503, 0x80090326) or a name (ECONNREFUSED, WSAETIMEDOUT); several separated by commas'),
        severity: z.enum(SEVERITIES).optional().describe('Only findings of at least this severity (error: an application got an error; warning: degraded or uncertain; info)'),
      },
      annotations: readOnly,
    },
    (args) => answer(() => oneAtATime(() => analyzeCaptureTool(args))),
  );

  server.registerTool(
    'explain',
    {
      title: 'Explain an error code or message',
      description:
        'What an error code (10061, ECONNREFUSED, WSAETIMEDOUT, EAI_NONAME), a rule id (connection-refused) or an error message means ' +
        'on the wire, how it differs from its neighbours, and what to check.',
      inputSchema: { query: z.string().min(1).max(MAX_ARGUMENT_CHARS).describe('An error code, symbol, rule id, or the error message the application printed') },
      annotations: readOnly,
    },
    ({ query }) =>
      answer(() => {
        const r = explainTool(query);
        if (!r.found) throw new ToolInputError(r.text);
        return r.text;
      }),
  );

  server.registerTool(
    'show_frames',
    {
      title: 'Decode frames of a capture',
      description:
        `Decode frames by number (as Wireshark numbers them): time, addresses, ports, protocol, TCP flags, sequence and acknowledgement ` +
        `numbers and payload length, UDP and DNS, ICMP errors with the packet they quote. At most ${MAX_FRAMES_REQUESTED} frames per call.`,
      inputSchema: {
        path: pathArgument,
        frames: z.array(z.number().int().min(1).max(0xffffffff)).min(1).max(MAX_FRAMES_REQUESTED).describe('Frame numbers, 1-based'),
      },
      annotations: readOnly,
    },
    (args) => answer(() => oneAtATime(() => showFramesTool(args))),
  );

  server.registerTool(
    'list_conversations',
    {
      title: 'List the conversations of a capture',
      description:
        'Every TCP conversation and UDP exchange: Wireshark stream, client and server, packets, start and end (seconds after the ' +
        `capture's start) and the rule of its finding when it failed. failedOnly lists only failed ones. At most ${MAX_CONVERSATIONS_SHOWN} are listed.`,
      inputSchema: {
        path: pathArgument,
        failedOnly: z.boolean().optional().describe('Only conversations that failed'),
        limit: z.number().int().min(1).max(MAX_CONVERSATIONS_SHOWN).optional().describe(`How many to list (default and most: ${MAX_CONVERSATIONS_SHOWN})`),
      },
      annotations: readOnly,
    },
    (args) => answer(() => oneAtATime(() => listConversationsTool(args))),
  );

  return server;
}

/**
 * Serve on standard input and output until the client closes its end (or Ctrl-C). Nothing else
 * may write to standard output: it carries the protocol.
 */
export async function runMcp(io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  const server = createMcpServer();
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  // The transport does not notice the end of its input: the client went away.
  const end = (): void => void server.close();
  process.stdin.once('end', end);
  process.stdin.once('close', end);
  const watch = setInterval(() => {
    if (signal?.stopped) end();
  }, 250);
  watch.unref();
  server.server.onerror = (e) => {
    if (io.env.WIREWHY_DEBUG) io.stderr.write(`wirewhy mcp: ${e.stack ?? e.message}\n`);
  };
  await server.connect(transport);
  await closed;
  clearInterval(watch);
  return EXIT_OK;
}
