import type { HTMLAttributes } from 'react';
import './Card.css';

/** A surface that groups one thing: a course, a form, a list. */
export function Card({
  className,
  as: Tag = 'section',
  ...rest
}: HTMLAttributes<HTMLElement> & { as?: 'section' | 'div' | 'article' | 'li' }) {
  return <Tag {...rest} className={['card', className].filter(Boolean).join(' ')} />;
}
