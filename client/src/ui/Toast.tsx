import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import './Toast.css';

export type ToastTone = 'info' | 'success' | 'error';
interface ToastItem {
  id: number;
  tone: ToastTone;
  text: string;
}

type Notify = (text: string, tone?: ToastTone) => void;
const ToastContext = createContext<Notify | null>(null);

/** How long a toast stays; errors stay until dismissed. */
const VISIBLE_MS = 6000;

/**
 * Short notices ("Profile saved.") in two live regions that exist from the start, so screen
 * readers announce what is added: polite for news, assertive for errors.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [items, setItems] = useState<ToastItem[]>([]);
  const next = useRef(0);
  const dismiss = useCallback((id: number) => setItems((all) => all.filter((item) => item.id !== id)), []);
  const notify = useCallback<Notify>(
    (text, tone = 'info') => {
      const id = ++next.current;
      setItems((all) => [...all.slice(-3), { id, tone, text }]);
      if (tone !== 'error') setTimeout(() => dismiss(id), VISIBLE_MS);
    },
    [dismiss],
  );
  const render = (tones: readonly ToastTone[]) =>
    items
      .filter((item) => tones.includes(item.tone))
      .map((item) => (
        <div key={item.id} className={`toast toast-${item.tone}`}>
          <span>{item.text}</span>
          <button
            type="button"
            className="toast-close"
            onClick={() => dismiss(item.id)}
            aria-label={t('common:dismiss')}
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
      ));
  return (
    <ToastContext.Provider value={notify}>
      {children}
      <div className="toasts">
        {/* no alert/status roles on the containers: they are always there, even empty */}
        <div aria-live="polite">{render(['info', 'success'])}</div>
        <div aria-live="assertive">{render(['error'])}</div>
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Notify {
  const notify = useContext(ToastContext);
  if (!notify) throw new Error('useToast needs a ToastProvider above it');
  return notify;
}
