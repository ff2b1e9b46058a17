import { Component, OnInit, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Order } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { OrderView } from '../store/order-view';

@Component({
  selector: 'app-admin-order',
  imports: [RouterLink, ErrorBox, OrderView],
  template: `
    <p><a routerLink="/admin/orders">← Orders</a></p>
    <app-error [error]="error()" />
    @if (order(); as o) {
      <h1>Order {{ o.number }}</h1>
      <p class="muted">Customer {{ o.user_id }}</p>
      <div class="row">
        <button type="button" [disabled]="busy() || o.status !== 'paid'" (click)="act(o, 'fulfill')">Mark fulfilled</button>
        <button type="button" class="danger" [disabled]="busy() || (o.status !== 'paid' && o.status !== 'fulfilled')" (click)="act(o, 'refund')">Refund</button>
      </div>
      <app-order-view [order]="o" />
    } @else if (!error()) { <p role="status">Loading…</p> }
  `,
})
export class AdminOrderPage implements OnInit {
  private api = inject(ShopApi);
  readonly id = input.required<string>();
  readonly order = signal<Order | null>(null);
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void {
    this.api.adminOrder(this.id()).subscribe({ next: ({ order }) => this.order.set(order), error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  act(o: Order, action: 'fulfill' | 'refund'): void {
    if (action === 'refund' && !confirm(`Refund order ${o.number}?`)) return;
    this.busy.set(true);
    this.error.set(null);
    this.api.orderAction(o.id, action).subscribe({
      next: ({ order }) => { this.busy.set(false); this.order.set(order); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
