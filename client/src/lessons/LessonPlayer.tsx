import Hls, { type Level } from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { CourseProgressSchema, ProgressUpdatedEventSchema, type Playback } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';
import { fetchPlayback } from './lessonVideoApi.js';
import { WatchedSpans } from './watchedSpans.js';
import './lessons.css';

interface StoryboardCue {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function parseStoryboard(vtt: string, base: string): StoryboardCue[] {
  const cues: StoryboardCue[] = [];
  const time = (t: string) => t.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  const blocks = vtt.split(/\r?\n\r?\n/);
  for (const block of blocks) {
    const match = /([\d:.]+)\s+-->\s+([\d:.]+)\s*\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/.exec(block);
    if (!match) continue;
    cues.push({
      start: time(match[1]!),
      end: time(match[2]!),
      url: new URL(match[3]!, base).toString(),
      x: Number(match[4]),
      y: Number(match[5]),
      w: Number(match[6]),
      h: Number(match[7]),
    });
  }
  return cues;
}

const MEDIA_TOKEN = /\/api\/media\/[^/]+\//;
const REPORT_EVERY_MS = 10_000;

/** The learner's player: one lesson, resume, quality, captions, scrub previews, progress. */
export function LessonPlayerPage() {
  const { id = '' } = useParams();
  return <LessonVideo lessonId={id} />;
}

/** A video lesson's player, for the lesson view and the stand-alone watch page. */
export function LessonVideo({ lessonId }: { lessonId: string }) {
  const playback = useAsync(() => fetchPlayback(lessonId), [lessonId]);
  if (playback.status === 'loading') return <p role="status">Loading the lesson…</p>;
  if (playback.status === 'error') return <p role="alert">{playback.error.message}</p>;
  return <LessonPlayer lessonId={lessonId} playback={playback.value} />;
}

function LessonPlayer({ lessonId, playback }: { lessonId: string; playback: Playback }) {
  const video = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  // Segments load long after the page does: every request uses the newest signature.
  const token = useRef(MEDIA_TOKEN.exec(playback.masterUrl)![0]);
  const [levels, setLevels] = useState<Level[]>([]);
  const [level, setLevel] = useState(-1);
  const [playingLevel, setPlayingLevel] = useState(-1);
  const [storyboard, setStoryboard] = useState<StoryboardCue[]>([]);
  const [preview, setPreview] = useState<{ cue: StoryboardCue; left: number } | null>(null);
  const [time, setTime] = useState(0);
  const [resumeAt, setResumeAt] = useState<number | null>(null);
  const [saved, setSaved] = useState<{ watched: number; completed: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const element = video.current!;
    const spans = new WatchedSpans();
    let disposed = false;
    const hls = new Hls({
      capLevelToPlayerSize: true,
      xhrSetup: (xhr, url) => xhr.open('GET', url.replace(MEDIA_TOKEN, token.current), true),
    });
    hlsRef.current = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => setLevels(data.levels));
    hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => setPlayingLevel(data.level));
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) setError(`Playback failed: ${data.details}`);
    });
    hls.loadSource(playback.masterUrl);
    hls.attachMedia(element);

    // Renew the signed URLs well before they expire.
    const renew = setInterval(
      () =>
        void fetchPlayback(lessonId).then(
          (fresh) => (token.current = MEDIA_TOKEN.exec(fresh.masterUrl)![0]),
          () => {},
        ),
      Math.max(5, playback.expiresIn / 2) * 1000,
    );

    // Resume from the saved position.
    void apiFetch(`/api/courses/${playback.courseId}/progress`, CourseProgressSchema).then(
      (progress) => {
        const mine = progress.lessons.find((l) => l.lessonId === lessonId);
        if (!mine || disposed) return;
        setSaved({ watched: mine.watchedSeconds, completed: mine.completed });
        const position = mine.positionSeconds;
        if (position > 1 && position < playback.durationSeconds - 3) {
          setResumeAt(position);
          const seek = () => (element.currentTime = position);
          if (element.readyState >= 1) seek();
          else element.addEventListener('loadedmetadata', seek, { once: true });
        }
      },
      () => {},
    );

    let lastReport = Date.now();
    const report = (keepalive = false) => {
      lastReport = Date.now();
      const watched = spans.take();
      const body = JSON.stringify({ positionSeconds: element.currentTime, watched });
      return apiFetch(`/api/lessons/${lessonId}/progress`, ProgressUpdatedEventSchema, {
        method: 'PUT',
        body,
        keepalive,
      }).then(
        (answer) =>
          !disposed &&
          setSaved({ watched: answer.lesson.watchedSeconds, completed: answer.lesson.completed }),
        () => {},
      );
    };
    const onTime = () => {
      setTime(element.currentTime);
      if (!element.paused && !element.seeking) spans.observe(element.currentTime);
      if (Date.now() - lastReport >= REPORT_EVERY_MS) void report();
    };
    const onSeeking = () => spans.break();
    const onPause = () => {
      spans.break();
      void report();
    };
    const onHide = () => {
      if (document.visibilityState === 'hidden') void report(true);
    };
    element.addEventListener('timeupdate', onTime);
    element.addEventListener('seeking', onSeeking);
    element.addEventListener('pause', onPause);
    element.addEventListener('ended', onPause);
    document.addEventListener('visibilitychange', onHide);

    if (playback.storyboardUrl) {
      const url = new URL(playback.storyboardUrl, location.href).toString();
      void fetch(url)
        .then((res) => (res.ok ? res.text() : ''))
        .then((text) => !disposed && setStoryboard(parseStoryboard(text, url)));
    }
    return () => {
      disposed = true;
      if (element.currentTime > 0) void report(true);
      clearInterval(renew);
      element.removeEventListener('timeupdate', onTime);
      element.removeEventListener('seeking', onSeeking);
      element.removeEventListener('pause', onPause);
      element.removeEventListener('ended', onPause);
      document.removeEventListener('visibilitychange', onHide);
      hls.destroy();
      hlsRef.current = null;
    };
  }, [lessonId, playback]);

  const chooseLevel = (index: number) => {
    setLevel(index);
    if (hlsRef.current) hlsRef.current.currentLevel = index;
  };
  const duration = playback.durationSeconds;
  const previewAt = (e: React.MouseEvent<HTMLInputElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const at = ((e.clientX - box.left) / box.width) * duration;
    const cue = storyboard.find((c) => at >= c.start && at < c.end);
    setPreview(cue ? { cue, left: e.clientX - box.left } : null);
  };

  return (
    <article className="lesson-player">
      <div className="player-frame">
        <video
          ref={video}
          controls
          playsInline
          poster={playback.posterUrl ?? undefined}
          data-testid="lesson-video"
          crossOrigin="anonymous"
        >
          {playback.captions.map((c) => (
            <track key={c.language} kind="captions" srcLang={c.language} label={c.label} src={c.url} />
          ))}
        </video>
      </div>
      <div className="scrub">
        <input
          type="range"
          aria-label="Seek"
          data-testid="scrub"
          min={0}
          max={duration}
          step={0.1}
          value={Math.min(time, duration)}
          onChange={(e) => {
            if (video.current) video.current.currentTime = Number(e.currentTarget.value);
          }}
          onMouseMove={previewAt}
          onMouseLeave={() => setPreview(null)}
        />
        {preview && (
          <div
            className="storyboard-preview"
            data-testid="storyboard-preview"
            style={{
              left: Math.max(0, preview.left - preview.cue.w / 2),
              width: preview.cue.w,
              height: preview.cue.h,
              backgroundImage: `url("${preview.cue.url}")`,
              backgroundPosition: `-${preview.cue.x}px -${preview.cue.y}px`,
            }}
          />
        )}
      </div>
      <div className="player-controls">
        <label>
          Quality{' '}
          <select
            data-testid="quality"
            value={level}
            onChange={(e) => chooseLevel(Number(e.currentTarget.value))}
          >
            <option value={-1}>
              Auto{level === -1 && playingLevel >= 0 ? ` (${levels[playingLevel]?.height}p)` : ''}
            </option>
            {levels.map((l, i) => (
              <option key={i} value={i}>
                {l.height}p
              </option>
            ))}
          </select>
        </label>
        <span data-testid="playing-level" data-level={playingLevel}>
          {playingLevel >= 0 ? `${levels[playingLevel]?.height}p` : ''}
        </span>
        {resumeAt !== null && <span data-testid="resumed-at"> Resumed at {Math.floor(resumeAt)} s</span>}
        {saved && (
          <span data-testid="saved-progress" data-watched={saved.watched} data-completed={saved.completed}>
            {' '}
            {saved.completed
              ? 'Completed'
              : `${Math.floor((saved.watched * 100) / Math.max(1, duration))}% watched`}
          </span>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
    </article>
  );
}
