import { InjectionToken } from '@angular/core';
import { UiError } from '../core/problem';

/** How the customer's pages follow an order whose payment is being settled. */
export interface OrderPollTiming {
  /** Delay between the first `fastPolls` polls. */
  fastMs: number;
  /** Delay after those (and in the order history). */
  slowMs: number;
  fastPolls: number;
  /** Give up following a `pending_payment` order after this many polls (the customer can check again). */
  maxPolls: number;
  /** Follow an `authorized` order (captured shortly) for this many polls. */
  authorizedPolls: number;
}

export const ORDER_POLL_TIMING = new InjectionToken<OrderPollTiming>('order poll timing', {
  providedIn: 'root',
  // Every 1 s for half a minute, then every 2 s: about ten minutes in all.
  factory: () => ({ fastMs: 1000, slowMs: 2000, fastPolls: 30, maxPolls: 315, authorizedPolls: 60 }),
});

export function pollDelay(t: OrderPollTiming, polls: number): number {
  return polls < t.fastPolls ? t.fastMs : t.slowMs;
}

/** A failure worth polling through: no connection, or the API briefly unavailable. */
export function transient(e: UiError): boolean {
  return e.status === 0 || e.status === 502 || e.status === 503 || e.status === 504 || e.status === 429;
}

/** The delay before the next poll after a transient failure, honouring Retry-After. */
export function retryDelay(t: OrderPollTiming, polls: number, e: UiError): number {
  return Math.max(pollDelay(t, polls), (e.retryAfter ?? 0) * 1000);
}
