/**
 * The bare baseline of bench/realtime.ts: uWebSockets.js alone, speaking just enough of the
 * engine.io/socket.io wire protocol for the bench's clients (handshake, `room:join`, `chat:send`
 * with its ack, `chat:message` broadcast with uWS's own publish), with nothing of ours: no
 * validation, no PostgreSQL, no rate limit, no presence, no socket.io. Its rows are what this
 * machine and these load generators allow; ours beside them is what our node costs.
 * Prints `bare listening <port>` once it listens on 127.0.0.1 (port from `PORT`, 0 by default).
 */
/* eslint-disable no-console -- the bench reads the port from stdout */
import { probeUws } from '@learnlive/common';

// The same native addon our node loads on this Node (a uWS build per Node version).
const { uws, reason } = probeUws();
if (!uws) throw new Error(`bare: no uWebSockets.js native addon on this Node: ${reason}`);

interface Peer {
  sid: string;
  userId: string;
}

const PING_INTERVAL_MS = 25_000;
const ALL = 'all';
let next = 0;
let offset = 0;

/** A JWT's payload, unverified (the baseline only needs the room and user names). */
const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; room?: string };

const app = uws.App().ws<Peer>('/socket.io/', {
  maxPayloadLength: 64 * 1024,
  idleTimeout: 0,
  upgrade: (res, req, context) => {
    res.upgrade(
      { sid: `b${next++}`, userId: '' },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    ws.subscribe(ALL);
    ws.send(
      `0${JSON.stringify({ sid: ws.getUserData().sid, upgrades: [], pingInterval: PING_INTERVAL_MS, pingTimeout: 20_000, maxPayload: 1e6 })}`,
    );
  },
  message: (ws, data) => {
    const frame = Buffer.from(data).toString();
    if (frame === '3') return; // pong
    if (frame.startsWith('40')) {
      ws.getUserData().userId = claims((JSON.parse(frame.slice(2)) as { token: string }).token).sub;
      ws.send(`40${JSON.stringify({ sid: ws.getUserData().sid })}`);
      return;
    }
    const match = /^42(\d+)(.*)$/s.exec(frame);
    if (!match) return;
    const [event, payload] = JSON.parse(match[2]!) as [
      string,
      { token?: string; room?: string; text?: string },
    ];
    const ack = (data: unknown) => ws.send(`43${match[1]}${JSON.stringify([{ ok: true, data }])}`);
    if (event === 'room:join') {
      const room = claims(payload.token!).room!;
      ws.subscribe(room);
      ack({ room, messages: [] });
    } else if (event === 'chat:send') {
      // the shape and size of ours (ChatMessage in packages/contracts)
      const message = {
        id: `018f${String(++offset).padStart(28, '0')}`,
        room: payload.room,
        offset,
        rev: offset,
        userId: ws.getUserData().userId,
        name: ws.getUserData().userId,
        text: payload.text,
        replyTo: null,
        reactions: {},
        createdAt: new Date().toISOString(),
        editedAt: null,
        deleted: false,
      };
      app.publish(payload.room!, `42${JSON.stringify(['chat:message', message])}`);
      ack({ id: message.id, offset, createdAt: message.createdAt });
    }
  },
});
setInterval(() => app.publish(ALL, '2'), PING_INTERVAL_MS).unref();
app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (socket) => {
  if (!socket) {
    console.error('bare: cannot listen');
    process.exit(1);
  }
  console.log(`bare listening ${uws.us_socket_local_port(socket)}`);
});
