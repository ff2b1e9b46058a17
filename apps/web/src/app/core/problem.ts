import { HttpErrorResponse } from '@angular/common/http';
import { Problem } from './api.types';

/** A readable error for the UI, from whatever an API call threw. */
export interface UiError {
  message: string; fields: { field: string; message: string }[]; code?: string; status?: number;
  /** Seconds from the `Retry-After` header (429, 503 `store_unavailable`). */
  retryAfter?: number;
  /** `quote_used`: the live order the quote already became. */
  orderId?: string;
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function toUiError(err: unknown): UiError {
  if (err instanceof HttpErrorResponse) {
    const body = err.error as Problem | string | null;
    const retryAfter = retryAfterSeconds(err.headers?.get('Retry-After'));
    const extra = retryAfter === undefined ? {} : { retryAfter };
    if (body && typeof body === 'object') {
      const message = body.detail || body.title || `Request failed (${err.status})`;
      const orderId = typeof body.order_id === 'string' && body.order_id ? { orderId: body.order_id } : {};
      return { message, fields: body.errors ?? [], code: body.code, status: err.status, ...extra, ...orderId };
    }
    if (err.status === 0) {
      return { message: 'The shop cannot be reached. Check your connection and try again.', fields: [], status: 0 };
    }
    return { message: `Request failed (${err.status} ${err.statusText})`, fields: [], status: err.status, ...extra };
  }
  if (err instanceof Error) return { message: err.message, fields: [] };
  return { message: 'Something went wrong.', fields: [] };
}

/** The message for one field, if the API named it (`address.city` matches `city` with prefix). */
export function fieldError(err: UiError | null, field: string): string | null {
  return err?.fields.find((f) => f.field === field)?.message ?? null;
}
