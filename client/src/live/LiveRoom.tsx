import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { LiveRecordingSchema, type PeerInfo, type RecordingStopReason } from '@learnlive/contracts';
import { z } from 'zod';
import { ChatPanel } from '../community/ChatPanel.js';
import { apiFetch, clientConfig } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';
import { MediaSession, type RemoteMedia, type SessionState } from './MediaSession.js';
import { LiveStream } from './LiveStream.js';
import { exposeToBrowserTests } from './mediaProbe.js';
import { roomToken } from './roomToken.js';
import './live.css';

/** `/live/:id` (a live class) and `/mentor/:id` (a mentor session). */
export function LiveRoomPage({ kind }: { kind: 'live' | 'mentor' }) {
  const { id = '' } = useParams();
  const [search] = useSearchParams();
  const room = `${kind}:${id}`;
  // The chat (realtime layer) joins the same room with the same kind of token.
  const getToken = useCallback(() => roomToken(room, search), [room, search]);
  // Passive viewing (HLS): no seat in the SFU, for large audiences or a full room.
  const [asStream, setAsStream] = useState(false);
  const setup = useAsync(
    async () => ({ token: await roomToken(room, search), mediaUrl: (await clientConfig()).mediaUrl }),
    [room],
  );
  if (setup.status === 'loading') return <p>Preparing the room…</p>;
  if (setup.status === 'error')
    return (
      <p role="alert" className="live-error">
        {setup.error.message}
      </p>
    );
  if (kind === 'live' && asStream)
    return (
      <section className="live-room" data-testid="live-stream-room">
        <header className="live-header">
          <h1>Live class</h1>
          <button onClick={() => setAsStream(false)}>Join the class instead</button>
        </header>
        <div className="live-layout">
          <LiveStream mediaUrl={setup.value.mediaUrl} getToken={getToken} />
          <aside className="live-side">
            <ChatPanel getRoomToken={getToken} title="Class chat" hidePresence />
          </aside>
        </div>
      </section>
    );
  return (
    <Room
      kind={kind}
      id={id}
      mediaUrl={setup.value.mediaUrl}
      token={setup.value.token}
      getToken={getToken}
      onWatchStream={kind === 'live' ? () => setAsStream(true) : undefined}
    />
  );
}

function useSession(mediaUrl: string, token: string): [MediaSession, SessionState] {
  const session = useMemo(() => new MediaSession(mediaUrl, token), [mediaUrl, token]);
  useEffect(() => {
    // the browser tests' view of the session; not in production builds
    if (import.meta.env.MODE === 'e2e') exposeToBrowserTests(session);
    void session.start();
    const online = () => void session.restartIce();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      session.close();
    };
  }, [session]);
  const state = useSyncExternalStore(session.subscribe, session.getState);
  return [session, state];
}

const STATUS_TEXT: Record<SessionState['status'], string> = {
  connecting: 'Connecting…',
  joined: 'Connected',
  reconnecting: 'Reconnecting…',
  kicked: 'Removed',
  failed: 'Not connected',
  left: 'Left',
};

