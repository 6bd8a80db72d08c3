import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  LiveStreamTicketSchema,
  type Ack,
  type MediaClientToServerEvents,
  type MediaReplies,
  type MediaServerToClientEvents,
} from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { handshakeRefusal } from './MediaSession.js';

/** How often a watching viewer tells the media server it still watches (its idle limit is longer). */
const KEEP_ALIVE_MS = 10_000;
/** How often to ask again while the stream is starting (no segment yet). */
const STARTING_RETRY_MS = 1500;
const TICKET = /\/api\/live-streams\/([^/]+)\//;

type StreamSocket = Socket<MediaServerToClientEvents, MediaClientToServerEvents>;

/**
 * Watching a live class as HLS (passive viewers: no seat in the SFU, a few seconds behind). The
 * room token keeps the class's stream running (`watchStream` to media) and buys the playlist URL
 * from the API; hls.js plays it, the ticket in its path renewed before it expires.
 */
export function LiveStream({ mediaUrl, getToken }: { mediaUrl: string; getToken: () => Promise<string> }) {
  const video = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState<'starting' | 'playing' | 'error'>('starting');
  const [message, setMessage] = useState<string>();

  useEffect(() => {
    let disposed = false;
    let socket: StreamSocket | undefined;
    let hls: Hls | undefined;
    let keepAlive: ReturnType<typeof setTimeout> | undefined;
    let renew: ReturnType<typeof setInterval> | undefined;
    const ticket = { current: '' };

    const watch = (s: StreamSocket) =>
      new Promise<MediaReplies['watchStream']>((resolve, reject) => {
        (
          s.timeout(15_000).emit as (
            e: string,
            r: unknown,
            cb: (err: Error | null, a: Ack<MediaReplies['watchStream']>) => void,
          ) => void
        )('watchStream', {}, (err, reply) => {
          if (err) reject(new Error('the media server did not answer'));
          else if (reply.ok) resolve(reply.data);
          else reject(new Error(reply.error.message));
        });
      });

    const fetchTicket = async () =>
      apiFetch('/api/live-streams', LiveStreamTicketSchema, {
        method: 'POST',
        body: JSON.stringify({ token: await getToken() }),
      });

    const play = async () => {
      const { playlistUrl, expiresAt } = await fetchTicket();
      if (disposed) return;
      ticket.current = TICKET.exec(playlistUrl)?.[1] ?? '';
      const element = video.current!;
      hls = new Hls({
        liveSyncDurationCount: 3,
        xhrSetup: (xhr, url) =>
          xhr.open('GET', url.replace(TICKET, `/api/live-streams/${ticket.current}/`), true),
      });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) {
          setStatus('error');
          setMessage(`The stream stopped (${data.details}).`);
        }
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        setStatus('playing');
        // Browsers may refuse sound without a gesture on this page: start muted then.
        void element.play().catch(() => {
          element.muted = true;
          setMessage('Muted to start: unmute with the player controls.');
          return element.play().catch(() => setMessage('Press play to start the stream.'));
        });
      });
      hls.loadSource(playlistUrl);
      hls.attachMedia(element);
      const lifetime = new Date(expiresAt).getTime() - Date.now();
      renew = setInterval(
        () =>
          void fetchTicket().then(
            (fresh) => (ticket.current = TICKET.exec(fresh.playlistUrl)?.[1] ?? ticket.current),
            () => {},
          ),
        Math.max(5000, lifetime / 2),
      );
    };

    /** Connects to the media node; one that does not host the class answers `moved` with the one that does. */
    const open = async (url: string, hops: number) => {
      const s: StreamSocket = io(url, { transports: ['websocket'], auth: { token: await getToken() } });
      socket = s;
      s.on('connect_error', (err) => {
        const data = handshakeRefusal(err);
        if (data.code === 'moved' && data.location && hops < 3) {
          s.close();
          if (!disposed) void open(data.location, hops + 1);
          return;
        }
        setStatus('error');
        setMessage(`Cannot reach the class: ${err.message}`);
      });
      let started = false;
      const loop = async () => {
        if (disposed || socket !== s) return;
        try {
          const reply = await watch(s);
          if (reply.state === 'live' && !started) {
            started = true;
            await play();
          }
          keepAlive = setTimeout(() => void loop(), started ? KEEP_ALIVE_MS : STARTING_RETRY_MS);
        } catch (err) {
          setMessage(`Waiting for the class: ${(err as Error).message}`);
          keepAlive = setTimeout(() => void loop(), 3000);
        }
      };
      s.once('connect', () => void loop());
    };
    open(mediaUrl, 0).catch((err: unknown) => {
      setStatus('error');
      setMessage((err as Error).message);
    });

    return () => {
      disposed = true;
      clearTimeout(keepAlive);
      clearInterval(renew);
      hls?.destroy();
      socket?.close();
    };
  }, [mediaUrl, getToken]);

  return (
    <div className="live-stream" data-testid="live-stream" data-status={status}>
      <video ref={video} controls playsInline />
      <p role="status">
        {status === 'starting' && 'The stream is starting…'}
        {status === 'playing' && 'Watching the class as a stream (a few seconds behind).'}
        {message && <span className="live-notice"> {message}</span>}
      </p>
    </div>
  );
}
