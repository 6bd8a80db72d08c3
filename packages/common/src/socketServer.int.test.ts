import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { freePort, testLogger } from '@learnlive/testing';
import { json } from './http.js';
import { probeUws, startSocketServer, type SocketServer, type SocketServerOptions } from './socketServer.js';

/** A test server on 127.0.0.1 (port 0, no routes, `TEST_PORT`) with `overrides` applied. */
function start(overrides: Partial<SocketServerOptions> = {}): Promise<SocketServer> {
  return startSocketServer(
    {
      service: 'test',
      host: '127.0.0.1',
      port: 0,
      portVariable: 'TEST_PORT',
      routes: {},
      socket: {},
      logger: testLogger(),
      ...overrides,
    },
    (opts) => new Server(opts),
  );
}

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
    server = await start({ engine, routes: { '/healthz': async () => json(200, { status: 'ok' }) } });
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
    // uWS explicitly: on the ws engine the global patches this is about are never installed
    const first = await start({ engine: 'uWebSockets.js' });
    const second = await start({ engine: 'uWebSockets.js' });
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
    server = await start();
    for (const engine of ['uWebSockets.js', 'ws'] as const) {
      await expect(start({ port: server.port, engine })).rejects.toThrow(
        `TEST_PORT: port ${server.port} on 127.0.0.1`,
      );
    }
  });

  it('does not share its port with another process (uWS listens with SO_REUSEPORT by default)', async () => {
    // Another process listens on a port the way uWS does by default. Two processes that bind the
    // same explicit port both succeed with SO_REUSEPORT (as two tests that drew the same free
    // port would), and each silently gets part of the connections.
    const port = await freePort();
    const other = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { uws } = (await import('./src/uwsNative.ts')).probeUws();
         uws.App().listen('127.0.0.1', ${port}, (s) => console.log(s ? 'listening' : 'failed'));`,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      const state = await new Promise<string>((resolve) => {
        other.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
        other.once('exit', (code) => resolve(`exited with ${code}`));
      });
      expect(state).toBe('listening');
      await expect(start({ port, engine: 'uWebSockets.js' })).rejects.toThrow(
        `TEST_PORT: port ${port} on 127.0.0.1`,
      );
    } finally {
      other.kill('SIGKILL');
    }
  });
});
