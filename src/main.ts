import { main } from './cli.js';

// `recomart query … | head`: once the reader is gone, the rest of the output has nowhere to go.
// Stop quietly, as Unix tools do, instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
// A command that has answered exits, even if a client library still holds a socket to a server
// that stopped answering (a frozen Kafka broker): the timer does not itself keep the process up.
setTimeout(() => process.exit(process.exitCode), 5000).unref();
