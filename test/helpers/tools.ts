/**
 * External tools some tests need (tshark, tcpdump, xmllint, chromium). A test that needs a missing
 * tool skips with a visible message; with WIREWHY_REQUIRE_ALL=1 (set by .ci/run) it fails instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Absolute path of a command on PATH, or null. */
export function findTool(name: string): string | null {
  try {
    const out = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out && existsSync(out) ? out : null;
  } catch {
    return null;
  }
}

/** True when missing tools must fail the run instead of skipping. */
export function requireAll(): boolean {
  return !!process.env.WIREWHY_REQUIRE_ALL && process.env.WIREWHY_REQUIRE_ALL !== '0';
}

/**
 * Decide whether tests needing `what` can run. Returns true to run; false to skip (after printing
 * why). Throws when skipping is not allowed.
 */
export function canRun(what: string, available: boolean, hint: string): boolean {
  if (available) return true;
  const msg = `SKIPPED: ${what} is not available (${hint})`;
  if (requireAll()) throw new Error(`${msg}, and WIREWHY_REQUIRE_ALL is set`);
  console.warn(msg);
  return false;
}
