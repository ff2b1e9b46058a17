import { ChangeDetectorRef, Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Address, Quote } from '../core/api.types';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { money } from '../core/format';
import { UiError, toUiError } from '../core/problem';
import { Errors, collect, required, validateCountry } from '../core/validation';
import { CartStore } from './cart.store';
import { SANDBOX_NONCES, newIdempotencyKey, squareApplicationId } from './payment';
import { ResendVerification } from './resend-verification';
import { unverifiedOrderMessage } from './verification';

@Component({
  selector: 'app-checkout',
  imports: [FormsModule, RouterLink, ErrorBox, DatePipe, ResendVerification],
  template: `
    <h1>Checkout</h1>
    <app-error [error]="error()">
      @if (error(); as e) {
        @if (e.code === 'quote_used' && e.orderId) {
          <p>This quote has already become an order that is still open: <a [routerLink]="['/orders', e.orderId]">view that order</a>.</p>
        }
        @if (e.code === 'email_unverified') {
          <app-resend-verification [email]="auth.user()?.email" />
        }
        @if (offerRequote() && cart.lines().length) {
          <p><button type="button" class="secondary" (click)="requote()" [disabled]="busy()">Get a new quote for your cart</button></p>
        }
      }
    </app-error>
    @if (!cart.lines().length && !quote()) {
      <p class="muted">Your cart is empty. <a routerLink="/">Browse the catalog</a></p>
    } @else {
      <form class="stack" (ngSubmit)="getQuote()" novalidate>
        <fieldset>
          <legend>Ship to</legend>
          <label>Line 1 <input name="line1" autocomplete="address-line1" [(ngModel)]="ship.line1" required>
            @if (errors()['line1']) { <span class="field-error">{{ errors()['line1'] }}</span> }</label>
          <label>City <input name="city" autocomplete="address-level2" [(ngModel)]="ship.city" required>
            @if (errors()['city']) { <span class="field-error">{{ errors()['city'] }}</span> }</label>
          <label>Region / state <input name="region" autocomplete="address-level1" [(ngModel)]="ship.region"></label>
          <label>Postal code <input name="postal_code" autocomplete="postal-code" [(ngModel)]="ship.postal_code"></label>
          <label>Country (2 letters) <input name="country" autocomplete="country" maxlength="2" [(ngModel)]="ship.country" required>
            @if (errors()['country']) { <span class="field-error">{{ errors()['country'] }}</span> }</label>
        </fieldset>
        <label>Promotion code (optional) <input name="promo" [(ngModel)]="promo"></label>
        <div class="row"><button type="submit" [disabled]="busy()">{{ quote() ? 'Update quote' : 'Get quote' }}</button></div>
      </form>
      @if (busy()) { <p role="status">Working…</p> }
      @if (quote(); as q) {
        <section aria-labelledby="quote-h">
          <h2 id="quote-h">Your quote</h2>
          <div class="table-wrap"><table>
            <thead><tr><th scope="col">Item</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Unit</th><th scope="col" class="num">Discount</th><th scope="col" class="num">Tax</th><th scope="col" class="num">Total</th></tr></thead>
            <tbody>
              @for (l of q.lines; track l.product_id) {
                <tr><td>{{ l.name }}</td><td class="num">{{ l.quantity }}</td><td class="num">{{ money(l.unit_price) }}</td>
                  <td class="num">{{ money(l.discount) }}</td><td class="num">{{ money(l.tax) }}</td><td class="num">{{ money(l.total) }}</td></tr>
              }
            </tbody>
          </table></div>
          <dl class="totals">
            <dt>Subtotal</dt><dd>{{ money(q.subtotal) }}</dd>
            <dt>Discounts @if (q.promo_code) { ({{ q.promo_code }}) }</dt><dd>−{{ money(q.discount_total) }}</dd>
            <dt>Tax</dt><dd data-testid="tax-total">{{ money(q.tax_total) }}</dd>
            @if (q.shipping_total) { <dt>Shipping</dt><dd>{{ money(q.shipping_total) }}</dd> }
            <dt>Total</dt><dd data-testid="order-total"><strong>{{ money(q.total) }}</strong></dd>
          </dl>
          @if (q.tax_exempt) { <p class="notice" data-testid="tax-exempt">Tax exempt: your approved exemption certificate applies to this order.</p> }
          <p class="muted">Quote valid until {{ q.expires_at | date: 'medium' }}.</p>

          <h2>Payment</h2>
          @if (squareAppId) {
            <!-- Seam: mount the Square Web Payments SDK card form here and tokenize to a nonce. -->
            <p class="error">Card payments through Square (application {{ squareAppId }}) need the Square Web Payments SDK, which is not loaded in this build.</p>
          } @else {
            <form class="stack" (ngSubmit)="pay(q)">
              <fieldset>
                <legend>Test card (Square sandbox simulator)</legend>
                @for (n of nonces; track n.nonce) {
                  <label class="inline"><input type="radio" name="nonce" [value]="n.nonce" [(ngModel)]="nonce"> {{ n.label }}</label>
                }
              </fieldset>
              <div class="row"><button type="submit" [disabled]="paying()">{{ paying() ? 'Placing order…' : 'Place order and pay ' + money(q.total) }}</button></div>
            </form>
          }
        </section>
      }
    }
  `,
})
export class CheckoutPage implements OnInit {
  private api = inject(ShopApi);
  private router = inject(Router);
  private cdr = inject(ChangeDetectorRef);
  readonly auth = inject(AuthService);
  readonly cart = inject(CartStore);
  readonly money = money;
  readonly nonces = SANDBOX_NONCES;
  readonly squareAppId = squareApplicationId();
  readonly quote = signal<Quote | null>(null);
  readonly busy = signal(false);
  readonly paying = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly errors = signal<Errors>({});
  /** The last order attempt failed because its quote cannot become an order: offer a new one. */
  readonly offerRequote = signal(false);
  ship: Address = { line1: '', line2: null, city: '', region: '', postal_code: '', country: 'US' };
  promo = '';
  nonce = SANDBOX_NONCES[0].nonce;
  private attempt: { key: string; quote: string; nonce: string } | null = null;

