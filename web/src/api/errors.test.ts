import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorFromBody, errorMessage, isTransient } from './errors';

describe('apiErrorFromBody', () => {
  it('reads the code and message of the error body', () => {
    const error = apiErrorFromBody(409, { error: { code: 'conflict', message: 'a contact with this phone number already exists' } });
    expect(error).toMatchObject({ status: 409, code: 'conflict', message: 'a contact with this phone number already exists' });
  });

  it('names the status when the body is not the API format', () => {
    expect(apiErrorFromBody(502, '<html>bad gateway</html>').message).toBe('request failed (HTTP 502)');
    expect(apiErrorFromBody(500, { error: 'nope' }).code).toBe('http_error');
  });
});

describe('errorMessage', () => {
  it('never shows [object Object]', () => {
    expect(errorMessage({ error: { code: 'x', message: 'readable' } })).toBe('readable');
    expect(errorMessage({ unexpected: true })).toBe('Something went wrong');
    expect(errorMessage(new ApiError(403, 'forbidden', 'this action needs the super_admin role'))).toBe(
      'this action needs the super_admin role',
    );
    expect(errorMessage(null, 'fallback')).toBe('fallback');
  });
});

describe('isTransient', () => {
  it('retries network failures and 5xx, not 4xx', () => {
    expect(isTransient(new ApiError(0, 'network', 'offline'))).toBe(true);
    expect(isTransient(new ApiError(503, 'unavailable', 'Temporal is unavailable'))).toBe(true);
    expect(isTransient(new ApiError(404, 'not_found', 'campaign not found'))).toBe(false);
    expect(isTransient(new ApiError(401, 'unauthorized', 'missing bearer token'))).toBe(false);
  });
});
