// FastAPI-style errors: `{"detail": "message"}` or
// `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.

export interface FieldError {
  /** Where the problem is, e.g. `["body", "email"]` or `["body", "rows", 3, "qty"]`. */
  loc: (string | number)[];
  msg: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldError[];

  constructor(status: number, message: string, fieldErrors: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fieldErrors = fieldErrors;
  }

  /** The message for one form field (the last string part of `loc`). */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors.find((error) => error.loc[error.loc.length - 1] === field)?.msg;
  }
}

function asFieldError(item: unknown): FieldError | null {
  if (typeof item !== 'object' || item === null) return null;
  const record = item as Record<string, unknown>;
  const msg = [record.msg, record.message, record.error, record.reason].find(
    (value): value is string => typeof value === 'string',
  );
  if (!msg) return null;
  let loc: (string | number)[] = [];
  if (Array.isArray(record.loc)) {
    loc = record.loc.filter(
      (part): part is string | number => typeof part === 'string' || typeof part === 'number',
    );
  } else if (typeof record.row === 'number') {
    loc = ['row', record.row];
    if (typeof record.field === 'string') loc.push(record.field);
  }
  return { loc, msg };
}

/** A human-readable label for where an error is: `Row 3, qty` or `email`. */
export function describeLocation(loc: (string | number)[]): string {
  const parts = loc.filter((part) => !['body', 'query', 'file', 'rows'].includes(String(part)));
  const rowIndex = parts.findIndex((part) => typeof part === 'number');
  const labels = parts.map((part, index) => {
    if (index === rowIndex) return `Row ${part}`;
    return String(part) === 'row' ? null : String(part);
  });
  return labels.filter((label): label is string => label !== null).join(', ');
}

const statusMessages: Record<number, string> = {
  400: 'The request was malformed.',
  401: 'Please sign in again.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with the current state.',
  413: 'That is too large.',
  422: 'Some values are invalid.',
  429: 'Too many attempts. Please wait and try again.',
  503: 'The service is unavailable. Please try again shortly.',
};

/** Builds an ApiError from a status and a parsed (or unparseable) response body. */
export function toApiError(status: number, body: unknown): ApiError {
  const fallback = statusMessages[status] ?? `Request failed (${status}).`;
  const detail =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).detail : undefined;
  if (typeof detail === 'string' && detail.length > 0) {
    return new ApiError(status, detail);
  }
  const items = Array.isArray(detail)
    ? detail
    : typeof detail === 'object' && detail !== null
      ? (Object.values(detail).find(Array.isArray) ?? [])
      : [];
  const fieldErrors = items.map(asFieldError).filter((e): e is FieldError => e !== null);
  if (fieldErrors.length > 0) {
    const message = fieldErrors
      .map((error) => {
        const where = describeLocation(error.loc);
        return where ? `${where}: ${error.msg}` : error.msg;
      })
      .join('\n');
    return new ApiError(status, message, fieldErrors);
  }
  return new ApiError(status, fallback);
}
