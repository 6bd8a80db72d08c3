import { Trans } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { signInPath } from '../lib/nextPath.js';
import { Card } from '../ui/Card.js';

/** Shown instead of a members' page to a signed-out visitor; signing in comes back here. */
export function MembersOnly({ messageKey }: { messageKey: string }) {
  const location = useLocation();
  const back = signInPath(`${location.pathname}${location.search}${location.hash}`);
  return (
    <Card className="narrow" data-testid="members-only">
      <p>
        <Trans i18nKey={messageKey} components={[<Link key="sign-in" to={back} />]} />
      </p>
    </Card>
  );
}