function Room({
  kind,
  id,
  mediaUrl,
  token,
  getToken,
  onWatchStream,
}: {
  kind: 'live' | 'mentor';
  id: string;
  /** Live classes: switch to watching as a stream (leaves the SFU). */
  onWatchStream?: () => void;
  mediaUrl: string;
  token: string;
  getToken: () => Promise<string>;
}) {
  const [session, state] = useSession(mediaUrl, token);
  const me = state.me;
  // A full class (MEDIA_ROOM_CAPACITY) has no seat left: watch it as a stream instead. The media
  // server says so in its `unavailable` message, which the session shows while it retries.
  const full = !me && /room is full/.test(state.error ?? '');
  useEffect(() => {
    if (full && onWatchStream) onWatchStream();
  }, [full, onWatchStream]);
  const canModerate = me?.role === 'teacher' || me?.role === 'moderator';
  const names = new Map(state.peers.map((p) => [p.peerId, p]));
  return (
    <section className="live-room" data-testid="live-room" data-status={state.status}>
      <header className="live-header">
        <h1>{kind === 'live' ? 'Live class' : 'Mentor session'}</h1>
        <span data-testid="status">{STATUS_TEXT[state.status]}</span>
        {me && <QualityBadge score={state.quality[me.peerId]} label="Your connection" />}
        {me && <span className="live-role">You are the {me.role}</span>}
        {onWatchStream && (!me || me.role === 'learner') && (
          <button onClick={onWatchStream} data-testid="watch-stream">
            Watch as stream
          </button>
        )}
        {state.recording.active && (
          <span className="live-recording" role="status" data-testid="recording-indicator">
            ● Recording
          </span>
        )}
      </header>
      {state.error && (
        <p role="alert" className="live-error" data-testid="error">
          {state.error}
        </p>
      )}
      {state.notice && (
        <p role="status" className="live-notice" data-testid="notice">
          {state.notice}
        </p>
      )}
      {state.status === 'joined' && (
        <div className="live-layout">
          <div className="live-stage">
            <Stage session={session} state={state} kind={kind} names={names} />
            <Controls session={session} state={state} />
            {kind === 'live' && canModerate && (
              <RecordingControls session={session} state={state} liveClassId={id} />
            )}
          </div>
          <aside className="live-side">
            {kind === 'live' && <Participants session={session} state={state} canModerate={canModerate} />}
            <ChatPanel getRoomToken={getToken} title={kind === 'live' ? 'Class chat' : 'Chat'} hidePresence />
          </aside>
        </div>
      )}
    </section>
  );
}

function QualityBadge({ score, label }: { score: number | undefined; label: string }) {
  if (score === undefined) return null;
  const level = score >= 8 ? 'good' : score >= 5 ? 'fair' : 'poor';
  return (
    <span
      className={`live-quality live-quality-${level}`}
      title={`${label}: ${score}/10`}
      data-testid="quality"
    >
      {label}: {level}
    </span>
  );
}

function Stage({
  session,
  state,
  kind,
  names,
}: {
  session: MediaSession;
  state: SessionState;
  kind: 'live' | 'mentor';
  names: Map<string, PeerInfo>;
}) {
  const videos = state.remote.filter((r) => r.kind === 'video');
  const audios = state.remote.filter((r) => r.kind === 'audio');
  // Learners see the teacher's screen share first, then the teacher's camera, large.
  const rank = (r: RemoteMedia) =>
    (names.get(r.peerId)?.role === 'teacher' ? 0 : 2) + (r.source === 'screen' ? 0 : 1);
  const ordered = [...videos].sort((a, b) => rank(a) - rank(b));
  const [main, ...others] = kind === 'live' ? ordered : [undefined, ...ordered];
  return (
    <div className="live-videos">
      {main && (
        <VideoTile
          session={session}
          media={main}
          large
          label={names.get(main.peerId)?.name ?? 'Participant'}
          speaking={state.activeSpeakerPeerId === main.peerId}
        />
      )}
      <div className="live-tiles">
        {state.local.camera && <LocalTile track={state.local.camera.track} label="You" />}
        {state.local.screen && <LocalTile track={state.local.screen.track} label="Your screen" />}
        {others.map(
          (media) =>
            media && (
              <VideoTile
                key={media.consumerId}
                session={session}
                media={media}
                large={kind === 'mentor'}
                label={names.get(media.peerId)?.name ?? 'Participant'}
                speaking={state.activeSpeakerPeerId === media.peerId}
              />
            ),
        )}
      </div>
      {audios.map((media) => (
        <AudioSink key={media.consumerId} track={media.track} />
      ))}
      {videos.length === 0 && <p className="live-empty">Nobody is sharing video yet.</p>}
    </div>
  );
}

