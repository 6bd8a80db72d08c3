import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { HealthSchema } from '@learnlive/contracts';
import { signIn, signOut } from '../account/auth.js';
import { apiFetch } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';

/** Sign-in page; it also tells whether the API answers. */
export function SignIn() {
  const health = useAsync(() => apiFetch('/api/health', HealthSchema), []);
  const session = useSession();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('email')), String(form.get('password')));
      navigate(search.get('next') ?? '/learning');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <p role="status" data-testid="api-health">
        {health.status === 'loading' && 'Checking the server…'}
        {health.status === 'done' && 'The server is up.'}
        {health.status === 'error' && `The server is not answering: ${health.error.message}`}
      </p>
      {session ? (
        <>
          <p data-testid="signed-in-as">
            Signed in as {session.user.name} ({session.user.role}).
          </p>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)} aria-busy={busy}>
          <label>
            Email
            <input type="email" name="email" autoComplete="email" required />
          </label>
          <label>
            Password
            <input type="password" name="password" autoComplete="current-password" required />
          </label>
          {error && <p role="alert">{error}</p>}
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <p>
            New here? <Link to="/sign-up">Create an account</Link>
          </p>
        </form>
      )}
    </section>
  );
}
