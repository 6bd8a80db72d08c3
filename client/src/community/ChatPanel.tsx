import './chat.css';
import { useRef, useState, type FormEvent, type UIEvent } from 'react';
import { CHAT_LIMITS, type ChatMessage } from '@learnlive/contracts';
import { useSession } from '../lib/session.js';
import { PresenceList } from './PresenceList.js';
import { request } from './realtime.js';
import { useChatRoom } from './useChatRoom.js';

const REACTIONS = ['👍', '❤️', '😂', '🎉'];

export interface ChatPanelProps {
  /** Returns a room token (the API's `POST /api/rooms/{room}/token`); called at every (re)join. */
  getRoomToken: () => Promise<string>;
  /** Heading above the messages. @default 'Chat' */
  title?: string;
  /** Hides the presence list (the live room shows its own participants). @default false */
  hidePresence?: boolean;
}

/**
 * A room's chat: history with infinite scroll, typing, reactions, one-level replies, delete
 * (own; moderators any) and report. Embeddable: the live-class page passes its room token getter.
 */
export function ChatPanel({ getRoomToken, title = 'Chat', hidePresence = false }: ChatPanelProps) {
  const session = useSession();
  const { view, loadOlder, moderator } = useChatRoom(getRoomToken);
  const [text, setText] = useState('');
  const [replyTo, setReplyTo] = useState<ChatMessage | undefined>();
  const [error, setError] = useState<string | undefined>();
  const lastTyping = useRef(0);
  const room = view.room;

  const act = async (run: () => Promise<{ ok: boolean; error?: { message: string } }>) => {
    const reply = await run();
    setError(reply.ok ? undefined : reply.error?.message);
    return reply.ok;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!room || !text.trim()) return;
    const sent = await act(() =>
      request('chat:send', {
        room,
        text,
        ...(replyTo ? { replyTo: replyTo.id } : {}),
        clientId: crypto.randomUUID(),
      }),
    );
    if (sent) {
      setText('');
      setReplyTo(undefined);
    }
  };

  const onType = (value: string) => {
    setText(value);
    // the server throttles too; this only avoids sending what it would drop
    if (room && Date.now() - lastTyping.current > 2_000) {
      lastTyping.current = Date.now();
      void request('chat:typing', { room });
    }
  };

  const onScroll = (event: UIEvent<HTMLOListElement>) => {
    if (event.currentTarget.scrollTop === 0 && view.hasOlder) void loadOlder();
  };

  const byId = new Map(view.messages.map((m) => [m.id, m]));
  const me = session?.user.id;

  return (
    <section className="chat card" aria-label={title}>
      <header className="chat-header">
        <h2>{title}</h2>
        {view.state?.locked && <span className="badge">Locked</span>}
        {view.state && view.state.slowModeSeconds > 0 && (
          <span className="badge">Slow mode: {view.state.slowModeSeconds} s</span>
        )}
      </header>
      {view.status === 'connecting' && <p>Connecting…</p>}
      {(view.status === 'error' || view.status === 'removed') && <p role="alert">{view.error}</p>}
      {view.notice && <p className="notice">{view.notice}</p>}
      <div className="chat-body">
        <ol className="chat-messages" aria-label="Messages" onScroll={onScroll}>
          {view.hasOlder && (
            <li>
              <button type="button" className="link" onClick={() => void loadOlder()}>
                Load older messages
              </button>
            </li>
          )}
          {view.messages.map((m) => {
            const parent = m.replyTo ? byId.get(m.replyTo) : undefined;
            return (
              <li
                key={m.offset}
                className={m.replyTo ? 'chat-message reply' : 'chat-message'}
                data-offset={m.offset}
              >
                {m.replyTo && (
                  <div className="muted">
                    ↪ {parent ? `${parent.name}: ${parent.text.slice(0, 60)}` : 'a reply'}
                  </div>
                )}
                <strong>{m.name}</strong> <span className="chat-text">{m.text}</span>
                {m.editedAt && <span className="muted"> (edited)</span>}
                <div className="chat-actions">
                  {REACTIONS.map((emoji) => {
                    const users = m.reactions[emoji] ?? [];
                    const mine = me !== undefined && users.includes(me);
                    return (
                      <button
                        key={emoji}
                        type="button"
                        className={mine ? 'reaction on' : 'reaction'}
                        aria-pressed={mine}
                        aria-label={`React ${emoji}`}
                        onClick={() =>
                          room && void act(() => request('chat:react', { room, id: m.id, emoji, on: !mine }))
                        }
                      >
                        {emoji} {users.length || ''}
                      </button>
                    );
                  })}
                  {!m.replyTo && (
                    <button type="button" className="link" onClick={() => setReplyTo(m)}>
                      Reply
                    </button>
                  )}
                  {(m.userId === me || moderator) && (
                    <button
                      type="button"
                      className="link"
                      aria-label={`Delete message ${m.offset}`}
                      onClick={() => room && void act(() => request('chat:delete', { room, id: m.id }))}
                    >
                      Delete
                    </button>
                  )}
                  {m.userId !== me && (
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        const reason = window.prompt('Why are you reporting this message?');
                        if (room && reason)
                          void act(() => request('chat:report', { room, id: m.id, reason }));
                      }}
                    >
                      Report
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
        {!hidePresence && <PresenceList presence={view.presence} />}
      </div>
      <p className="muted typing" aria-live="polite">
        {view.typing.length > 0 && `${view.typing.map((t) => t.name).join(', ')} typing…`}
      </p>
      {error && <p role="alert">{error}</p>}
      <form onSubmit={(e) => void submit(e)} className="chat-form">
        {replyTo && (
          <p className="muted">
            Replying to {replyTo.name}{' '}
            <button type="button" className="link" onClick={() => setReplyTo(undefined)}>
              cancel
            </button>
          </p>
        )}
        <label>
          Message
          <textarea
            value={text}
            maxLength={CHAT_LIMITS.maxTextLength}
            rows={2}
            disabled={view.status !== 'joined'}
            onChange={(e) => onType(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) void submit(e);
            }}
          />
        </label>
        <button type="submit" disabled={view.status !== 'joined' || !text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