function VideoTile({
  session,
  media,
  large,
  label,
  speaking,
}: {
  session: MediaSession;
  media: RemoteMedia;
  large?: boolean;
  label: string;
  speaking: boolean;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = new MediaStream([media.track]);
    // The tile's width picks the simulcast layer the server forwards.
    const observer = new ResizeObserver(([entry]) => {
      if (entry) session.setTileWidth(media.consumerId, entry.contentRect.width * devicePixelRatio);
    });
    observer.observe(video);
    return () => observer.disconnect();
  }, [media.track, media.consumerId, session]);
  return (
    <figure
      className={`live-tile${large ? ' live-tile-large' : ''}${speaking ? ' live-speaking' : ''}`}
      data-testid="remote-video"
      data-source={media.source}
    >
      <video ref={ref} autoPlay playsInline muted />
      <figcaption>
        {label}
        {media.source === 'screen' ? ' (screen)' : ''}
        {media.paused ? ' · paused' : ''}
      </figcaption>
    </figure>
  );
}

function LocalTile({ track, label }: { track: MediaStreamTrack; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = new MediaStream([track]);
  }, [track]);
  return (
    <figure className="live-tile" data-testid="local-video">
      <video ref={ref} autoPlay playsInline muted />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function AudioSink({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = new MediaStream([track]);
  }, [track]);
  return <audio ref={ref} autoPlay />;
}

function useDevices(): MediaDeviceInfo[] {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const load = () => {
      navigator.mediaDevices?.enumerateDevices().then(setDevices, () => setDevices([]));
    };
    load();
    navigator.mediaDevices?.addEventListener('devicechange', load);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', load);
  }, []);
  return devices;
}

function Controls({ session, state }: { session: MediaSession; state: SessionState }) {
  const devices = useDevices();
  const [cameraId, setCameraId] = useState('');
  const [micId, setMicId] = useState('');
  const me = state.me;
  if (!me) return null;
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const canShareScreen = ['teacher', 'speaker', 'mentor', 'mentee'].includes(me.role);
  const { camera, mic, screen } = state.local;
  return (
    <div className="live-controls">
      {me.canProduce ? (
        <>
          <label>
            Camera
            <select value={cameraId} onChange={(e) => setCameraId(e.target.value)}>
              <option value="">Default</option>
              {cameras.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `Camera ${i + 1}`}
                </option>
              ))}
            </select>
          </label>
          {camera ? (
            <button onClick={() => void session.unpublish('camera')}>Stop camera</button>
          ) : (
            <button onClick={() => void session.publish('camera', cameraId || undefined)}>
              Start camera
            </button>
          )}
          <label>
            Microphone
            <select value={micId} onChange={(e) => setMicId(e.target.value)}>
              <option value="">Default</option>
              {mics.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `Microphone ${i + 1}`}
                </option>
              ))}
            </select>
          </label>
          {mic ? (
            <button onClick={() => void session.setPaused('mic', !mic.paused)}>
              {mic.paused ? 'Unmute' : 'Mute'}
            </button>
          ) : (
            <button onClick={() => void session.publish('mic', micId || undefined)}>Start microphone</button>
          )}
          {canShareScreen &&
            (screen ? (
              <button onClick={() => void session.unpublish('screen')}>Stop sharing</button>
            ) : (
              <button onClick={() => void session.publish('screen')}>Share screen</button>
            ))}
        </>
      ) : (
        state.role === 'learner' && (
          <button onClick={() => void session.raiseHand(!me.handRaised)}>
            {me.handRaised ? 'Lower hand' : 'Raise hand'}
          </button>
        )
      )}
      {mic?.mutedBy && <span className="live-notice">A moderator muted you</span>}
    </div>
  );
}

