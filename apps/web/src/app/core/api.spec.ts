import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ShopApi } from './api';
import { PlacedOrder } from './api.types';
import { toUiError } from './problem';

describe('ShopApi (money-safety routes)', () => {
  let api: ShopApi;
  let ctl: HttpTestingController;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(ShopApi);
    ctl = TestBed.inject(HttpTestingController);
  });
  afterEach(() => ctl.verify());

  function place(status: number, statusText: string, headers: Record<string, string> = {}) {
    let placed: PlacedOrder | undefined;
    api.placeOrder('q1', 'cnon:card-nonce-ok', 'key-1').subscribe((p) => (placed = p));
    const req = ctl.expectOne('/api/v1/orders');
    expect(req.request.method).toBe('POST');
    expect(req.request.headers.get('Idempotency-Key')).toBe('key-1');
    expect(req.request.body).toEqual({ quote_id: 'q1', payment_source_id: 'cnon:card-nonce-ok' });
    req.flush({ order: { id: 'o1', status: status === 202 ? 'pending_payment' : 'authorized' } }, { status, statusText, headers });
    return placed!;
  }

  it('tells a created order, a replay and an accepted one apart', () => {
    expect(place(201, 'Created').httpStatus).toBe(201);
    expect(place(200, 'OK').httpStatus).toBe(200);
    const accepted = place(202, 'Accepted', { Location: '/api/v1/orders/o1' });
    expect(accepted.httpStatus).toBe(202);
    expect(accepted.location).toBe('/api/v1/orders/o1');
    expect(accepted.order.status).toBe('pending_payment');
  });

  it('passes quote_used with the order it names as an error', () => {
    let error: unknown;
    api.placeOrder('q1', 'n', 'k').subscribe({ error: (e: unknown) => (error = e) });
    ctl.expectOne('/api/v1/orders').flush(
      { title: 'Quote already used', status: 409, detail: 'This quote already became an order.', code: 'quote_used', order_id: 'o9' },
      { status: 409, statusText: 'Conflict' },
    );
    const ui = toUiError(error);
    expect(ui.code).toBe('quote_used');
    expect(ui.orderId).toBe('o9');
  });

  it('requeues an order finalization', () => {
    let alert: unknown = 'unset';
    api.retryFinalization('o/1').subscribe(({ order }) => (alert = order.alert));
    const req = ctl.expectOne('/api/v1/admin/orders/o%2F1/retry-finalization');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toBeNull();
    req.flush({ order: { id: 'o/1', alert: null, finalization: { state: 'queued', attempts: 5, last_error: null, next_attempt_at: null } } });
    expect(alert).toBeNull();
  });

  it('adjusts stock and pages its movements', () => {
    api.adjustStock('p1', { delta: -2, reason: 'damaged in store' }).subscribe();
    const adj = ctl.expectOne('/api/v1/admin/products/p1/stock-adjustments');
    expect(adj.request.method).toBe('POST');
    expect(adj.request.body).toEqual({ delta: -2, reason: 'damaged in store' });
    adj.flush({ movement: {}, product: {} }, { status: 201, statusText: 'Created' });

    api.stockMovements('p1', { limit: 20, cursor: 'c2' }).subscribe();
    const list = ctl.expectOne((r) => r.url === '/api/v1/admin/products/p1/stock-movements');
    expect(list.request.params.get('limit')).toBe('20');
    expect(list.request.params.get('cursor')).toBe('c2');
    list.flush({ items: [], next_cursor: null });

    api.stockMovements('p1').subscribe();
    const first = ctl.expectOne((r) => r.url === '/api/v1/admin/products/p1/stock-movements');
    expect(first.request.params.keys()).toEqual([]);
    first.flush({ items: [], next_cursor: null });
  });

  it('lists the outbox and resends a mail', () => {
    api.outbox({ status: 'sent', cursor: null }).subscribe();
    const list = ctl.expectOne((r) => r.url === '/api/v1/admin/mail');
    expect(list.request.params.get('status')).toBe('sent');
    expect(list.request.params.has('cursor')).toBe(false);
    list.flush({ items: [], next_cursor: null });

    api.resendMail('m1').subscribe();
    const resend = ctl.expectOne('/api/v1/admin/mail/m1/resend');
    expect(resend.request.method).toBe('POST');
    resend.flush({ mail: { id: 'm1' } });
  });
});
