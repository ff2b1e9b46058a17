import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { Product, Quote } from '../core/api.types';
import { AuthService } from '../core/auth.service';
import { CartStore } from './cart.store';
import { CheckoutPage } from './checkout.page';

const usd = (amount: string) => ({ amount, currency: 'USD' });
const product: Product = { id: 'p1', sku: 'HAM-1', name: 'Hammer', description: '', category_id: null, price: usd('24.50'), in_stock: true, stock: 3 };
const quote: Quote = {
  quote_id: 'q1', expires_at: '2030-01-01T00:00:00Z', currency: 'USD', promo_code: null, tax_exempt: true,
  lines: [{ product_id: 'p1', sku: 'HAM-1', name: 'Hammer', unit_price: usd('24.50'), quantity: 2, subtotal: usd('49.00'), discount: usd('0.00'), tax: usd('0.00'), total: usd('49.00') }],
  subtotal: usd('49.00'), discount_total: usd('0.00'), tax_total: usd('0.00'), total: usd('49.00'),
};
const address = { line1: '1 Market St', line2: null, city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'US' };

describe('CheckoutPage', () => {
  async function setup() {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(CartStore).add(product, 2);
    const router = TestBed.inject(Router);
    vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const fixture = TestBed.createComponent(CheckoutPage);
    const ctl = TestBed.inject(HttpTestingController);
    await fixture.whenStable();
    ctl.expectOne('/api/v1/me/business').flush({ status: 'approved', address });
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement, ctl, router };
  }

  it('quotes the cart to the business address and shows the exemption', async () => {
    const { fixture, el, ctl } = await setup();
    expect(el.querySelector<HTMLInputElement>('input[name=line1]')!.value).toBe('1 Market St');
    el.querySelector<HTMLButtonElement>('form button[type=submit]')!.click();
    const req = ctl.expectOne('/api/v1/checkout/quote');
    expect(req.request.body).toEqual({ items: [{ product_id: 'p1', quantity: 2 }], ship_to: address });
    req.flush(quote);
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=tax-total]')!.textContent!.trim()).toBe('$0.00');
    expect(el.querySelector('[data-testid=tax-exempt]')).not.toBeNull();
    expect(el.textContent).toContain('cnon:card-nonce-ok');
  });

  it('places the order with an idempotency key, keeping it for a retry, and clears the cart', async () => {
    const { fixture, el, ctl, router } = await setup();
    el.querySelector<HTMLButtonElement>('form button[type=submit]')!.click();
    ctl.expectOne('/api/v1/checkout/quote').flush(quote);
    await fixture.whenStable();
    const pay = () => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes('Place order'))!;
    pay().click();
    const first = ctl.expectOne('/api/v1/orders');
    expect(first.request.body).toEqual({ quote_id: 'q1', payment_source_id: 'cnon:card-nonce-ok' });
    const key = first.request.headers.get('Idempotency-Key');
    expect(key).toBeTruthy();
    first.flush(null, { status: 0, statusText: 'network' });
    await fixture.whenStable();
    pay().click();
    const retry = ctl.expectOne('/api/v1/orders');
    expect(retry.request.headers.get('Idempotency-Key')).toBe(key);
    retry.flush({ order: { id: 'o1' } }, { status: 201, statusText: 'Created' });
    await fixture.whenStable();
    expect(router.navigate).toHaveBeenCalledWith(['/orders', 'o1'], { queryParams: { placed: 1 } });
    expect(TestBed.inject(CartStore).count()).toBe(0);
  });

  it('shows a declined card readably', async () => {
    const { fixture, el, ctl } = await setup();
    el.querySelector<HTMLButtonElement>('form button[type=submit]')!.click();
    ctl.expectOne('/api/v1/checkout/quote').flush(quote);
    await fixture.whenStable();
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes('Place order'))!.click();
    ctl.expectOne('/api/v1/orders').flush(
      { title: 'Payment declined', status: 402, detail: 'The card was declined.', code: 'payment_declined' },
      { status: 402, statusText: 'Payment Required' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('The card was declined.');
  });

  async function quoted() {
    const ctx = await setup();
    ctx.el.querySelector<HTMLButtonElement>('form button[type=submit]')!.click();
    ctx.ctl.expectOne('/api/v1/checkout/quote').flush(quote);
    await ctx.fixture.whenStable();
    const button = (text: string) => [...ctx.el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes(text));
    return { ...ctx, button };
  }

  it('follows an accepted order (202) to its page and empties the cart', async () => {
    const { fixture, ctl, router, button } = await quoted();
    button('Place order')!.click();
    ctl.expectOne('/api/v1/orders').flush(
      { order: { id: 'o2', status: 'pending_payment' } },
      { status: 202, statusText: 'Accepted', headers: { Location: '/api/v1/orders/o2' } },
    );
    await fixture.whenStable();
    expect(router.navigate).toHaveBeenCalledWith(['/orders', 'o2'], { queryParams: { placed: 1 } });
    expect(TestBed.inject(CartStore).count()).toBe(0);
  });

  it('treats a replay (200) like a created order', async () => {
    const { fixture, ctl, router, button } = await quoted();
    button('Place order')!.click();
    ctl.expectOne('/api/v1/orders').flush({ order: { id: 'o1', status: 'authorized' } }, { status: 200, statusText: 'OK' });
    await fixture.whenStable();
    expect(router.navigate).toHaveBeenCalledWith(['/orders', 'o1'], { queryParams: { placed: 1 } });
    expect(TestBed.inject(CartStore).count()).toBe(0);
  });

  it('keeps the cart on a decline and on a 503, retrying the 503 with the same key', async () => {
    const { fixture, el, ctl, router, button } = await quoted();
    button('Place order')!.click();
    const first = ctl.expectOne('/api/v1/orders');
    const key = first.request.headers.get('Idempotency-Key');
    first.flush(
      { title: 'Service unavailable', status: 503, detail: 'The store is busy.', code: 'store_unavailable' },
      { status: 503, statusText: 'Service Unavailable', headers: { 'Retry-After': '2' } },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('Try again in 2 seconds.');
    expect(TestBed.inject(CartStore).count()).toBe(2);
    button('Place order')!.click();
    const retry = ctl.expectOne('/api/v1/orders');
    expect(retry.request.headers.get('Idempotency-Key')).toBe(key);
    retry.flush({ title: 'Payment declined', status: 402, detail: 'The card was declined.', code: 'payment_declined' }, { status: 402, statusText: 'Payment Required' });
    await fixture.whenStable();
    expect(TestBed.inject(CartStore).count()).toBe(2);
    expect(router.navigate).not.toHaveBeenCalled();
    button('Place order')!.click();
    const again = ctl.expectOne('/api/v1/orders');
    expect(again.request.headers.get('Idempotency-Key')).not.toBe(key);
    again.flush({ order: { id: 'o3' } }, { status: 201, statusText: 'Created' });
  });

  it('links a used quote to its live order and offers a new quote from the cart', async () => {
    const { fixture, el, ctl, router, button } = await quoted();
    button('Place order')!.click();
    ctl.expectOne('/api/v1/orders').flush(
      { title: 'Quote already used', status: 409, detail: 'This quote already became an order.', code: 'quote_used', order_id: 'o9' },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();
    const alert = el.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain('This quote already became an order.');
    expect(alert.querySelector('a')!.getAttribute('href')).toBe('/orders/o9');
    expect(button('Place order')).toBeUndefined();
    expect(router.navigate).not.toHaveBeenCalled();
    expect(TestBed.inject(CartStore).count()).toBe(2);
    button('Get a new quote for your cart')!.click();
    const requote = ctl.expectOne('/api/v1/checkout/quote');
    expect(requote.request.body.items).toEqual([{ product_id: 'p1', quantity: 2 }]);
    requote.flush({ ...quote, quote_id: 'q2' });
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')).toBeNull();
    button('Place order')!.click();
    const order = ctl.expectOne('/api/v1/orders');
    expect(order.request.body.quote_id).toBe('q2');
    order.flush({ order: { id: 'o4' } }, { status: 201, statusText: 'Created' });
  });

  it('asks an unverified customer to verify (403 email_unverified), offers a new link and keeps the quote', async () => {
    const { fixture, el, ctl, router, button } = await quoted();
    TestBed.inject(AuthService).user.set({ id: 'u', email: 'casey@example.com', name: 'C', role: 'customer', status: 'active', created_at: '', email_verified_at: null });
    button('Place order')!.click();
    ctl.expectOne('/api/v1/orders').flush(
      { title: 'E-mail address not verified', status: 403, detail: "the account's e-mail address is not verified yet", code: 'email_unverified' },
      { status: 403, statusText: 'Forbidden' },
    );
    await fixture.whenStable();
    const alert = el.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain('Please verify your e-mail address before placing an order: open the link we mailed to casey@example.com');
    expect(alert.textContent).toContain('Nothing was ordered or charged.');
    expect(router.navigate).not.toHaveBeenCalled();
    expect(TestBed.inject(CartStore).count()).toBe(2);
    button('Send a new verification link')!.click();
    const resend = ctl.expectOne('/api/v1/auth/resend-verification');
    expect(resend.request.body).toEqual({ email: 'casey@example.com' });
    resend.flush({ message: 'ok' }, { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(el.textContent).toContain('a new link is on its way');
    // Verified in the meantime: the same quote is placed.
    button('Place order')!.click();
    const order = ctl.expectOne('/api/v1/orders');
    expect(order.request.body.quote_id).toBe('q1');
    order.flush({ order: { id: 'o5' } }, { status: 201, statusText: 'Created' });
    await fixture.whenStable();
    expect(router.navigate).toHaveBeenCalledWith(['/orders', 'o5'], { queryParams: { placed: 1 } });
  });
});
