import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './config.js';

/** A plain route answer, served the same way by node:http and uWebSockets.js. */
export interface RouteReply {
  status: number;
  contentType: string;
  body: string;
}
export type Routes = Readonly<Record<string, () => Promise<RouteReply>>>;

export const json = (status: number, value: unknown): RouteReply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(value),
});

/**
 * Listens, and turns "port in use" and friends into a ConfigError naming the variable that
 * chose the port, so start-up fails with one clear line.
 */
export async function listen(
  server: Server,
  options: { service: string; port: number; host: string; variable: string },
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        listenError(
          options,
          err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${err.code ?? err.message})`,
        ),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, options.host);
  });
  return (server.address() as AddressInfo).port;
}

export function listenError(
  options: { service: string; port: number; host: string; variable: string },
  reason: string,
): ConfigError {
  return new ConfigError(options.service, [
    { variable: options.variable, message: `port ${options.port} on ${options.host} ${reason}` },
  ]);
}

/** A small node:http server for the operations routes of a service that serves nothing else. */
export function createRoutesServer(routes: Routes): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = req.method === 'GET' ? routes[path] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"not_found"}');
      return;
    }
    route().then(
      (reply) => res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body),
      () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"internal"}'),
    );
  });
}

/** Closes a node:http server, ending idle keep-alive connections so it does not hang. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
