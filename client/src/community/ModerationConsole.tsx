import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { AuditEntry, ModerationState, ReportEntry } from '@learnlive/contracts';
import { useSession } from '../lib/session.js';
import { fetchRoomToken, request } from './realtime.js';

/**
 * `/community/moderation?room=…`: reports queue, mutes, bans, kicks, slow mode, lock and (for
 * admins) the audit log. Instructors and room moderators act through their room token's role;
 * admins may act on any room.
 */
export function ModerationConsole() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const room = params.get('room') ?? '';
  const [draftRoom, setDraftRoom] = useState(room);
  const [state, setState] = useState<ModerationState | undefined>();
  const [reports, setReports] = useState<ReportEntry[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [message, setMessage] = useState<string | undefined>();
  const [target, setTarget] = useState({ userId: '', seconds: '600', reason: '' });
  const [slow, setSlow] = useState('0');
  const admin = session?.user.role === 'admin';

  const refresh = useCallback(async () => {
    if (!room) return;
    const [s, r] = await Promise.all([request('mod:state', { room }), request('mod:reports', { room })]);
    if (s.ok) {
      setState(s.data);
      setSlow(String(s.data.slowModeSeconds));
    } else setMessage(s.error.message);
    if (r.ok) setReports(r.data.reports);
    if (admin) {
      const a = await request('mod:audit', { room, limit: 100 });
      if (a.ok) setAudit(a.data.entries);
    }
  }, [room, admin]);

  useEffect(() => {
    if (!room || !session) return;
    let live = true;
    void (async () => {
      if (!admin) {
        // moderators act with the role their room token gives them
        const joined = await request('room:join', { token: await fetchRoomToken(room).catch(() => '') });
        if (!joined.ok && live) {
          setMessage(joined.error.message);
          return;
        }
      }
      if (live) await refresh();
    })();
    return () => {
      live = false;
    };
  }, [room, admin, session, refresh]);

  const run = async (action: () => ReturnType<typeof request>) => {
    const reply = await action();
    setMessage(reply.ok ? 'Done.' : reply.error.message);
    await refresh();
  };

  const open = (event: FormEvent) => {
    event.preventDefault();
    setParams({ room: draftRoom });
  };

  if (!session) return <p>Sign in as a moderator or an admin.</p>;
  const seconds = Number(target.seconds) || 1;
  return (
    <section>
      <h1>Moderation</h1>
      <form onSubmit={open} className="inline">
        <label>
          Room
          <input value={draftRoom} onChange={(e) => setDraftRoom(e.target.value)} placeholder="course:<id>" />
        </label>
        <button type="submit">Open</button>
      </form>
      {message && <p role="status">{message}</p>}
      {room && state && (
        <>
          <div className="card">
            <h2>Room</h2>
            <p>
              {state.locked ? 'Locked: only moderators write.' : 'Open.'}{' '}
              <button
                type="button"
                onClick={() => void run(() => request('mod:lock', { room, locked: !state.locked }))}
              >
                {state.locked ? 'Unlock' : 'Lock'}
              </button>
            </p>
            <label>
              Slow mode (seconds between messages, 0: off)
              <input
                type="number"
                min={0}
                max={3600}
                value={slow}
                onChange={(e) => setSlow(e.target.value)}
              />
            </label>
            <button
              type="button"
              onClick={() => void run(() => request('mod:slowMode', { room, seconds: Number(slow) || 0 }))}
            >
              Apply slow mode
            </button>
          </div>
          <div className="card">
            <h2>People</h2>
            <label>
              User id
              <input
                value={target.userId}
                onChange={(e) => setTarget({ ...target, userId: e.target.value })}
              />
            </label>
            <label>
              Duration (seconds)
              <input
                value={target.seconds}
                onChange={(e) => setTarget({ ...target, seconds: e.target.value })}
              />
            </label>
            <label>
              Reason
              <input
                value={target.reason}
                onChange={(e) => setTarget({ ...target, reason: e.target.value })}
              />
            </label>
            <div className="row">
              <button
                type="button"
                onClick={() =>
                  void run(() =>
                    request('mod:mute', { room, userId: target.userId, seconds, reason: target.reason }),
                  )
                }
              >
                Mute
              </button>
              <button
                type="button"
                onClick={() =>
                  void run(() => request('mod:kick', { room, userId: target.userId, reason: target.reason }))
                }
              >
                Kick
              </button>
              <button
                type="button"
                onClick={() =>
                  void run(() =>
                    request('mod:ban', { room, userId: target.userId, seconds, reason: target.reason }),
                  )
                }
              >
                Ban
              </button>
              <button
                type="button"
                onClick={() =>
                  void run(() => request('mod:ban', { room, userId: target.userId, reason: target.reason }))
                }
              >
                Ban permanently
              </button>
            </div>
            <h3>Muted</h3>
            <ul aria-label="Muted">
              {state.mutes.map((m) => (
                <li key={m.userId}>
                  {m.userId} until {new Date(m.until).toLocaleString()}{' '}
                  <button
                    type="button"
                    onClick={() => void run(() => request('mod:unmute', { room, userId: m.userId }))}
                  >
                    Unmute
                  </button>
                </li>
              ))}
            </ul>
            <h3>Banned</h3>
            <ul aria-label="Banned">
              {state.bans.map((b) => (
                <li key={b.userId}>
                  {b.userId} {b.until ? `until ${new Date(b.until).toLocaleString()}` : 'permanently'}{' '}
                  {b.reason}{' '}
                  <button
                    type="button"
                    onClick={() => void run(() => request('mod:unban', { room, userId: b.userId }))}
                  >
                    Unban
                  </button>
                </li>
              ))}
            </ul>
          </div>
          <div className="card">
            <h2>Reports</h2>
            {reports.length === 0 && <p className="muted">No open reports.</p>}
            <ul aria-label="Reports">
              {reports.map((r) => (
                <li key={r.id}>
                  <q>{r.message?.deleted ? '(deleted)' : r.message?.text}</q> by {r.message?.name}, reported
                  by {r.reporterId}: {r.reason}{' '}
                  {r.message && !r.message.deleted && (
                    <button
                      type="button"
                      onClick={() =>
                        void run(async () => {
                          const deleted = await request('chat:delete', {
                            room,
                            id: r.messageId,
                            reason: r.reason,
                          });
                          return deleted.ok
                            ? request('mod:resolveReport', { reportId: r.id, status: 'resolved' })
                            : deleted;
                        })
                      }
                    >
                      Delete message
                    </button>
                  )}
                  <button
                    type="button"
                    onClick={() =>
                      void run(() => request('mod:resolveReport', { reportId: r.id, status: 'dismissed' }))
                    }
                  >
                    Dismiss
                  </button>
                </li>
              ))}
            </ul>
          </div>
          {admin && (
            <div className="card">
              <h2>Audit log</h2>
              <table data-testid="audit">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Who</th>
                    <th>What</th>
                    <th>To whom</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {audit.map((e) => (
                    <tr key={e.id}>
                      <td>{new Date(e.at).toLocaleString()}</td>
                      <td>{e.actorId}</td>
                      <td>{e.action}</td>
                      <td>{e.targetId ?? '—'}</td>
                      <td>{e.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
