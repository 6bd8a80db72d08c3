import { ERROR_CODES, type ErrorCode } from '@learnlive/contracts';
import type { TFunction } from 'i18next';

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * What the person reads for a failure: the translated sentence for the API's stable `code`
 * (`errors.json`, one entry per code), never the server's English `detail`. A code this client
 * does not know, or an error that carries no code, reads as a generic sentence. Takes REST
 * errors (`ApiError`) and socket ack errors (`{ code, message }`) alike.
 */
export function errorMessage(t: TFunction, error: unknown): string {
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined;
  return code !== undefined && isErrorCode(code) ? t(`errors:code.${code}`) : t('errors:generic');
}
