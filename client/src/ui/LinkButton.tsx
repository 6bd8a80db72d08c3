import { Link, type LinkProps } from 'react-router-dom';
import type { ButtonIntent } from './Button.js';
import './Button.css';

/** A link that looks like a button: for "go somewhere" actions (Browse the catalog, Join). */
export function LinkButton({
  intent = 'secondary',
  size = 'md',
  className,
  ...rest
}: LinkProps & { intent?: ButtonIntent; size?: 'sm' | 'md' }) {
  return (
    <Link
      {...rest}
      className={['btn', `btn-${intent}`, size === 'sm' && 'btn-sm', className].filter(Boolean).join(' ')}
    />
  );
}
