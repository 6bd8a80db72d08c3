import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import './Menu.css';

export type MenuItem =
  | { key: string; label: ReactNode; to: string; current?: boolean }
  | { key: string; label: ReactNode; onSelect: () => void; current?: boolean };

export interface MenuProps {
  /** The button's content; `buttonLabel` names it when that content is not text. */
  trigger: ReactNode;
  buttonLabel?: string;
  items: readonly MenuItem[];
  /** @default 'end' */
  align?: 'start' | 'end';
}

/**
 * A menu button (WAI-ARIA menu pattern): Enter, Space or ArrowDown opens it on the first item,
 * arrows move, Escape or Tab closes it and focus returns to the button.
 */
export function Menu({ trigger, buttonLabel, items, align = 'end' }: MenuProps) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const itemRefs = useRef<(HTMLElement | null)[]>([]);

  useEffect(() => {
    if (!open) return;
    itemRefs.current[0]?.focus();
    const outside = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  function close(focusButton: boolean) {
    setOpen(false);
    if (focusButton) button.current?.focus();
  }

  function onMenuKey(event: KeyboardEvent) {
    const elements = itemRefs.current.filter((el): el is HTMLElement => el !== null);
    const at = elements.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => elements[(to + elements.length) % elements.length]?.focus();
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(elements.length - 1);
    else if (event.key === 'Escape') close(true);
    else if (event.key === 'Tab') close(false);
    else return;
    if (event.key !== 'Tab') event.preventDefault();
  }

  return (
    <div className="menu" ref={root}>
      <button
        ref={button}
        type="button"
        className="menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={buttonLabel}
        onClick={() => setOpen((was) => !was)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {trigger}
      </button>
      {open && (
        <div id={id} role="menu" className={`menu-list menu-${align}`} onKeyDown={onMenuKey}>
          {items.map((item, index) => {
            const ref = (el: HTMLElement | null) => {
              itemRefs.current[index] = el;
            };
            const common = {
              role: 'menuitem',
              tabIndex: -1,
              className: 'menu-item',
              'aria-current': item.current ? ('true' as const) : undefined,
            };
            return 'to' in item ? (
              <Link key={item.key} {...common} ref={ref} to={item.to} onClick={() => close(false)}>
                {item.label}
              </Link>
            ) : (
              <button
                key={item.key}
                {...common}
                ref={ref}
                type="button"
                onClick={() => {
                  close(true);
                  item.onSelect();
                }}
              >
                {item.label}
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}
