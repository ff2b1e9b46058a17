import { Component, ElementRef, computed, effect, inject, input, output, signal, untracked, viewChild } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Product, StockMovement, StockMovementKind } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, fieldError, toUiError } from '../core/problem';
import { Errors, REASON_MAX, collect, validateReason, validateStockDelta } from '../core/validation';

const KIND: Record<StockMovementKind, string> = {
  initial: 'Initial stock',
  adjustment: 'Adjustment',
  order_reserved: 'Reserved by an order',
  order_released: 'Released by an order',
};

/**
 * One product's stock: adjust it (a signed change with a reason) and read its movements,
 * newest first. Stock is not editable any other way (PATCH refuses `stock`).
 */
@Component({
  selector: 'app-stock-panel',
  imports: [FormsModule, RouterLink, ErrorBox, DatePipe],
  template: `
    @let p = product();
    <h2 id="stock-h" tabindex="-1" #heading>Stock of {{ p.name }} <span class="muted">({{ p.sku }})</span></h2>
    <p>In stock now: <strong data-testid="stock-now">{{ p.stock }}</strong></p>
    <form class="stack" (ngSubmit)="adjust()" novalidate aria-labelledby="adjust-h">
      <h3 id="adjust-h">Adjust stock</h3>
      <label>Change (units; negative takes stock out)
        <input name="delta" type="number" step="1" inputmode="numeric" [(ngModel)]="delta" required
          [attr.aria-invalid]="!!deltaError()" aria-describedby="delta-err">
        <span id="delta-err" class="field-error">{{ deltaError() }}</span>
      </label>
      <label>Reason
        <input name="reason" [(ngModel)]="reason" required [attr.maxlength]="reasonMax"
          [attr.aria-invalid]="!!reasonError()" aria-describedby="reason-err">
        <span id="reason-err" class="field-error">{{ reasonError() }}</span>
      </label>
      <div class="row"><button type="submit" [disabled]="busy()">Adjust stock</button></div>
    </form>
    <app-error [error]="error()" />
    @if (notice()) { <p class="notice" role="status">{{ notice() }}</p> }

    <h3 id="history-h">Stock history</h3>
    @if (loading()) { <p role="status">Loading stock history…</p> }
    @else if (!movements().length && !historyError()) { <p class="muted">No stock movements yet.</p> }
    @else if (movements().length) {
      <div class="table-wrap"><table aria-labelledby="history-h" data-testid="stock-history">
        <thead><tr><th scope="col">When</th><th scope="col" class="num">Change</th><th scope="col" class="num">Stock after</th>
          <th scope="col">Kind</th><th scope="col">Reason</th><th scope="col">Order</th><th scope="col">By</th></tr></thead>
        <tbody>
          @for (m of movements(); track m.id) {
            <tr><td>{{ m.at | date: 'short' }}</td><td class="num">{{ signed(m.delta) }}</td><td class="num">{{ m.stock_after }}</td>
              <td>{{ kind(m.kind) }}</td><td>{{ m.reason ?? '' }}</td>
              <td>@if (m.order_id) { <a [routerLink]="['/admin/orders', m.order_id]">View order</a> }</td>
              <td class="muted">{{ m.by }}</td></tr>
          }
        </tbody>
      </table></div>
    }
    <app-error [error]="historyError()" />
    @if (next()) { <button type="button" class="secondary" [disabled]="loading()" (click)="more()">Older movements</button> }
  `,
})
export class AdminStockPanel {
  private api = inject(ShopApi);
  readonly product = input.required<Product>();
  /** The product after an adjustment (its new stock). */
  readonly adjusted = output<Product>();
  readonly reasonMax = REASON_MAX;
  readonly movements = signal<StockMovement[]>([]);
  readonly next = signal<string | null>(null);
  readonly loading = signal(true);
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly historyError = signal<UiError | null>(null);
  readonly notice = signal<string | null>(null);
  readonly errors = signal<Errors>({});
  readonly deltaError = computed(() => this.errors()['delta'] ?? fieldError(this.error(), 'delta'));
  readonly reasonError = computed(() => this.errors()['reason'] ?? fieldError(this.error(), 'reason'));
  private heading = viewChild<ElementRef<HTMLElement>>('heading');
  private readonly productId = computed(() => this.product().id);
  delta: number | null = null;
  reason = '';

  constructor() {
    // Another product: start over.
    effect(() => {
      const id = this.productId();
      untracked(() => {
        this.delta = null;
        this.reason = '';
        this.errors.set({});
        this.error.set(null);
        this.notice.set(null);
        this.movements.set([]);
        this.next.set(null);
        this.load(id, null);
      });
    });
  }

  /** Moves focus to the panel (after the admin opened it from the product list). */
  focus(): void { this.heading()?.nativeElement.focus(); }

  kind(k: StockMovementKind): string { return KIND[k] ?? k; }
  signed(n: number): string { return n > 0 ? `+${n}` : String(n); }

  private load(id: string, cursor: string | null): void {
    this.loading.set(true);
    this.historyError.set(null);
    this.api.stockMovements(id, { cursor }).subscribe({
      next: (page) => {
        if (id !== this.productId()) return;
        this.movements.update((ms) => (cursor ? [...ms, ...page.items] : page.items));
        this.next.set(page.next_cursor);
        this.loading.set(false);
      },
      error: (e: unknown) => { this.historyError.set(toUiError(e)); this.loading.set(false); },
    });
  }

  more(): void { this.load(this.productId(), this.next()); }

  adjust(): void {
    const errors = collect({ delta: validateStockDelta(this.delta), reason: validateReason(this.reason) });
    this.errors.set(errors);
    this.error.set(null);
    this.notice.set(null);
    if (Object.keys(errors).length) return;
    const body = { delta: Number(this.delta), reason: this.reason.trim() };
    const p = this.product();
    this.busy.set(true);
    this.api.adjustStock(p.id, body).subscribe({
      next: ({ movement, product }) => {
        this.busy.set(false);
        this.movements.update((ms) => [movement, ...ms.filter((m) => m.id !== movement.id)]);
        this.notice.set(`Stock of ${product.name} changed by ${this.signed(movement.delta)} to ${movement.stock_after}.`);
        this.delta = null;
        this.reason = '';
        this.adjusted.emit(product);
      },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
