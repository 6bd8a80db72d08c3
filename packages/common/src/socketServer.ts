import { createServer } from 'node:http';
// Must run before any server attaches to uWebSockets.js: see the file.
import './uwsBroadcastFix.js';
import type { Server } from 'socket.io';
import { type ServerOptions } from 'socket.io';
import type { Logger } from 'pino';
import type { us_listen_socket, us_socket } from 'uWebSockets.js';
import { closeServer, listen, listenError, type Routes } from './http.js';
import { probeUws } from './uwsNative.js';

export { probeUws, type UwsProbe } from './uwsNative.js';

export type SocketEngine = 'uWebSockets.js' | 'ws';

export interface SocketServerOptions {
  service: string;
  host: string;
  port: number;
  /** The variable that chose the port, named when it cannot be opened. */
  portVariable: string;
  /** `ws` forces the fallback engine (benchmarks compare both). @default 'auto' */
  engine?: 'auto' | SocketEngine;
  routes: Routes;
  socket: Partial<ServerOptions>;
  logger: Logger;
}

export interface SocketServer {
  readonly io: Server;
  readonly engine: SocketEngine;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * socket.io on uWebSockets.js (`io.attachApp`) when its native binary loads, else on
 * node:http with the `ws` engine. WebSocket transport only: no sticky sessions across nodes.
 * The ops routes are served on the same port.
 */
export async function startSocketServer<S extends Server>(
  options: SocketServerOptions,
  makeServer: (opts: Partial<ServerOptions>) => S,
): Promise<SocketServer & { io: S }> {
  const socketOptions: Partial<ServerOptions> = {
    transports: ['websocket'],
    serveClient: false,
    ...options.socket,
  };
  const wanted = options.engine ?? 'auto';
  const { uws, reason, build } =
    wanted === 'ws' ? { uws: undefined, reason: 'ws engine requested' } : probeUws();
  if (uws) {
    options.logger.info({ build }, 'socket.io on uWebSockets.js');
    const app = uws.App();
    for (const [path, route] of Object.entries(options.routes)) {
      app.get(path, (res) => {
        let aborted = false;
        res.onAborted(() => {
          aborted = true;
        });
        route().then(
          (reply) => {
            if (aborted) return;
            res.cork(() => {
              res
                .writeStatus(String(reply.status))
                .writeHeader('content-type', reply.contentType)
                .end(reply.body);
            });
          },
          () => {
            if (!aborted) res.cork(() => res.writeStatus('500').end());
          },
        );
      });
    }
    const io = makeServer(socketOptions);
    io.attachApp(app);
    app.any('/*', (res) => {
      res.writeStatus('404').writeHeader('content-type', 'application/json').end('{"code":"not_found"}');
    });
    // Exclusive: by default uWS listens with SO_REUSEPORT, so a second process on the same port
    // (a stale node; two tests that drew the same free port) silently takes half the
    // connections. The native addon takes (host, port, options, cb); its types lack that form.
    const listenExclusive = app.listen as unknown as (
      host: string,
      port: number,
      options: 1, // LIBUS_LISTEN_EXCLUSIVE_PORT
      cb: (socket: us_listen_socket | false) => void,
    ) => void;
    const listenSocket = await new Promise<us_listen_socket | false>((resolve) =>
      listenExclusive.call(app, options.host, options.port, 1, resolve),
    );
    if (!listenSocket) {
      throw listenError(
        { service: options.service, port: options.port, host: options.host, variable: options.portVariable },
        'cannot be opened (in use?)',
      );
    }
    const port = uws.us_socket_local_port(listenSocket as unknown as us_socket);
    let closed: Promise<void> | undefined;
    return {
      io,
      engine: 'uWebSockets.js',
      port,
      close: () =>
        (closed ??= (async () => {
          uws.us_listen_socket_close(listenSocket);
          await io.close();
        })()),
    };
  }
  if (wanted === 'auto')
    options.logger.warn({ reason }, 'uWebSockets.js native binary not loaded; using the ws engine');
  const server = createServer((req, res) => {
    const route = req.method === 'GET' ? options.routes[(req.url ?? '/').split('?')[0] ?? '/'] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"not_found"}');
      return;
    }
    route().then(
      (reply) => res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body),
      () => res.writeHead(500).end(),
    );
  });
  const io = makeServer(socketOptions);
  io.attach(server);
  const port = await listen(server, {
    service: options.service,
    port: options.port,
    host: options.host,
    variable: options.portVariable,
  });
  let closed: Promise<void> | undefined;
  return {
    io,
    engine: 'ws',
    port,
    close: () =>
      (closed ??= (async () => {
        await io.close();
        await closeServer(server);
      })()),
  };
}
