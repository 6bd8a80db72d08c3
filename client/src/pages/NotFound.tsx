import { useTranslation } from 'react-i18next';
import { LinkButton } from '../ui/LinkButton.js';
import { EmptyState } from '../ui/EmptyState.js';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('pages:notFound.title')}</h1>
      <EmptyState
        title={t('pages:notFound.body')}
        action={
          <LinkButton intent="primary" to="/courses">
            {t('pages:notFound.back')}
          </LinkButton>
        }
      />
    </section>
  );
}
