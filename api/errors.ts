import type { Problem } from '@p2p/domain';

/**
 * Every business failure the API can answer, in one place with its status.
 * Services throw AppError; app.ts turns it (and everything else) into problem+json.
 */
export const errorKinds = {
  validation: { status: 400, title: 'The request is not valid' },
  unauthenticated: { status: 401, title: 'Sign in required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  gone: { status: 410, title: 'No longer available' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  /** Well formed, matches its schema, breaks a rule the schema cannot state (a cross-field rule, an id that names nothing usable). */
  unprocessable: { status: 422, title: 'The request breaks a rule' },
  idempotency_mismatch: { status: 422, title: 'Idempotency-Key reused with a different request' },
  locked: { status: 423, title: 'Account locked' },
  rate_limited: { status: 429, title: 'Too many requests' },
  /** Answered by the HTTP server itself (api/server.ts), before any route. */
  request_header_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorKind = keyof typeof errorKinds;
export type FieldError = { path: string; message: string };

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    readonly detail?: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown; /** More problem members, e.g. a machine-readable `reason`. */ extra?: Record<string, string> } = {},
  ) {
    super(detail ?? errorKinds[kind].title, { cause: options.cause });
  }

  get status(): number {
    return errorKinds[this.kind].status;
  }
}

export function problemOf(kind: ErrorKind, detail?: string, extra: Partial<Problem> = {}): Problem {
  const { status, title } = errorKinds[kind];
  return {
    type: `https://procurement.example/problems/${kind.replaceAll('_', '-')}`,
    title,
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

/** Fields that matched their schema but break business rules (an id naming nothing usable, an over-receipt): 422 naming each. */
export const invalidFields = (errors: FieldError[]) => new AppError('unprocessable', errors.map((error) => `${error.path}: ${error.message}`).join('; '), { errors });

/** One such field: 422. */
export const fieldError = (path: string, message: string) => invalidFields([{ path, message }]);
