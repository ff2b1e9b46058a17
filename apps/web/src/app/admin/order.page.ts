import { Component, OnInit, inject, input, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { AdminOrder, OPEN_ORDER_STATUSES, Order } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { OrderView } from '../store/order-view';

@Component({
  selector: 'app-admin-order',
  imports: [RouterLink, ErrorBox, OrderView, DatePipe],
  template: `
    <p><a routerLink="/admin/orders">← Orders</a></p>
    <app-error [error]="error()" />
    @if (notice()) { <p class="notice" role="status">{{ notice() }}</p> }
    @if (order(); as o) {
      <h1>Order {{ o.number }}</h1>
      <p class="muted">Customer {{ o.user_id }}</p>
      @if (o.alert; as a) {
        <p class="error" data-testid="order-alert"><span class="badge attention">Needs attention</span> {{ a.reason }}
          <span class="muted">(since {{ a.at | date: 'medium' }}; the admins were mailed)</span></p>
      }
      <div class="row">
        <button type="button" [disabled]="busy() || o.status !== 'paid'" (click)="act(o, 'fulfill')">Mark fulfilled</button>
        <button type="button" class="danger" [disabled]="busy() || (o.status !== 'paid' && o.status !== 'fulfilled')" (click)="act(o, 'refund')">Refund</button>
      </div>
      <section aria-labelledby="fin-h">
        <h2 id="fin-h">Finalization</h2>
        @if (o.finalization; as f) {
          <dl class="facts" data-testid="finalization">
            <dt>State</dt><dd><span class="badge {{ f.state === 'dead' ? 'attention' : '' }}">{{ f.state === 'dead' ? 'stopped (dead)' : f.state }}</span></dd>
            <dt>Attempts</dt><dd>{{ f.attempts }}</dd>
            <dt>Last error</dt><dd>{{ f.last_error ?? '—' }}</dd>
            <dt>Next attempt</dt><dd>{{ f.next_attempt_at ? (f.next_attempt_at | date: 'medium') : '—' }}</dd>
          </dl>
        } @else { <p class="muted">This order has no finalization job.</p> }
        <div class="row">
          <button type="button" [disabled]="busy() || !isOpen(o)" (click)="retry(o)" aria-describedby="retry-help">Retry finalization</button>
          <span id="retry-help" class="muted">{{ isOpen(o) ? 'Requeues the capture workflow, due now, and clears the alert.' : 'Only orders pending payment or authorized can be requeued.' }}</span>
        </div>
      </section>
      <app-order-view [order]="o" />
    } @else if (!error()) { <p role="status">Loading…</p> }
  `,
})
export class AdminOrderPage implements OnInit {
  private api = inject(ShopApi);
  readonly id = input.required<string>();
  readonly order = signal<AdminOrder | null>(null);
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly notice = signal<string | null>(null);

  ngOnInit(): void { this.load(); }

  private load(): void {
    this.api.adminOrder(this.id()).subscribe({ next: ({ order }) => this.order.set(order), error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  isOpen(o: Order): boolean { return OPEN_ORDER_STATUSES.includes(o.status); }

  act(o: AdminOrder, action: 'fulfill' | 'refund'): void {
    if (action === 'refund' && !confirm(`Refund order ${o.number}?`)) return;
    this.busy.set(true);
    this.error.set(null);
    this.notice.set(null);
    this.api.orderAction(o.id, action).subscribe({
      // The action answers the plain order: show it at once, then reload the admin view (workflow, alert, notes).
      next: ({ order }) => { this.busy.set(false); this.order.set({ ...o, ...order }); this.load(); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }

  retry(o: AdminOrder): void {
    this.busy.set(true);
    this.error.set(null);
    this.notice.set(null);
    this.api.retryFinalization(o.id).subscribe({
      next: ({ order }) => { this.busy.set(false); this.order.set(order); this.notice.set(`Finalization of ${order.number} requeued; it runs now.`); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
