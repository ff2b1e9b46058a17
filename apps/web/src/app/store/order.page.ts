import { Component, OnDestroy, OnInit, inject, input, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Order } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { CartStore } from './cart.store';
import { ORDER_POLL_TIMING, pollDelay, retryDelay, transient } from './order-poll';
import { OrderView } from './order-view';

@Component({
  selector: 'app-order',
  imports: [RouterLink, ErrorBox, OrderView],
  template: `
    <p><a routerLink="/orders">← Your orders</a></p>
    @if (order(); as o) {
      <h1>Order {{ o.number }}</h1>
      @if (placed() && o.status !== 'payment_failed' && o.status !== 'canceled') {
        <p class="notice" role="status">Thank you! Your order {{ o.number }} was {{ o.status === 'pending_payment' ? 'received' : 'placed' }}.</p>
      }
      <app-error [error]="error()" />
      @if (o.status === 'pending_payment') {
        <!-- The card may or may not be charged yet: never suggest paying again here. -->
        <p class="muted" data-testid="payment-processing">We are waiting for the outcome of your card payment.
          This page updates by itself; there is no need to pay again.</p>
        @if (gaveUp()) {
          <p role="status">Still waiting for the payment's outcome; this page stopped checking.
            <button type="button" class="secondary" (click)="checkAgain()">Check again</button></p>
        }
      }
      @if (o.status === 'payment_failed') {
        <div class="error" role="alert" data-testid="payment-failed">
          <strong>The payment did not go through, and nothing was charged.</strong>
          <p>You can check out again with a new quote.
            <button type="button" class="secondary" (click)="buyAgain(o)">Put these items back in your cart</button></p>
        </div>
      }
      <app-order-view [order]="o" />
      @if (o.status === 'pending_payment') { <button type="button" class="danger" (click)="cancel(o)">Cancel order</button> }
    } @else {
      <app-error [error]="error()" />
      @if (!error()) { <p role="status">Loading…</p> }
    }
  `,
})
export class OrderPage implements OnInit, OnDestroy {
  private api = inject(ShopApi);
  private router = inject(Router);
  private cart = inject(CartStore);
  private timing = inject(ORDER_POLL_TIMING);
  readonly id = input.required<string>();
  readonly placed = input<string>();
  readonly order = signal<Order | null>(null);
  readonly error = signal<UiError | null>(null);
  /** Followed a `pending_payment` order for the whole allowance without an outcome. */
  readonly gaveUp = signal(false);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private polls = 0;
  private followed: Order['status'] | null = null;
  private destroyed = false;

  ngOnInit(): void { this.load(); }
  ngOnDestroy(): void { this.destroyed = true; this.stop(); }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private later(ms: number): void {
    this.stop();
    if (!this.destroyed) this.timer = setTimeout(() => this.load(), ms);
  }

  private load(): void {
    this.timer = null;
    this.api.order(this.id()).subscribe({
      next: ({ order }) => {
        this.error.set(null);
        this.order.set(order);
        this.follow(order);
      },
      error: (e: unknown) => {
        const err = toUiError(e);
        this.error.set(err);
        // A pending order is followed through a dropped connection or a brief 503.
        const o = this.order();
        if (o && o.status === 'pending_payment' && transient(err) && this.polls++ < this.timing.maxPolls) {
          this.later(retryDelay(this.timing, this.polls, err));
        }
      },
    });
  }

  /** pending_payment: until it settles (authorized/paid, or payment_failed); authorized: a while, until captured. */
  private follow(o: Order): void {
    this.stop();
    if (o.status !== this.followed) { this.followed = o.status; this.polls = 0; }
    if (o.status === 'pending_payment') {
      if (this.polls < this.timing.maxPolls) this.later(pollDelay(this.timing, this.polls++));
      else this.gaveUp.set(true);
    } else if (o.status === 'authorized' && this.polls < this.timing.authorizedPolls) {
      this.later(pollDelay(this.timing, this.polls++));
    }
  }

  checkAgain(): void {
    this.gaveUp.set(false);
    this.polls = 0;
    this.load();
  }

  buyAgain(o: Order): void {
    this.cart.restore(o.lines);
    void this.router.navigate(['/cart']);
  }

  cancel(o: Order): void {
    this.api.cancelOrder(o.id).subscribe({
      next: ({ order }) => { this.order.set(order); this.follow(order); },
      error: (e: unknown) => this.error.set(toUiError(e)),
    });
  }
}
