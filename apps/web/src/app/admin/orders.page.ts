import { Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { AdminOrder, OPEN_ORDER_STATUSES, Order, OrderStatus } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { money, statusLabel } from '../core/format';
import { UiError, toUiError } from '../core/problem';

@Component({
  selector: 'app-admin-orders',
  imports: [FormsModule, RouterLink, ErrorBox, DatePipe],
  template: `
    <h1>Orders</h1>
    <div class="row">
      <label>Status
        <select name="status" [(ngModel)]="status" (ngModelChange)="load(null)">
          <option value="">All</option>
          @for (s of statuses; track s) { <option [value]="s">{{ label(s) }}</option> }
        </select>
      </label>
    </div>
    <app-error [error]="error()" />
    @if (notice()) { <p class="notice" role="status">{{ notice() }}</p> }
    @if (loading()) { <p role="status">Loading…</p> }
    @else if (!orders().length && !error()) { <p class="muted">No orders.</p> }
    @else {
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Workflow</th><th scope="col" class="num">Total</th></tr></thead>
        <tbody>
          @for (o of orders(); track o.id) {
            <tr><td><a [routerLink]="['/admin/orders', o.id]">{{ o.number }}</a></td><td>{{ o.created_at | date: 'short' }}</td>
              <td class="muted">{{ o.user_id }}</td>
              <td><span class="badge {{ o.status }}">{{ label(o.status) }}</span></td>
              <td>
                @if (o.alert; as a) { <div data-testid="order-alert"><span class="badge attention">Needs attention</span> {{ a.reason }}</div> }
                @if (o.finalization; as f) {
                  @if (f.state === 'dead') { <span class="badge payment_failed" [title]="f.last_error ?? ''">stopped after {{ f.attempts }} attempts</span> }
                  @else { <span class="muted">{{ f.state }}</span> }
                }
                @if (o.alert || o.finalization?.state === 'dead') {
                  <div><button type="button" class="secondary" [disabled]="retrying() === o.id || !isOpen(o)" (click)="retry(o)"
                    [attr.aria-label]="'Retry finalization of ' + o.number">Retry finalization</button></div>
                }
              </td><td class="num">{{ money(o.total) }}</td></tr>
          }
        </tbody>
      </table></div>
      @if (next()) { <button type="button" class="secondary" (click)="load(next())">More</button> }
    }
  `,
})
export class AdminOrdersPage implements OnInit {
  private api = inject(ShopApi);
  readonly money = money;
  readonly label = statusLabel;
  readonly statuses: OrderStatus[] = ['pending_payment', 'authorized', 'paid', 'fulfilled', 'payment_failed', 'canceled', 'refunded'];
  status: OrderStatus | '' = '';
  readonly orders = signal<AdminOrder[]>([]);
  readonly loading = signal(true);
  readonly next = signal<string | null>(null);
  readonly error = signal<UiError | null>(null);
  readonly notice = signal<string | null>(null);
  /** The order whose finalization is being requeued. */
  readonly retrying = signal<string | null>(null);

  ngOnInit(): void { this.load(null); }

  load(cursor: string | null): void {
    this.error.set(null);
    this.api.adminOrders({ status: this.status, cursor }).subscribe({
      next: (p) => { this.orders.update((o) => (cursor ? [...o, ...p.items] : p.items)); this.next.set(p.next_cursor); this.loading.set(false); },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  isOpen(o: Order): boolean { return OPEN_ORDER_STATUSES.includes(o.status); }

  retry(o: AdminOrder): void {
    this.retrying.set(o.id);
    this.error.set(null);
    this.notice.set(null);
    this.api.retryFinalization(o.id).subscribe({
      next: ({ order }) => {
        this.retrying.set(null);
        this.orders.update((os) => os.map((x) => (x.id === order.id ? order : x)));
        this.notice.set(`Finalization of ${order.number} requeued; it runs now.`);
      },
      error: (e: unknown) => { this.retrying.set(null); this.error.set(toUiError(e)); },
    });
  }
}