function Participants({
  session,
  state,
  canModerate,
}: {
  session: MediaSession;
  state: SessionState;
  canModerate: boolean;
}) {
  const hands = state.peers.filter((p) => p.handRaised);
  return (
    <>
      {canModerate && (
        <section aria-label="Raised hands" data-testid="hands">
          <h2>Raised hands ({hands.length})</h2>
          {hands.length === 0 && <p>None</p>}
          <ul>
            {hands.map((p) => (
              <li key={p.peerId}>
                {p.name}{' '}
                <button onClick={() => void session.grant(p.peerId)} data-testid="grant">
                  Let speak
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Participants" data-testid="participants">
        <h2>Participants ({state.peers.length + 1})</h2>
        <ul>
          {state.peers.map((p) => (
            <li key={p.peerId} data-peer={p.peerId} data-name={p.name}>
              <span className={state.activeSpeakerPeerId === p.peerId ? 'live-speaking-name' : ''}>
                {p.name}
              </span>{' '}
              <small>{p.role}</small> {p.handRaised && <span aria-label="hand raised">✋</span>}{' '}
              <QualityBadge score={state.quality[p.peerId]} label="Connection" />
              {canModerate && (
                <span className="live-actions">
                  {p.canProduce && p.role === 'learner' && (
                    <button onClick={() => void session.revoke(p.peerId)}>End turn</button>
                  )}
                  <button onClick={() => void session.mute(p.peerId)} data-testid="mute">
                    Mute
                  </button>
                  {p.role !== 'teacher' && (
                    <button onClick={() => void session.kick(p.peerId)} data-testid="kick">
                      Remove
                    </button>
                  )}
                </span>
              )}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

const STOP_TEXT: Record<RecordingStopReason, string> = {
  requested: 'Recording stopped.',
  teacher_left: 'Recording stopped because the teacher left.',
  room_closed: 'Recording stopped because the room closed.',
  max_duration: 'Recording stopped: it reached the longest allowed length.',
  source_closed: 'Recording stopped because the camera and microphone stopped sending.',
  failed: 'The recording stopped because of an error.',
};

/**
 * Teacher/moderator: Record asks the API for a lesson and a recording token, then the media
 * server records; after Stop the lesson is transcoded and appears in the course's Recordings.
 */
function RecordingControls({
  session,
  state,
  liveClassId,
}: {
  session: MediaSession;
  state: SessionState;
  liveClassId: string;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const { recording, local } = state;
  const start = async () => {
    setBusy(true);
    setMessage(undefined);
    let lessonId: string | undefined;
    try {
      if (!local.camera && !local.mic && !local.screen)
        throw new Error('Start your camera or microphone before recording.');
      const prepared = await apiFetch(
        `/api/live-classes/${encodeURIComponent(liveClassId)}/recordings`,
        LiveRecordingSchema,
        { method: 'POST' },
      );
      lessonId = prepared.lessonId;
      await session.startRecording(prepared.token);
    } catch (err) {
      // The lesson made for a recording that never started goes again.
      if (lessonId)
        await apiFetch(`/api/lessons/${lessonId}`, z.unknown(), { method: 'DELETE' }).catch(() => undefined);
      setMessage(`Recording did not start: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const stop = async () => {
    setBusy(true);
    try {
      await session.stopRecording();
    } catch (err) {
      setMessage(`Recording did not stop: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const ended =
    !recording.active && recording.stopReason
      ? `${STOP_TEXT[recording.stopReason]}${
          recording.stopReason === 'failed'
            ? ''
            : ' It becomes a lesson in the course’s “Recordings” once processed.'
        }`
      : undefined;
  return (
    <div className="live-controls" data-testid="recording-controls">
      {recording.active ? (
        <button disabled={busy} onClick={() => void stop()}>
          Stop recording
        </button>
      ) : (
        <button disabled={busy} onClick={() => void start()}>
          Record
        </button>
      )}
      {recording.active && (
        <small data-testid="recording-hint">
          Recording what you share now. Turning the camera off and on keeps recording, and so does reloading
          the page: start the camera and microphone again right away. A camera or microphone started only
          after Record is not recorded.
        </small>
      )}
      {(message ?? ended) && (
        <span className="live-notice" data-testid="recording-message">
          {message ?? ended}
        </span>
      )}
    </div>
  );
}
