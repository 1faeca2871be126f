/**
 * Starts the HTTP server on a built service container, then its jobs (the local worker, or the QStash
 * publisher with the delivery route), and stops it cleanly (open connections drained while the jobs stop,
 * then the services and the database closed, which for the embedded PostgreSQL also stops its cluster).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServices } from './compose.ts';
import { createApp } from './http/app.ts';
import { answerClientError } from './http/client-error.ts';
import { internalJobsRoute } from './http/internal-jobs.ts';
import type { Services } from './services.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(services: Services, port: number, host: string): Promise<RunningServer> {
  const app = createApp(services);
  const deliveries = internalJobsRoute(services);
  const server = createServer(
    deliveries
      ? (req, res) => {
          if (!deliveries(req, res)) app(req, res);
        }
      : app,
  );
  server.on('clientError', answerClientError);
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  await services.jobs.start();
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        await Promise.all([
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
          services.jobs.stop(),
        ]);
        await closeServices(services);
      })();
      return closing;
    },
  };
}
