import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { Order, OrderStatus, Payment } from '../core/api.types';
import { CartStore } from './cart.store';
import { ORDER_POLL_TIMING } from './order-poll';
import { OrderPage } from './order.page';
import { OrdersPage } from './orders.page';

const usd = (amount: string) => ({ amount, currency: 'USD' });
const square = (status: Payment['status']): Payment => ({ provider: 'square', payment_id: status === 'PENDING' ? null : 'sq-1', status });
const order = (status: OrderStatus, payment: Payment = square('PENDING'), id = 'o1'): Order => ({
  id, number: `SO-${id}`, status, created_at: '2030-01-01T00:00:00Z', tax_exempt: false, payment, history: [],
  lines: [{ product_id: 'p1', sku: 'HAM-1', name: 'Hammer', unit_price: usd('24.50'), quantity: 2, subtotal: usd('49.00'), discount: usd('0.00'), tax: usd('0.00'), total: usd('49.00') }],
  subtotal: usd('49.00'), discount_total: usd('0.00'), tax_total: usd('0.00'), total: usd('49.00'),
  ship_to: { line1: '1 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'US' },
});
const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

function configure(maxPolls = 50) {
  localStorage.clear();
  TestBed.configureTestingModule({
    providers: [
      provideRouter([]), provideHttpClient(), provideHttpClientTesting(),
      { provide: ORDER_POLL_TIMING, useValue: { fastMs: 1, slowMs: 2, fastPolls: 2, maxPolls, authorizedPolls: 2 } },
    ],
  });
  const router = TestBed.inject(Router);
  vi.spyOn(router, 'navigate').mockResolvedValue(true);
  return { ctl: TestBed.inject(HttpTestingController), router };
}

describe('OrderPage', () => {
  async function open(maxPolls?: number, placed?: string) {
    const { ctl, router } = configure(maxPolls);
    const fixture = TestBed.createComponent(OrderPage);
    fixture.componentRef.setInput('id', 'o1');
    if (placed) fixture.componentRef.setInput('placed', placed);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const answer = async (o: Order) => { ctl.expectOne('/api/v1/orders/o1').flush({ order: o }); await fixture.whenStable(); };
    const status = () => el.querySelector('[data-testid=order-status]')!;
    return { fixture, el, ctl, router, answer, status };
  }

  it('shows a pending payment as processing and follows it until it is authorized, then paid', async () => {
    const { fixture, el, ctl, answer, status } = await open(50, '1');
    await answer(order('pending_payment'));
    expect(status().textContent!.trim()).toBe('Payment processing…');
    expect(status().getAttribute('role')).toBe('status');
    expect(el.textContent).toContain('Thank you! Your order SO-o1 was received.');
    expect(el.textContent).toContain('there is no need to pay again');
    expect(el.textContent).not.toMatch(/declined|failed/i);
    await tick();
    await answer(order('pending_payment'));
    await tick();
    await answer(order('authorized', square('APPROVED')));
    expect(status().textContent!.trim()).toBe('authorized');
    expect(el.querySelector('[data-testid=payment-processing]')).toBeNull();
    await tick();
    await answer(order('paid', square('COMPLETED')));
    expect(status().textContent!.trim()).toBe('paid');
    expect(el.querySelector('[data-testid=order-payment]')!.textContent).toContain('captured');
    await tick();
    ctl.verify();
    fixture.destroy();
  });

  it('shows a settled failure without a charge and puts the items back in the cart', async () => {
    const { fixture, el, router, answer } = await open(50, '1');
    await answer(order('pending_payment'));
    await tick();
    await answer(order('payment_failed', square('FAILED')));
    const alert = el.querySelector('[data-testid=payment-failed]')!;
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('nothing was charged');
    expect(el.textContent).not.toContain('Thank you!');
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes('Put these items back'))!.click();
    expect(TestBed.inject(CartStore).items()).toEqual([{ product_id: 'p1', quantity: 2 }]);
    expect(router.navigate).toHaveBeenCalledWith(['/cart']);
    fixture.destroy();
  });

  it('keeps following a pending order through a 503', async () => {
    const { fixture, el, ctl, answer, status } = await open();
    await answer(order('pending_payment'));
    await tick();
    ctl.expectOne('/api/v1/orders/o1').flush(
      { title: 'Service unavailable', status: 503, detail: 'The store is unavailable.', code: 'store_unavailable' },
      { status: 503, statusText: 'Service Unavailable' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('The store is unavailable.');
    expect(status().textContent!.trim()).toBe('Payment processing…');
    await tick();
    await answer(order('paid', square('COMPLETED')));
    expect(el.querySelector('[role=alert]')).toBeNull();
    expect(status().textContent!.trim()).toBe('paid');
    fixture.destroy();
  });

  it('stops after its allowance and lets the customer check again', async () => {
    const { fixture, el, ctl, answer } = await open(1);
    await answer(order('pending_payment'));
    await tick();
    await answer(order('pending_payment'));
    await tick();
    ctl.verify();
    const again = [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes('Check again'))!;
    expect(again.closest('[role=status]')).not.toBeNull();
    again.click();
    await answer(order('paid', square('COMPLETED')));
    expect(el.textContent).not.toContain('Check again');
    fixture.destroy();
  });

  it('shows an order with nothing to pay', async () => {
    const { fixture, el, answer, status } = await open();
    await answer(order('paid', { provider: 'none', payment_id: null, status: 'NOT_REQUIRED' }));
    expect(status().textContent!.trim()).toBe('paid');
    expect(el.querySelector('[data-testid=order-payment]')!.textContent).toContain('none needed');
    fixture.destroy();
  });
});

describe('OrdersPage', () => {
  it('shows pending orders as processing and refreshes them until they settle', async () => {
    const { ctl } = configure();
    const fixture = TestBed.createComponent(OrdersPage);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    ctl.expectOne('/api/v1/orders').flush({ items: [order('pending_payment', undefined, 'o1'), order('paid', square('COMPLETED'), 'o2')], next_cursor: null });
    await fixture.whenStable();
    const badges = () => [...el.querySelectorAll('tbody .badge')].map((b) => b.textContent!.trim());
    expect(badges()).toEqual(['Payment processing…', 'paid']);
    expect(el.querySelector('tbody .badge')!.getAttribute('role')).toBe('status');
    await tick();
    ctl.expectOne('/api/v1/orders/o1').flush({ order: order('pending_payment', undefined, 'o1') });
    await tick();
    ctl.expectOne('/api/v1/orders/o1').flush({ order: order('authorized', square('APPROVED'), 'o1') });
    await fixture.whenStable();
    expect(badges()).toEqual(['authorized', 'paid']);
    await tick();
    ctl.verify();
    fixture.destroy();
  });
});
