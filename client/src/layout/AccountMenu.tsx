import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { signOut } from '../account/auth.js';
import type { Session } from '../lib/session.js';
import { Avatar } from '../ui/Avatar.js';
import { Menu } from '../ui/Menu.js';

/** Who is signed in, and their profile, payments and sign-out. */
export function AccountMenu({ session }: { session: Session }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { name, id, role } = session.user;
  return (
    <Menu
      buttonLabel={t('common:account.menuLabel', { name })}
      trigger={
        <>
          <Avatar name={name} id={id} />
          <span className="account-name">
            <span>{name}</span>
            <span className="account-role">{t(`common:roles.${role}`)}</span>
          </span>
        </>
      }
      items={[
        { key: 'profile', label: t('common:account.profile'), to: '/profile' },
        { key: 'payments', label: t('common:account.payments'), to: '/account/payments' },
        {
          key: 'sign-out',
          label: t('common:account.signOut'),
          onSelect: () => {
            void signOut().then(() => navigate('/'));
          },
        },
      ]}
    />
  );
}
