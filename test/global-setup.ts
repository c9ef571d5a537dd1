/**
 * Builds dist/ once before the tests: the CLI subprocess tests run bin/wirewhy.js, which imports
 * the built JavaScript (and scan workers start from dist/scan/worker.js).
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
