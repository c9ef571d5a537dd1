/** Entry point of the `wirewhy` command (bin/wirewhy.js imports this). */
import { runCli } from './program.js';

const signal = { stopped: false };
// Ctrl-C: stop reading and print the report for what was read; a second Ctrl-C exits at once.
process.on('SIGINT', () => {
  if (signal.stopped) process.exit(130);
  signal.stopped = true;
});
// A closed pipe (wirewhy … | head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

runCli(process.argv, undefined, signal).then((code) => {
  process.exitCode = code;
});
