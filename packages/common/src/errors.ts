import type { ErrorBody, ErrorCode, Problem } from '@learnlive/contracts';

const STATUS: { readonly [K in ErrorCode]: number } = {
  bad_request: 400,
  validation_failed: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  moved: 421,
  unavailable: 503,
  internal: 500,
};

/**
 * The one error type services throw on purpose. Its `code` is stable and part of the
 * contract; its message is safe to show. Translated to HTTP/ack shapes only at the boundary.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; fieldErrors?: Array<{ path: string; message: string }> } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = STATUS[code];
    this.fieldErrors = options.fieldErrors;
  }
  readonly fieldErrors: Array<{ path: string; message: string }> | undefined;
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Unknown errors become `internal`, with a message that leaks nothing. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal', 'internal error', { cause: err });
}

export function toProblem(err: AppError, instance?: string): Problem {
  return {
    type: `https://learnlive.dev/problems/${err.code}`,
    title: err.code.replace(/_/g, ' '),
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(err.fieldErrors ? { errors: err.fieldErrors } : {}),
    ...(instance ? { instance } : {}),
  };
}

export function toErrorBody(err: AppError): ErrorBody {
  return { code: err.code, message: err.message };
}
