/**
 * Card entry. Without a Square application id (the embedded shape, the
 * built-in simulator) the checkout offers Square's sandbox test nonces.
 * With one, the Square Web Payments SDK must tokenize the card: that is the
 * seam below (`squareApplicationId()` + a tokenizer that loads
 * https://web.squarecdn.com/v1/square.js); it is not bundled here.
 */
export interface TestNonce { nonce: string; label: string; }

export const SANDBOX_NONCES: TestNonce[] = [
  { nonce: 'cnon:card-nonce-ok', label: 'Card accepted (cnon:card-nonce-ok)' },
  { nonce: 'cnon:card-nonce-declined', label: 'Card declined (cnon:card-nonce-declined)' },
  { nonce: 'cnon:card-nonce-rejected-cvv', label: 'CVV rejected (cnon:card-nonce-rejected-cvv)' },
  { nonce: 'cnon:card-nonce-rejected-postalcode', label: 'Postal code rejected (cnon:card-nonce-rejected-postalcode)' },
  { nonce: 'cnon:card-nonce-rejected-expiration', label: 'Expiry rejected (cnon:card-nonce-rejected-expiration)' },
];

/** The Square application id from `<meta name="square-application-id">`, or null (simulator). */
export function squareApplicationId(doc: Document | null = globalThis.document ?? null): string | null {
  const v = doc?.querySelector('meta[name="square-application-id"]')?.getAttribute('content')?.trim();
  return v ? v : null;
}

/** A fresh idempotency key for one order attempt (kept across retries of that attempt). */
export function newIdempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
