import { Component, OnDestroy, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { RouterLink } from '@angular/router';
import { catchError, forkJoin, map, of } from 'rxjs';
import { ShopApi } from '../core/api';
import { Order } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { money, orderStatusLabel } from '../core/format';
import { UiError, toUiError } from '../core/problem';
import { ORDER_POLL_TIMING } from './order-poll';

@Component({
  selector: 'app-orders',
  imports: [RouterLink, ErrorBox, DatePipe],
  template: `
    <h1>Your orders</h1>
    <app-error [error]="error()" />
    @if (loading()) { <p role="status">Loading orders…</p> }
    @else if (!orders().length && !error()) { <p class="muted">No orders yet. <a routerLink="/">Browse the catalog</a></p> }
    @else {
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th><th scope="col" class="num">Total</th></tr></thead>
        <tbody>
          @for (o of orders(); track o.id) {
            <tr><td><a [routerLink]="['/orders', o.id]">{{ o.number }}</a></td><td>{{ o.created_at | date: 'medium' }}</td>
              <td><span class="badge {{ o.status }}" role="status">{{ label(o.status) }}</span></td><td class="num">{{ money(o.total) }}</td></tr>
          }
        </tbody>
      </table></div>
      @if (next()) { <button type="button" class="secondary" (click)="load(next())">More</button> }
    }
  `,
})
export class OrdersPage implements OnInit, OnDestroy {
  private api = inject(ShopApi);
  private timing = inject(ORDER_POLL_TIMING);
  readonly money = money;
  readonly label = orderStatusLabel;
  readonly orders = signal<Order[]>([]);
  readonly loading = signal(true);
  readonly next = signal<string | null>(null);
  readonly error = signal<UiError | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private polls = 0;
  private destroyed = false;

  ngOnInit(): void { this.load(null); }
  ngOnDestroy(): void { this.destroyed = true; if (this.timer) clearTimeout(this.timer); }

  load(cursor: string | null): void {
    this.api.orders(cursor).subscribe({
      next: (p) => {
        this.orders.update((o) => (cursor ? [...o, ...p.items] : p.items));
        this.next.set(p.next_cursor);
        this.loading.set(false);
        this.schedule();
      },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  /** While an order listed is `pending_payment`, follow each such order until it settles. */
  private schedule(): void {
    if (this.timer || this.destroyed) return;
    if (!this.orders().some((o) => o.status === 'pending_payment') || this.polls >= this.timing.maxPolls) return;
    this.polls++;
    this.timer = setTimeout(() => this.poll(), this.timing.slowMs);
  }

  private poll(): void {
    const pending = this.orders().filter((o) => o.status === 'pending_payment');
    if (!pending.length) { this.timer = null; return; }
    // A failed poll keeps the row as it was; the next tick asks again.
    forkJoin(pending.map((o) => this.api.order(o.id).pipe(map((r) => r.order), catchError(() => of(o))))).subscribe((fresh) => {
      const byId = new Map(fresh.map((o) => [o.id, o]));
      this.orders.update((os) => os.map((o) => byId.get(o.id) ?? o));
      this.timer = null;
      this.schedule();
    });
  }
}
