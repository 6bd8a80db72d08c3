/**
 * A counting-only WebSocket client for the realtime bench's load generators: a raw `net.Socket`
 * that does the WebSocket upgrade itself (RFC 6455: client frames masked, server frames not),
 * parses whole text frames only while the socket.io handshake runs, and from then on only walks
 * frame headers: it counts the chat frames it receives (classified by their first 17 payload
 * bytes, `42["chat:message"`), answers engine.io pings (`2` → `3`) and WebSocket pings, and
 * skips every payload without copying or decoding it. Reads go into one buffer shared by every
 * sink of the process (`onread`): no Buffer, 'data' event or string per received chunk.
 * Fragmented messages are not expected (neither uWebSockets.js nor `ws` fragments what it
 * sends); a fragmented chat message would count once, at its first frame.
 */
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const CHAT_PREFIX = Buffer.from('42["chat:message"');
const PING = 0x32; // '2'
const OPCODE = { continuation: 0, text: 1, close: 8, ping: 9, pong: 10 } as const;
/** Each read is handled synchronously before the next one starts, so all sinks share it. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Deliveries counted by every sink of the process; `counting` is the measured window. */
export interface Tally {
  counting: boolean;
  deliveries: number;
}

function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  randomFillSync(frame, header, 4);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i]! ^ frame[header + (i & 3)]!;
  return frame;
}

export class Sink {
  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private upgraded = false;
  /** While false, every text frame is decoded and passed to `onText` (the handshake). */
  private counting = false;
  /** Bytes of an incomplete HTTP response, frame header or frame (copied out of READ_BUFFER). */
  private pending: Buffer | null = null;
  /** Payload bytes of the current frame still to skip, and whether it is a chat frame. */
  private skip = 0;
  private skipIsChat = false;
  closed = false;

  /**
   * @param onText receives each text frame until {@link countOnly} is called.
   * @param onClose called once, when the connection ends for any reason.
   */
  constructor(
    url: string,
    private readonly tally: Tally,
    private readonly onText: (text: string) => void,
    private readonly onClose: (err?: Error) => void,
  ) {
    const { hostname, port, pathname, search } = new URL(url);
    this.socket = connect({
      host: hostname,
      port: Number(port),
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.read(buffer as Buffer, bytes);
          return true;
        },
      },
    });
    this.socket.on('connect', () =>
      this.socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    this.socket.on('error', (err) => this.close(err));
    this.socket.on('close', () => this.close());
  }

  /** Sends one text frame (masked, as a client must). */
  send(text: string): void {
    if (!this.closed) this.socket.write(maskedFrame(OPCODE.text, Buffer.from(text)));
  }

  /** From now on: count chat frames, answer pings, decode nothing. */
  countOnly(): void {
    this.counting = true;
  }

  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(err);
  }

  private read(chunk: Buffer, end: number): void {
    let buf = chunk;
    let pos = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, end);
      this.skip -= n;
      pos = n;
      if (this.skip === 0 && this.skipIsChat && this.tally.counting) this.tally.deliveries++;
      if (pos === end) return;
    }
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk.subarray(pos, end)]);
      end = buf.length;
      pos = 0;
      this.pending = null;
    }
    if (!this.upgraded) {
      const headerEnd = buf.indexOf('\r\n\r\n', pos);
      if (headerEnd < 0 || headerEnd >= end) {
        this.pending = Buffer.from(buf.subarray(pos, end));
        return;
      }
      const head = buf.toString('latin1', pos, headerEnd);
      const accept = createHash('sha1')
        .update(`${this.key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      if (!head.startsWith('HTTP/1.1 101') || !head.includes(accept)) {
        return this.close(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      }
      this.upgraded = true;
      pos = headerEnd + 4;
    }
    while (end - pos >= 2) {
      const first = buf[pos]!;
      let length = buf[pos + 1]! & 0x7f;
      let start = pos + 2;
      if (length === 126) {
        if (end - pos < 4) break;
        length = buf.readUInt16BE(pos + 2);
        start = pos + 4;
      } else if (length === 127) {
        if (end - pos < 10) break;
        length = Number(buf.readBigUInt64BE(pos + 2));
        start = pos + 10;
      }
      const opcode = first & 0x0f;
      // the handshake and control frames need their whole payload; counted frames their prefix
      const whole = !this.counting || opcode >= OPCODE.close;
      if (end - start < (whole ? length : Math.min(length, CHAT_PREFIX.length))) break;
      if (whole) {
        pos = start + length;
        this.frame(opcode, buf.subarray(start, pos));
        if (this.closed) return;
        continue;
      }
      if (opcode === OPCODE.text && length === 1 && buf[start] === PING) {
        this.socket.write(maskedFrame(OPCODE.text, Buffer.from('3')));
        pos = start + 1;
        continue;
      }
      const isChat =
        opcode === OPCODE.text &&
        length >= CHAT_PREFIX.length &&
        buf.compare(CHAT_PREFIX, 0, CHAT_PREFIX.length, start, start + CHAT_PREFIX.length) === 0;
      if (end - start < length) {
        this.skip = length - (end - start);
        this.skipIsChat = isChat;
        return;
      }
      pos = start + length;
      if (isChat && this.tally.counting) this.tally.deliveries++;
    }
    if (pos < end) this.pending = Buffer.from(buf.subarray(pos, end));
  }

  private frame(opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.text) this.onText(payload.toString());
    else if (opcode === OPCODE.ping) this.socket.write(maskedFrame(OPCODE.pong, payload));
    else if (opcode === OPCODE.close) this.close(new Error('closed by the server'));
  }
}
