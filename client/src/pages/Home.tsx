import { Link } from 'react-router-dom';
import { useSession } from '../lib/session.js';

export function Home() {
  const session = useSession();
  return (
    <section>
      <h1>Learn live, together</h1>
      <p>Live classes, mentor sessions, recorded lessons and a community that answers.</p>
      {session ? (
        <p>
          Welcome back, {session.user.name}. <Link to="/learning">Continue learning</Link> or{' '}
          <Link to="/courses">find a new course</Link>.
        </p>
      ) : (
        <p>
          <Link to="/courses">Browse the catalog</Link> or <Link to="/sign-up">create an account</Link>.
        </p>
      )}
    </section>
  );
}
