import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Spinner } from './Spinner.js';
import './Button.css';

export type ButtonIntent = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** @default 'secondary' */
  intent?: ButtonIntent;
  /** Shows a spinner, keeps the label (so the button keeps its name) and ignores clicks. */
  loading?: boolean;
  /** @default 'md' */
  size?: 'sm' | 'md';
  icon?: ReactNode;
}

/** Every button of the product: its intent says how much it matters (one primary per view). */
export function Button({
  intent = 'secondary',
  loading = false,
  size = 'md',
  icon,
  type = 'button',
  className,
  disabled,
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      className={['btn', `btn-${intent}`, size === 'sm' && 'btn-sm', className].filter(Boolean).join(' ')}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
    >
      {loading ? <Spinner size="sm" decorative /> : icon}
      {children}
    </button>
  );
}
