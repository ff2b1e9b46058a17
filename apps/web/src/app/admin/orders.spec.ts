import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AdminOrder, Finalization, OrderAlert, OrderStatus } from '../core/api.types';
import { AdminOrderPage } from './order.page';
import { AdminOrdersPage } from './orders.page';

const usd = (amount: string) => ({ amount, currency: 'USD' });
const dead: Finalization = { state: 'dead', attempts: 8, last_error: 'square: 503', next_attempt_at: null };
const alert: OrderAlert = { at: '2030-01-01T00:10:00Z', reason: 'capture kept failing' };
const adminOrder = (id: string, status: OrderStatus, finalization: Finalization | null, a: OrderAlert | null): AdminOrder => ({
  id, number: `SO-${id}`, user_id: 'u1', status, created_at: '2030-01-01T00:00:00Z', tax_exempt: false, lines: [], history: [],
  subtotal: usd('10.00'), discount_total: usd('0.00'), tax_total: usd('0.00'), total: usd('10.00'),
  ship_to: { line1: '1 Market St', city: 'SF', region: 'CA', postal_code: '94105', country: 'US' },
  payment: { provider: 'square', payment_id: 'sq-1', status: 'APPROVED' }, finalization, alert: a,
});
const requeued = (o: AdminOrder): AdminOrder => ({ ...o, alert: null, finalization: { state: 'queued', attempts: 8, last_error: 'square: 503', next_attempt_at: '2030-01-01T00:11:00Z' } });

function setup() {
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  return TestBed.inject(HttpTestingController);
}
const buttons = (el: HTMLElement, text: string) => [...el.querySelectorAll<HTMLButtonElement>('button')].filter((b) => b.textContent!.includes(text));

describe('AdminOrdersPage', () => {
  it('flags orders that need attention and requeues their finalization from the row', async () => {
    const ctl = setup();
    const fixture = TestBed.createComponent(AdminOrdersPage);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const flagged = adminOrder('o1', 'authorized', dead, alert);
    ctl.expectOne((r) => r.url === '/api/v1/admin/orders').flush({
      items: [flagged, adminOrder('o2', 'paid', { ...dead }, null), adminOrder('o3', 'paid', { state: 'done', attempts: 1, last_error: null, next_attempt_at: null }, null)],
      next_cursor: null,
    });
    await fixture.whenStable();
    const flags = el.querySelectorAll('[data-testid=order-alert]');
    expect(flags).toHaveLength(1);
    expect(flags[0].textContent).toContain('Needs attention');
    expect(flags[0].textContent).toContain('capture kept failing');
    const retry = buttons(el, 'Retry finalization');
    expect(retry.map((b) => b.getAttribute('aria-label'))).toEqual(['Retry finalization of SO-o1', 'Retry finalization of SO-o2']);
    expect(retry.map((b) => b.disabled)).toEqual([false, true]);
    retry[0].click();
    const req = ctl.expectOne('/api/v1/admin/orders/o1/retry-finalization');
    expect(req.request.method).toBe('POST');
    req.flush({ order: requeued(flagged) });
    await fixture.whenStable();
    expect(el.querySelectorAll('[data-testid=order-alert]')).toHaveLength(0);
    expect(el.querySelector('[role=status]')!.textContent).toContain('Finalization of SO-o1 requeued');
    expect(buttons(el, 'Retry finalization')).toHaveLength(1);
  });
});

describe('AdminOrderPage', () => {
  async function open(o: AdminOrder) {
    const ctl = setup();
    const fixture = TestBed.createComponent(AdminOrderPage);
    fixture.componentRef.setInput('id', o.id);
    await fixture.whenStable();
    ctl.expectOne(`/api/v1/admin/orders/${o.id}`).flush({ order: o });
    await fixture.whenStable();
    return { ctl, fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('shows the alert and the workflow, and requeues an open order', async () => {
    const o = adminOrder('o1', 'authorized', dead, alert);
    const { ctl, fixture, el } = await open(o);
    expect(el.querySelector('[data-testid=order-alert]')!.textContent).toContain('capture kept failing');
    const facts = el.querySelector('[data-testid=finalization]')!.textContent!;
    expect(facts).toContain('stopped (dead)');
    expect(facts).toContain('square: 503');
    const retry = buttons(el, 'Retry finalization')[0];
    expect(retry.disabled).toBe(false);
    retry.click();
    ctl.expectOne('/api/v1/admin/orders/o1/retry-finalization').flush({ order: requeued(o) });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=order-alert]')).toBeNull();
    expect(el.querySelector('[data-testid=finalization]')!.textContent).toContain('queued');
    expect(el.querySelector('[role=status]')!.textContent).toContain('requeued');
  });

  it('shows the problem when the order is no longer open', async () => {
    const o = adminOrder('o1', 'authorized', dead, alert);
    const { ctl, fixture, el } = await open(o);
    buttons(el, 'Retry finalization')[0].click();
    ctl.expectOne('/api/v1/admin/orders/o1/retry-finalization').flush(
      { title: 'Conflict', status: 409, detail: 'The order is no longer open.', code: 'invalid_order_state' },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('The order is no longer open.');
    expect(el.querySelector('[data-testid=order-alert]')).not.toBeNull();
  });

  it('disables the retry for a settled order', async () => {
    const { el } = await open(adminOrder('o2', 'paid', dead, null));
    const retry = buttons(el, 'Retry finalization')[0];
    expect(retry.disabled).toBe(true);
    expect(el.textContent).toContain('Only orders pending payment or authorized can be requeued.');
  });

  it('reloads the admin view after fulfilling (the action answers the plain order)', async () => {
    const o = adminOrder('o3', 'paid', { state: 'done', attempts: 1, last_error: null, next_attempt_at: null }, null);
    const { ctl, fixture, el } = await open(o);
    buttons(el, 'Mark fulfilled')[0].click();
    const { finalization: _f, alert: _a, ...plain } = o;
    ctl.expectOne('/api/v1/admin/orders/o3/fulfill').flush({ order: { ...plain, status: 'fulfilled' } });
    ctl.expectOne('/api/v1/admin/orders/o3').flush({ order: { ...o, status: 'fulfilled' } });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=order-status]')!.textContent!.trim()).toBe('fulfilled');
    expect(el.querySelector('[data-testid=finalization]')).not.toBeNull();
  });
});
