/**
 * Bench child: a local SMTP server (the `smtp-server` package, as test/sending/smtp-sink.ts) on 127.0.0.1
 * that accepts every mail, reads its data and keeps only a count, plus `GET /count` on a side HTTP server
 * answering how many mails it accepted; prints one JSON line `{url, countUrl}`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { failStartup, stopOnSignal } from '../lib/protocol.ts';

async function main(): Promise<void> {
  let accepted = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // No reverse DNS lookup of the client on each connection: the sink's cost, not the adapter's.
    disableReverseLookup: true,
    // Pooled clients send many mails per connection (nodemailer's maxMessages); no limit here.
    maxClients: 1000,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        accepted += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const { port } = smtp.server.address() as AddressInfo;
  const probe = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ accepted }));
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const probePort = (probe.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({ url: `smtp://127.0.0.1:${port}`, countUrl: `http://127.0.0.1:${probePort}/count` })}\n`,
  );
  stopOnSignal(async () => {
    probe.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });
}

main().catch((error: unknown) => failStartup('smtp-sink-server', error));
