import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Upload } from 'tus-js-client';
import type { LessonVideo } from '@learnlive/contracts';
import { z } from 'zod';
import { apiFetch, refreshSession } from '../lib/api.js';
import { getSession } from '../lib/session.js';
import { fetchLessonVideo, subscribeLessonProgress, UploadIntentSchema } from './lessonVideoApi.js';
import './lessons.css';

const STAGES: Record<string, string> = {
  downloading: 'Preparing',
  probing: 'Checking the file',
  transcoding: 'Encoding',
  uploading: 'Storing',
  publishing: 'Publishing',
};

/**
 * The instructor's page for one lesson's video: resumable upload with a progress bar (a reload
 * or a dropped connection continues where it stopped), then processing progress live, the
 * failure reason if any, captions per language, and removal.
 */
export function LessonUploadPage() {
  const { id = '' } = useParams();
  const [video, setVideo] = useState<LessonVideo | null | undefined>(undefined);
  const [sent, setSent] = useState<{ bytes: number; total: number } | null>(null);
  const [resumed, setResumed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Whether processing events arrive live (realtime layer) rather than only by polling. */
  const [live, setLive] = useState(false);
  const upload = useRef<Upload | null>(null);

  const refresh = () =>
    fetchLessonVideo(id).then(setVideo, (err: unknown) =>
      setError(err instanceof Error ? err.message : String(err)),
    );

  useEffect(() => {
    void refresh();
    const unsubscribe = subscribeLessonProgress(id, (event) => {
      setLive(true);
      // Ready or failed: the renditions and the reason come with the full state.
      if (event.status !== 'processing') void refresh();
      else setVideo((current) => (current ? { ...current, ...event } : current));
    });
    return () => {
      unsubscribe();
      void upload.current?.abort();
    };
  }, [id]);

  // While the server works, poll as well: the realtime layer may be unreachable.
  const working = video?.status === 'queued' || video?.status === 'processing';
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void refresh(), 3000);
    return () => clearInterval(timer);
  }, [working, id]);

  async function start(file: File) {
    setError(null);
    setBusy(true);
    try {
      const intent = await apiFetch(`/api/lessons/${id}/video/upload`, UploadIntentSchema, {
        method: 'POST',
        body: JSON.stringify({ filename: file.name, size: file.size, type: file.type }),
      });
      const tus = new Upload(file, {
        endpoint: intent.endpoint,
        chunkSize: intent.chunkBytes,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        metadata: { lessonId: id, filename: file.name, filetype: file.type },
        // Same file, same lesson: a reload finds the earlier upload and continues it.
        fingerprint: async (f) =>
          `lesson-${id}-${(f as File).name}-${(f as File).size}-${(f as File).lastModified}`,
        removeFingerprintOnSuccess: true,
        onBeforeRequest: (req) => {
          const token = getSession()?.accessToken;
          if (token) req.setHeader('Authorization', `Bearer ${token}`);
        },
        onShouldRetry: (err, attempt, options) => {
          const status =
            (err as { originalResponse?: { getStatus(): number } }).originalResponse?.getStatus() ?? 0;
          if (status === 401) {
            // An access token expired during a long upload: refresh it, then retry.
            void refreshSession().catch(() => {});
            return attempt < 3;
          }
          if (status >= 400 && status < 500 && status !== 409 && status !== 423) return false;
          return attempt < (options.retryDelays?.length ?? 0);
        },
        onProgress: (bytes, total) => setSent({ bytes, total }),
        onSuccess: () => {
          upload.current = null;
          setBusy(false);
          void refresh();
        },
        onError: (err) => {
          upload.current = null;
          setBusy(false);
          const body = (err as { originalResponse?: { getBody(): string } }).originalResponse?.getBody();
          setError(body || err.message);
        },
      });
      const previous = await tus.findPreviousUploads();
      if (previous[0]) {
        tus.resumeFromPreviousUpload(previous[0]);
        setResumed(true);
      }
      upload.current = tus;
      setSent({ bytes: 0, total: file.size });
      tus.start();
    } catch (err) {
      setBusy(false);
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function uploadCaptions(form: HTMLFormElement) {
    const data = new FormData(form);
    const file = data.get('file');
    const language = String(data.get('language') ?? '').trim();
    const label = String(data.get('label') ?? '').trim() || language;
    if (!(file instanceof File) || !language) return;
    setError(null);
    try {
      await apiFetch(
        `/api/lessons/${id}/captions/${encodeURIComponent(language)}?label=${encodeURIComponent(label)}`,
        z.undefined(),
        {
          method: 'PUT',
          body: await file.text(),
          headers: { 'content-type': 'text/vtt' },
        },
      );
      form.reset();
      await refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function remove() {
    if (!confirm('Remove this lesson’s video?')) return;
    try {
      await apiFetch(`/api/lessons/${id}/video`, z.undefined(), { method: 'DELETE' });
      setVideo(null);
      setSent(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  const percent = sent && sent.total > 0 ? Math.floor((sent.bytes * 100) / sent.total) : 0;
  return (
    <article className="lesson-upload">
      <h1>Lesson video</h1>
      <label className="file-pick">
        Video file
        <input
          type="file"
          accept="video/*"
          data-testid="video-file"
          disabled={busy}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void start(file);
          }}
        />
      </label>
      {sent && (
        <div className="upload-progress">
          <progress data-testid="upload-progress" max={100} value={percent} aria-label="Upload progress" />
          <span data-testid="upload-percent">{percent}%</span>
          {resumed && <span className="meta"> (resumed)</span>}
          {busy && (
            <button type="button" onClick={() => void upload.current?.abort().then(() => setBusy(false))}>
              Pause
            </button>
          )}
        </div>
      )}
      {error && <p role="alert">{error}</p>}
      {video && (
        <section
          className="video-state"
          data-testid="video-status"
          data-status={video.status}
          data-live={live}
        >
          {video.status === 'ready' && (
            <p>
              Ready: {video.renditions.map((r) => r.name).join(', ')}.{' '}
              <Link to={`/lessons/${id}/watch`}>Watch</Link>
            </p>
          )}
          {video.status !== 'ready' && video.playable && (
            <p data-testid="previous-playable">
              Learners keep watching the previous video until this one is ready.
            </p>
          )}
          {working && (
            <p>
              {video.status === 'queued'
                ? 'Waiting to be processed'
                : (STAGES[video.stage ?? ''] ?? 'Processing')}
              {video.percent !== null && video.status === 'processing' && (
                <>
                  {' '}
                  <progress max={100} value={video.percent} data-testid="processing-progress" />{' '}
                  {Math.floor(video.percent)}%
                </>
              )}
            </p>
          )}
          {video.status === 'failed' && (
            <p role="alert" data-testid="failure-reason">
              This video could not be used: {video.failureReason}
            </p>
          )}
          <button type="button" onClick={() => void remove()}>
            Remove video
          </button>
        </section>
      )}
      {video && (
        <form
          className="captions"
          onSubmit={(e) => {
            e.preventDefault();
            void uploadCaptions(e.currentTarget);
          }}
        >
          <h2>Captions</h2>
          {video.captions.length > 0 && (
            <p>{video.captions.map((c) => `${c.label} (${c.language})`).join(', ')}</p>
          )}
          <input
            name="language"
            placeholder="Language, e.g. en"
            required
            pattern="[a-z]{2,3}(-[A-Za-z0-9]{2,8})*"
          />
          <input name="label" placeholder="Label, e.g. English" />
          <input name="file" type="file" accept=".vtt,text/vtt" required />
          <button type="submit">Upload captions</button>
        </form>
      )}
    </article>
  );
}
