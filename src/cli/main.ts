/** Entry point of the `wirewhy` command (bin/wirewhy.js imports this). */
import { runCli } from './program.js';

const signal = { stopped: false };
let interrupted = false;
// Ctrl-C: stop reading and print the report for what was read; a second Ctrl-C ends the process
// at once, by SIGINT itself (status 130 in the shell), without waiting for anything.
process.on('SIGINT', () => {
  if (interrupted) {
    // Not process.exit(130): exit() waits for libuv's worker threads, and one blocked in a read
    // that never returns would hang it. Dying of the signal also tells a calling shell script
    // that the user interrupted (it stops its loop), which an ordinary exit status does not.
    process.removeAllListeners('SIGINT');
    process.kill(process.pid, 'SIGINT');
    return;
  }
  interrupted = true;
  signal.stopped = true;
});
// Nothing can be said about a stderr that fails (closed, full disk): keep quiet rather than die
// of an unheard 'error' event with a stack trace. stdout errors are handled by runCli.
process.stderr.on('error', () => {});

runCli(process.argv, undefined, signal).then((code) => {
  process.exitCode = code;
});
