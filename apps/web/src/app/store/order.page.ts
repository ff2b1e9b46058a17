import { Component, OnDestroy, OnInit, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Order } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { OrderView } from './order-view';

const SETTLING = ['pending_payment', 'authorized'];

@Component({
  selector: 'app-order',
  imports: [RouterLink, ErrorBox, OrderView],
  template: `
    <p><a routerLink="/orders">← Your orders</a></p>
    @if (order(); as o) {
      <h1>Order {{ o.number }}</h1>
      @if (placed()) { <p class="notice" role="status">Thank you! Your order {{ o.number }} was placed.</p> }
      <app-error [error]="error()" />
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
  readonly id = input.required<string>();
  readonly placed = input<string>();
  readonly order = signal<Order | null>(null);
  readonly error = signal<UiError | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private polls = 0;

  ngOnInit(): void { this.load(); }
  ngOnDestroy(): void { if (this.timer) clearTimeout(this.timer); }

  private load(): void {
    this.api.order(this.id()).subscribe({
      next: ({ order }) => {
        this.order.set(order);
        // The payment completes in the background: follow it for a while.
        if (SETTLING.includes(order.status) && this.polls++ < 60) this.timer = setTimeout(() => this.load(), 1000);
      },
      error: (e: unknown) => this.error.set(toUiError(e)),
    });
  }

  cancel(o: Order): void {
    this.api.cancelOrder(o.id).subscribe({ next: ({ order }) => this.order.set(order), error: (e: unknown) => this.error.set(toUiError(e)) });
  }
}
