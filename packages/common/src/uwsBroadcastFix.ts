import { Adapter } from 'socket.io-adapter';
import { Server } from 'socket.io';

/**
 * socket.io 4.8's `io.attachApp(app)` patches `Adapter.prototype.broadcast` GLOBALLY with a
 * closure over that one uWS app ("fast publish": `app.publish(topic)`). With two socket.io
 * servers on uWebSockets.js in one process (the all-in-one runs realtime and media; tests run
 * several nodes), the last `attachApp` wins and every other server's room broadcasts are
 * published into the wrong app: its clients receive nothing (broadcasts with `except` still
 * work, which hides it). This makes the prototype's `broadcast` a dispatcher: each server keeps
 * the implementation its own `attachApp` installed.
 *
 * Installed once, at import, before any server attaches (a server attached earlier keeps the
 * global implementation, which is right for the first one).
 */
type Broadcast = Adapter['broadcast'];
const MARK = Symbol.for('learnlive.uwsBroadcastFix');

function install(): void {
  const proto = Adapter.prototype as unknown as Record<PropertyKey, unknown>;
  if (proto[MARK]) return;
  proto[MARK] = true;
  let current = Adapter.prototype.broadcast;
  const perServer = new WeakMap<object, Broadcast>();
  const dispatcher: Broadcast = function (this: Adapter, packet, opts) {
    const own = perServer.get((this.nsp as unknown as { server: object }).server);
    return (own ?? current).call(this, packet, opts);
  };
  Object.defineProperty(Adapter.prototype, 'broadcast', {
    configurable: true,
    get: () => dispatcher,
    set: (fn: Broadcast) => {
      current = fn;
    },
  });
  const attachApp = Server.prototype.attachApp;
  Server.prototype.attachApp = function (this: Server, ...args: Parameters<typeof attachApp>) {
    const result = attachApp.apply(this, args);
    perServer.set(this, current);
    return result;
  };
}

install();