  ngOnInit(): void {
    // Ship to the business address by default.
    this.api.business().subscribe({
      next: (p) => { if (p.address && !this.ship.line1) { this.ship = { ...p.address }; this.cdr.markForCheck(); } },
      error: () => undefined,
    });
  }

  getQuote(): void {
    const s = this.ship;
    const errors = collect({ line1: required(s.line1, 'Address line 1'), city: required(s.city, 'City'), country: validateCountry(s.country) });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    this.offerRequote.set(false);
    const ship_to: Address = { ...s, country: s.country.trim().toUpperCase(), line2: s.line2 || null };
    this.api.quote({ items: this.cart.items(), ship_to, ...(this.promo.trim() ? { promo_code: this.promo.trim() } : {}) }).subscribe({
      next: (q) => { this.busy.set(false); this.quote.set(q); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }

  pay(q: Quote): void {
    // One key per (quote, card): a retry after a lost answer or a 503 replays the same request.
    if (!this.attempt || this.attempt.quote !== q.quote_id || this.attempt.nonce !== this.nonce) {
      this.attempt = { key: newIdempotencyKey(), quote: q.quote_id, nonce: this.nonce };
    }
    this.paying.set(true);
    this.error.set(null);
    this.api.placeOrder(q.quote_id, this.nonce, this.attempt.key).subscribe({
      // 201 created, 200 a replay, 202 accepted with the payment still being settled: the order
      // page follows it. Never offer to pay again here: the card may already be charged.
      next: ({ order }) => {
        this.paying.set(false);
        this.attempt = null;
        this.cart.clear();
        void this.router.navigate(['/orders', order.id], { queryParams: { placed: 1 } });
      },
      error: (e: unknown) => {
        this.paying.set(false);
        const err = toUiError(e);
        if (this.needsNewQuote(err)) {
          // This quote cannot become an order (any more): the cart is kept for a new one.
          if (err.code !== 'quote_used') err.message += ' Get a new quote and try again.';
          this.quote.set(null);
          this.attempt = null;
          this.offerRequote.set(true);
        }
        if (err.code === 'payment_declined') this.attempt = null;
        if (err.code === 'idempotency_key_reused') { this.attempt = null; err.message += ' Try again.'; }
        // Nothing was placed: the quote stays, and the same button works once the address is verified.
        if (err.code === 'email_unverified') err.message = unverifiedOrderMessage(this.auth.user()?.email);
        this.error.set(err);
      },
    });
  }

  private needsNewQuote(err: UiError): boolean {
    return ['quote_used', 'quote_expired', 'price_changed', 'insufficient_stock'].includes(err.code ?? '');
  }

  requote(): void {
    this.quote.set(null);
    this.getQuote();
  }
}
