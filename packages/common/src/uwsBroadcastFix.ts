import { Adapter } from 'socket.io-adapter';
import { Server } from 'socket.io';

/**
 * socket.io 4.8's `io.attachApp(app)` patches `Adapter.prototype.addAll`, `del` and
 * `broadcast` GLOBALLY with closures over that one uWS app (topic subscriptions and "fast
 * publish"), and every `io.close()` restores the originals, again globally. With several
 * socket.io servers on uWebSockets.js in one process (the all-in-one runs realtime and media;
 * tests run several nodes), the last `attachApp` wins: other servers' room broadcasts are
 * published into the wrong app, and after any server closes, sockets of the servers still
 * running stop subscribing to their rooms. Their clients then receive no room broadcasts.
 *
 * This makes each of the three prototype methods a dispatcher: every server keeps the
 * implementation its own `attachApp` installed; servers without one (node:http) get the
 * current global one. The state lives on `globalThis`, so a second evaluation of this module
 * (test runners re-evaluate sources per file) joins the first instead of splitting it.
 */
const METHODS = ['addAll', 'del', 'broadcast'] as const;
type Method = (typeof METHODS)[number];
type Impls = { [K in Method]: Adapter[K] };

interface FixState {
  /** What socket.io last assigned to each method (its patch, or its restore). */
  current: Impls;
  perServer: WeakMap<object, Impls>;
  adapters: WeakSet<object>;
  servers: WeakSet<object>;
}

const KEY = Symbol.for('learnlive.uwsAdapterDispatch');
const globals = globalThis as unknown as Record<symbol, FixState | undefined>;
const state: FixState = (globals[KEY] ??= {
  current: {
    addAll: Adapter.prototype.addAll,
    del: Adapter.prototype.del,
    broadcast: Adapter.prototype.broadcast,
  },
  perServer: new WeakMap(),
  adapters: new WeakSet(),
  servers: new WeakSet(),
});

if (!state.adapters.has(Adapter.prototype)) {
  state.adapters.add(Adapter.prototype);
  for (const method of METHODS) {
    const dispatcher = function (this: Adapter, ...args: unknown[]) {
      const own = state.perServer.get((this.nsp as unknown as { server: object }).server);
      return ((own ?? state.current)[method] as (...a: unknown[]) => unknown).apply(this, args);
    };
    Object.defineProperty(Adapter.prototype, method, {
      configurable: true,
      get: () => dispatcher,
      set: (fn: Impls[typeof method]) => {
        (state.current as Record<Method, unknown>)[method] = fn;
      },
    });
  }
}

if (!state.servers.has(Server.prototype)) {
  state.servers.add(Server.prototype);
  const attachApp = Server.prototype.attachApp;
  Server.prototype.attachApp = function (this: Server, ...args: Parameters<typeof attachApp>) {
    const result = attachApp.apply(this, args);
    state.perServer.set(this, { ...state.current });
    return result;
  };
}
