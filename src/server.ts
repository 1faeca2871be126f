/**
 * Starts the HTTP server on a built service container and stops it cleanly (open connections drained,
 * then the services and the database closed, which for the embedded PostgreSQL also stops its cluster).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServices } from './compose.ts';
import { createApp } from './http/app.ts';
import type { Services } from './services.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(services: Services, port: number, host: string): Promise<RunningServer> {
  const server = createServer(createApp(services));
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await closeServices(services);
      })();
      return closing;
    },
  };
}
