import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { LinkButton } from '../ui/LinkButton.js';
import { CoursePageSchema, MyLearningSchema, type CourseSummary } from '@learnlive/contracts';
import { errorMessage } from '../i18n/errorMessage.js';
import { apiFetch } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';
import { Card } from '../ui/Card.js';
import { EmptyState } from '../ui/EmptyState.js';
import { Spinner } from '../ui/Spinner.js';
import './chat.css';

const TeachingSchema = CoursePageSchema.pick({ items: true });

/** `/community`: the course rooms the person can talk in, the ones they teach first. */
export function CommunityHome() {
  const { t } = useTranslation();
  const session = useSession();
  const teaches = session?.user.role === 'instructor' || session?.user.role === 'admin';
  const rooms = useAsync(async () => {
    const [teaching, learning] = await Promise.all([
      teaches ? apiFetch('/api/instructor/courses', TeachingSchema) : { items: [] as CourseSummary[] },
      apiFetch('/api/me/learning', MyLearningSchema),
    ]);
    return { teaching: teaching.items, learning: learning.items.map((item) => item.course) };
  }, [session?.user.id, teaches]);

  const list = (titleKey: string, courses: readonly CourseSummary[]) =>
    courses.length > 0 && (
      <Card>
        <h2>{t(titleKey)}</h2>
        <ul className="room-list">
          {courses.map((course) => (
            <li key={course.id}>
              <Link to={`/community/chat?room=course:${course.id}`}>{course.title}</Link>
            </li>
          ))}
        </ul>
      </Card>
    );

  return (
    <section className="stack">
      <header>
        <h1>{t('community:home.title')}</h1>
        <p className="muted">{t('community:home.lead')}</p>
      </header>
      {rooms.status === 'loading' && <Spinner />}
      {rooms.status === 'error' && (
        <p role="alert" className="notice notice-error">
          {errorMessage(t, rooms.error)}
        </p>
      )}
      {rooms.status === 'done' &&
        (rooms.value.teaching.length + rooms.value.learning.length === 0 ? (
          <EmptyState
            title={t('community:home.empty')}
            action={
              <LinkButton intent="primary" to="/courses">
                {t('community:home.browse')}
              </LinkButton>
            }
          >
            {t('community:home.emptyBody')}
          </EmptyState>
        ) : (
          <>
            {list('community:home.teaching', rooms.value.teaching)}
            {list('community:home.learning', rooms.value.learning)}
          </>
        ))}
    </section>
  );
}
