import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { testLogger } from '@learnlive/testing';
import { json } from './http.js';
import { probeUws, startSocketServer, type SocketServer } from './socketServer.js';

describe('socket server', () => {
  let server: SocketServer | undefined;
  let client: Socket | undefined;
  afterEach(async () => {
    client?.disconnect();
    await server?.close();
  });

  it('loads the native uWebSockets.js binary on this Node', () => {
    const { uws, reason } = probeUws();
    expect(reason).toBeUndefined();
    expect(uws).toBeDefined();
  });

  it.each(['uWebSockets.js', 'ws'] as const)('serves socket.io and the ops routes on %s', async (engine) => {
    server = await startSocketServer(
      {
        service: 'test',
        host: '127.0.0.1',
        port: 0,
        portVariable: 'TEST_PORT',
        engine,
        routes: { '/healthz': async () => json(200, { status: 'ok' }) },
        socket: {},
        logger: testLogger(),
      },
      (opts) => new Server(opts),
    );
    expect(server.engine).toBe(engine);
    expect(server.port).toBeGreaterThan(0);
    server.io.on('connection', (socket) =>
      socket.on('echo', (value: string, ack: (v: string) => void) => ack(value)),
    );

    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(404);

    client = connect(`http://127.0.0.1:${server.port}`, { transports: ['websocket'] });
    const reply = await client.timeout(5_000).emitWithAck('echo', 'hello');
    expect(reply).toBe('hello');
  });

  it('keeps room broadcasts working on one uWS server after another in the process closes', async () => {
    const start = () =>
      startSocketServer(
        {
          service: 'test',
          host: '127.0.0.1',
          port: 0,
          portVariable: 'TEST_PORT',
          routes: {},
          socket: {},
          logger: testLogger(),
        },
        (opts) => new Server(opts),
      );
    const first = await start();
    const second = await start();
    server = first;
    // socket.io's io.close() restores the adapter prototype globally; `first` must not notice.
    await second.close();
    first.io.on('connection', (socket) => {
      socket.on('join', async (room: string, ack: () => void) => {
        await socket.join(room);
        ack();
      });
    });
    client = connect(`http://127.0.0.1:${first.port}`, { transports: ['websocket'] });
    await client.timeout(5_000).emitWithAck('join', 'room-1');
    const received = new Promise<string>((resolve) => client!.once('news', resolve));
    first.io.to('room-1').emit('news', 'still here');
    expect(await Promise.race([received, new Promise((r) => setTimeout(() => r('nothing'), 3_000))])).toBe(
      'still here',
    );
  });

  it('names the variable when the port is taken', async () => {
    server = await startSocketServer(
      {
        service: 'test',
        host: '127.0.0.1',
        port: 0,
        portVariable: 'TEST_PORT',
        routes: {},
        socket: {},
        logger: testLogger(),
      },
      (opts) => new Server(opts),
    );
    for (const engine of ['uWebSockets.js', 'ws'] as const) {
      await expect(
        startSocketServer(
          {
            service: 'test',
            host: '127.0.0.1',
            port: server.port,
            portVariable: 'TEST_PORT',
            engine,
            routes: {},
            socket: {},
            logger: testLogger(),
          },
          (opts) => new Server(opts),
        ),
      ).rejects.toThrow(`TEST_PORT: port ${server.port} on 127.0.0.1`);
    }
  });
});
