import { HealthSchema } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';

/** Sign-in page; the form arrives with accounts. It already tells whether the API answers. */
export function SignIn() {
  const health = useAsync(() => apiFetch('/api/health', HealthSchema), []);
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <p role="status" data-testid="api-health">
        {health.status === 'loading' && 'Checking the server…'}
        {health.status === 'done' && 'The server is up.'}
        {health.status === 'error' && `The server is not answering: ${health.error.message}`}
      </p>
      <form onSubmit={(e) => e.preventDefault()}>
        <label>
          Email
          <input type="email" name="email" autoComplete="email" required disabled />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required disabled />
        </label>
        <button type="submit" disabled>
          Sign in
        </button>
      </form>
    </section>
  );
}
