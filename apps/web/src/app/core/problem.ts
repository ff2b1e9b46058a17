import { HttpErrorResponse } from '@angular/common/http';
import { Problem } from './api.types';

/** A readable error for the UI, from whatever an API call threw. */
export interface UiError { message: string; fields: { field: string; message: string }[]; code?: string; status?: number; }

export function toUiError(err: unknown): UiError {
  if (err instanceof HttpErrorResponse) {
    const body = err.error as Problem | string | null;
    if (body && typeof body === 'object') {
      const message = body.detail || body.title || `Request failed (${err.status})`;
      return { message, fields: body.errors ?? [], code: body.code, status: err.status };
    }
    if (err.status === 0) {
      return { message: 'The shop cannot be reached. Check your connection and try again.', fields: [], status: 0 };
    }
    return { message: `Request failed (${err.status} ${err.statusText})`, fields: [], status: err.status };
  }
  if (err instanceof Error) return { message: err.message, fields: [] };
  return { message: 'Something went wrong.', fields: [] };
}

/** The message for one field, if the API named it (`address.city` matches `city` with prefix). */
export function fieldError(err: UiError | null, field: string): string | null {
  return err?.fields.find((f) => f.field === field)?.message ?? null;
}
