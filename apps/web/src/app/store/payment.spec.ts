import { SANDBOX_NONCES, newIdempotencyKey, squareApplicationId } from './payment';

describe('payment seam', () => {
  it('offers the Square sandbox nonces, the accepted one first', () => {
    expect(SANDBOX_NONCES[0].nonce).toBe('cnon:card-nonce-ok');
    expect(SANDBOX_NONCES.map((n) => n.nonce)).toContain('cnon:card-nonce-declined');
  });
  it('uses the simulator without a Square application id', () => {
    const doc = document.implementation.createHTMLDocument('x');
    expect(squareApplicationId(doc)).toBeNull();
    const meta = doc.createElement('meta');
    meta.name = 'square-application-id';
    meta.content = 'sandbox-sq0idb-abc';
    doc.head.appendChild(meta);
    expect(squareApplicationId(doc)).toBe('sandbox-sq0idb-abc');
  });
  it('makes distinct idempotency keys', () => {
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });
});
