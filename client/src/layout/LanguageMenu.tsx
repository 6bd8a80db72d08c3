import { useTranslation } from 'react-i18next';
import { LOCALES } from '../i18n/locale.js';
import { useLanguage } from '../i18n/useLanguage.js';
import { Menu } from '../ui/Menu.js';
import { useToast } from '../ui/Toast.js';

/** The language switcher: each language named in itself ("Français", "English"). */
export function LanguageMenu() {
  const { t } = useTranslation();
  const { locale, change } = useLanguage();
  const toast = useToast();
  return (
    <Menu
      buttonLabel={t('common:language.label')}
      trigger={
        <>
          <span aria-hidden="true">🌐</span>
          <span className="language-code">{locale.toUpperCase()}</span>
        </>
      }
      items={LOCALES.map((option) => ({
        key: option,
        label: <span lang={option}>{t(`common:language.${option}`, { lng: option })}</span>,
        current: option === locale,
        onSelect: () => {
          change(option).catch(() => toast(t('common:language.notSaved', { lng: option }), 'error'));
        },
      }))}
    />
  );
}
