// Every API error answers `{"error": {"code", "message"}}`; this turns any failure (API error,
// network failure, unexpected body) into one class with a message fit to show as is.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Status 0: the request never got an answer. */
export const NETWORK_ERROR_STATUS = 0;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The API error of a response's parsed body, or a generic one naming the status. */
export function apiErrorFromBody(status: number, body: unknown): ApiError {
  const detail = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const message = detail && typeof detail.message === 'string' ? detail.message : undefined;
  const code = detail && typeof detail.code === 'string' ? detail.code : 'http_error';
  return new ApiError(status, code, message ?? `request failed (HTTP ${status})`);
}

/** A message to show for anything thrown, never `[object Object]`. */
export function errorMessage(error: unknown, fallback = 'Something went wrong'): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  if (isRecord(error)) {
    const fromBody = apiErrorFromBody(0, error);
    if (fromBody.code !== 'http_error') return fromBody.message;
    if (typeof error.message === 'string' && error.message) return error.message;
  }
  return fallback;
}

/** Whether repeating a failed read could help: network failures and server faults, not 4xx. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === NETWORK_ERROR_STATUS || error.status >= 500;
}
