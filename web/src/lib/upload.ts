// The CSV import upload. XMLHttpRequest rather than fetch: only it reports upload progress.
// Like every write, it is not retried on a 401; the caller shows the error.

import { ApiError, apiErrorFromBody, NETWORK_ERROR_STATUS } from '../api/errors';

export interface UploadOptions {
  url: string;
  body: Blob;
  contentType: string;
  token: string | null;
  /** Share of the body sent, 0 to 1. */
  onProgress: (fraction: number) => void;
}

export function uploadWithProgress<T>({ url, body, contentType, token, onProgress }: UploadOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('Content-Type', contentType);
    if (token) request.setRequestHeader('Authorization', `Bearer ${token}`);
    request.responseType = 'text';
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.responseText);
      } catch {
        parsed = undefined;
      }
      if (request.status >= 200 && request.status < 300) resolve(parsed as T);
      else reject(apiErrorFromBody(request.status, parsed));
    });
    request.addEventListener('error', () =>
      reject(new ApiError(NETWORK_ERROR_STATUS, 'network', 'the server could not be reached')),
    );
    request.send(body);
  });
}
