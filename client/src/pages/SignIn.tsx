import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { HealthSchema } from '@learnlive/contracts';
import { signIn, signOut } from '../account/auth.js';
import { errorMessage } from '../i18n/errorMessage.js';
import { apiFetch } from '../lib/api.js';
import { safeNextPath } from '../lib/nextPath.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';
import { Button } from '../ui/Button.js';
import { Card } from '../ui/Card.js';
import { Field } from '../ui/Field.js';

/** Sign-in page; it also tells whether the API answers. Comes back to `?next=` when given. */
export function SignIn() {
  const { t } = useTranslation();
  const health = useAsync(() => apiFetch('/api/health', HealthSchema), []);
  const session = useSession();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = search.get('next');

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('email')), String(form.get('password')));
      await navigate(safeNextPath(next, window.location.origin, '/learning'));
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card className="narrow stack">
      <h1>{t('pages:signIn.title')}</h1>
      <p role="status" data-testid="api-health" className="muted">
        {health.status === 'loading' && t('pages:signIn.health.checking')}
        {health.status === 'done' && t('pages:signIn.health.up')}
        {health.status === 'error' &&
          t('pages:signIn.health.down', { reason: errorMessage(t, health.error) })}
      </p>
      {session ? (
        <>
          <p data-testid="signed-in-as">
            {t('pages:signIn.signedInAs', {
              name: session.user.name,
              role: t(`common:roles.${session.user.role}`),
            })}
          </p>
          <Button intent="secondary" onClick={() => void signOut()}>
            {t('common:account.signOut')}
          </Button>
        </>
      ) : (
        <form className="stack" onSubmit={(e) => void submit(e)} aria-busy={busy} noValidate={false}>
          <Field label={t('pages:signIn.email')}>
            <input type="email" name="email" autoComplete="email" required />
          </Field>
          <Field label={t('pages:signIn.password')}>
            <input type="password" name="password" autoComplete="current-password" required />
          </Field>
          {error && (
            <p role="alert" className="notice notice-error">
              {error}
            </p>
          )}
          <Button type="submit" intent="primary" loading={busy}>
            {t('pages:signIn.submit')}
          </Button>
          <p>
            <Trans
              i18nKey="pages:signIn.newHere"
              components={[
                <Link key="sign-up" to={next ? `/sign-up?next=${encodeURIComponent(next)}` : '/sign-up'} />,
              ]}
            />
          </p>
        </form>
      )}
    </Card>
  );
}
