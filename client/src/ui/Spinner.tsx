import { useTranslation } from 'react-i18next';
import './Spinner.css';

/** A busy indicator; announced as "Loading…" unless it only decorates a labelled control. */
export function Spinner({ size = 'md', decorative = false }: { size?: 'sm' | 'md'; decorative?: boolean }) {
  const { t } = useTranslation();
  const ring = <span className={`spinner spinner-${size}`} aria-hidden="true" />;
  if (decorative) return ring;
  return (
    <span role="status" className="spinner-wrap">
      {ring}
      <span className="visually-hidden">{t('common:loading')}</span>
    </span>
  );
}
