/** Entry point of the `wirewhy` command (bin/wirewhy.js imports this). */
import { runCli } from './program.js';

const signal = { stopped: false };
// Ctrl-C: stop reading and print the report for what was read; a second Ctrl-C exits at once.
process.on('SIGINT', () => {
  if (signal.stopped) process.exit(130);
  signal.stopped = true;
});
// Nothing can be said about a stderr that fails (closed, full disk): keep quiet rather than die
// of an unheard 'error' event with a stack trace. stdout errors are handled by runCli.
process.stderr.on('error', () => {});

runCli(process.argv, undefined, signal).then((code) => {
  process.exitCode = code;
});
