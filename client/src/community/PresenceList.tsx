import type { PresenceUser } from '@learnlive/contracts';

/** Who is in the room; above the server's configured size only the count is known. */
export function PresenceList({ presence }: { presence: { count: number; users?: PresenceUser[] } }) {
  return (
    <aside className="presence" aria-label="Online">
      <h3>Online ({presence.count})</h3>
      {presence.users ? (
        <ul data-testid="presence">
          {presence.users.map((u) => (
            <li key={u.userId}>{u.name}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">Too many people to list.</p>
      )}
    </aside>
  );
}
