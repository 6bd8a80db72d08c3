import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { signUp } from './auth.js';

export function SignUp() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const role = String(form.get('role')) as 'learner' | 'instructor' | 'mentor';
      await signUp({
        email: String(form.get('email')),
        password: String(form.get('password')),
        displayName: String(form.get('displayName')),
        role,
      });
      await navigate(role === 'instructor' ? '/teach' : '/courses');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <h1>Create your account</h1>
      <form onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <label>
          Name
          <input name="displayName" autoComplete="name" required maxLength={80} />
        </label>
        <label>
          Email
          <input type="email" name="email" autoComplete="email" required />
        </label>
        <label>
          Password (at least 10 characters)
          <input
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={200}
          />
        </label>
        <label>
          I want to
          <select name="role" defaultValue="learner">
            <option value="learner">learn</option>
            <option value="instructor">teach courses</option>
            <option value="mentor">mentor learners</option>
          </select>
        </label>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Sign up'}
        </button>
        <p>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      </form>
    </section>
  );
}
