/** notepack.io (msgpack; the Redis adapter's and emitter's wire format) ships no types. */
declare module 'notepack.io' {
  export function encode(value: unknown): Buffer;
  export function decode(buffer: Buffer): unknown;
}
