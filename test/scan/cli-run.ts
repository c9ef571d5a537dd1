/** Run the CLI in a subprocess (built bin/wirewhy.js) or in-process (TypeScript sources). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built command (test/global-setup.ts builds dist/ first). */
export const BIN = fileURLToPath(new URL('../../bin/wirewhy.js', import.meta.url));

/** Output and exit status of one run. */
export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** `node bin/wirewhy.js ARGS` as a subprocess. */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The program in-process (scan workers then start from src/scan/worker.ts through tsx). */
export async function runInProcess(args: string[], env: NodeJS.ProcessEnv = { NO_COLOR: '1' }): Promise<RunResult> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env };
  const code = await runCli(['node', 'wirewhy', ...args], io);
  return { code, out, err };
}
