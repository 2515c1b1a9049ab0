// The typed API client: openapi-fetch over the generated paths, sending the access token and
// refreshing it on a 401 (auth/session.ts). `call` turns an answer into its data or a thrown
// ApiError, which is what TanStack Query expects.

import createClient from 'openapi-fetch';
import { authorizedFetch } from '../auth/session';
import { ApiError, apiErrorFromBody, NETWORK_ERROR_STATUS } from './errors';
import type { paths } from './schema';

export const api = createClient<paths>({ baseUrl: '', fetch: authorizedFetch });

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; anything else is thrown as an ApiError. */
export async function call<T>(request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(NETWORK_ERROR_STATUS, 'network', 'the server could not be reached');
  }
  if (!answer.response.ok) throw apiErrorFromBody(answer.response.status, answer.error);
  return answer.data as T;
}

/** A GET of a non-JSON resource (a CSV export) as a Blob, with the same token handling. */
export async function fetchBlob(url: string): Promise<Blob> {
  let response: Response;
  try {
    response = await authorizedFetch(new Request(url, { credentials: 'same-origin' }));
  } catch {
    throw new ApiError(NETWORK_ERROR_STATUS, 'network', 'the server could not be reached');
  }
  if (!response.ok) throw apiErrorFromBody(response.status, await response.json().catch(() => undefined));
  return response.blob();
}
