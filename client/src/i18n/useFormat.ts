import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { createFormatter, type Formatter } from './format.js';

/** The formatter for the language on screen; a new one when the language changes. */
export function useFormat(): Formatter {
  const { i18n } = useTranslation();
  return useMemo(() => createFormatter(i18n.language), [i18n.language]);
}
