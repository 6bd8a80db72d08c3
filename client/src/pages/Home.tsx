import { useTranslation } from 'react-i18next';
import { LinkButton } from '../ui/LinkButton.js';
import { useSession } from '../lib/session.js';
import './Home.css';

export function Home() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <section className="home-hero">
      <h1>{t('pages:home.title')}</h1>
      <p className="home-lead">{t('pages:home.lead')}</p>
      {session ? (
        <>
          <p>{t('pages:home.welcomeBack', { name: session.user.name })}</p>
          <div className="cluster">
            <LinkButton intent="primary" to="/learning">
              {t('pages:home.continue')}
            </LinkButton>
            <LinkButton intent="secondary" to="/courses">
              {t('pages:home.findCourse')}
            </LinkButton>
          </div>
        </>
      ) : (
        <div className="cluster">
          <LinkButton intent="primary" to="/courses">
            {t('pages:home.browse')}
          </LinkButton>
          <LinkButton intent="secondary" to="/sign-up">
            {t('pages:home.createAccount')}
          </LinkButton>
        </div>
      )}
    </section>
  );
}
