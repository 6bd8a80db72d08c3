import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { UserSchema } from '@learnlive/contracts';
import { apiFetch, endSession } from '../lib/api.js';
import { getSession, setSession, useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';

/** The person's profile: name and bio, password, and signing out of every device. */
export function Profile() {
  const session = useSession();
  const navigate = useNavigate();
  const [version, setVersion] = useState(0);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const me = useAsync(
    () => (session ? apiFetch('/api/me', UserSchema) : Promise.reject(new Error('Sign in first.'))),
    [session?.user.id, version],
  );

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await action() });
      setVersion((v) => v + 1);
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void run(async () => {
      const user = await apiFetch('/api/me', UserSchema, {
        method: 'PATCH',
        body: JSON.stringify({ displayName: String(form.get('displayName')), bio: String(form.get('bio')) }),
      });
      const current = getSession();
      if (current) setSession({ ...current, user: { ...current.user, name: user.displayName } });
      return 'Profile saved.';
    });
  }

  function changePassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void run(async () => {
      await apiFetch('/api/me', UserSchema, {
        method: 'PATCH',
        body: JSON.stringify({
          password: { current: String(form.get('current')), next: String(form.get('next')) },
        }),
      });
      return 'Password changed. Other devices have been signed out.';
    });
  }

  // signed out, the layout shows the route's sign-in message instead of this page
  if (!session) return null;
  if (me.status === 'loading') return <p role="status">Loading your profile…</p>;
  if (me.status === 'error') return <p role="alert">{me.error.message}</p>;
  const user = me.value;
  return (
    <section className="narrow" aria-busy={busy}>
      <h1>Your profile</h1>
      <p>
        {user.email} · {user.role}
      </p>
      {message && <p role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
      <form className="card" onSubmit={save} aria-label="Profile" key={`profile-${version}`}>
        <label>
          Name
          <input name="displayName" defaultValue={user.displayName} required maxLength={80} />
        </label>
        <label>
          About you
          <textarea name="bio" defaultValue={user.bio} maxLength={2000} rows={3} />
        </label>
        <button type="submit" disabled={busy}>
          Save profile
        </button>
      </form>
      <form className="card" onSubmit={changePassword} aria-label="Password">
        <label>
          Current password
          <input type="password" name="current" autoComplete="current-password" required />
        </label>
        <label>
          New password (at least 10 characters)
          <input
            type="password"
            name="next"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={200}
          />
        </label>
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </form>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            // through apiFetch: an expired access token is refreshed first, so the server really ends them
            await apiFetch('/api/auth/sign-out-everywhere', UserSchema.optional(), { method: 'POST' });
            endSession();
            await navigate('/sign-in');
            return 'Signed out everywhere.';
          })
        }
      >
        Sign out on every device
      </button>
    </section>
  );
}
