import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useSession } from '../lib/session.js';
import { ChatPanel } from './ChatPanel.js';
import { fetchRoomToken } from './realtime.js';

/** `/community/chat?room=course:<id>`: a room's community chat on its own page. */
export function ChatPage() {
  const [params] = useSearchParams();
  const session = useSession();
  const room = params.get('room') ?? '';
  const getRoomToken = useCallback(() => fetchRoomToken(room), [room]);
  if (!session)
    return (
      <p>
        <Link to="/sign-in">Sign in</Link> to chat.
      </p>
    );
  if (!/^(course|live|mentor|dm):[\w-]+$/.test(room)) return <p role="alert">No such room.</p>;
  return <ChatPanel key={room} getRoomToken={getRoomToken} title={`Community: ${room}`} />;
}
