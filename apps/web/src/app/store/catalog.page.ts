import { Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Category, Product } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { money } from '../core/format';
import { UiError, toUiError } from '../core/problem';
import { CartStore } from './cart.store';

const PAGE = 12;

@Component({
  selector: 'app-catalog',
  imports: [FormsModule, RouterLink, ErrorBox],
  template: `
    <h1>Catalog</h1>
    <form class="row" role="search" (ngSubmit)="search()">
      <label>Category
        <select name="category" [(ngModel)]="category" (ngModelChange)="search()">
          <option value="">All categories</option>
          @for (c of categories(); track c.id) { <option [value]="c.id">{{ c.name }}</option> }
        </select>
      </label>
      <label>Search <input name="q" type="search" [(ngModel)]="q" placeholder="Name or SKU"></label>
      <button type="submit">Search</button>
    </form>
    <app-error [error]="error()" />
    @if (loading()) { <p role="status">Loading products…</p> }
    @else if (!products().length && !error()) { <p class="muted">No products match.</p> }
    <div class="grid" style="margin-top:1rem">
      @for (p of products(); track p.id) {
        <article class="card">
          <h2><a [routerLink]="['/products', p.id]">{{ p.name }}</a></h2>
          <span class="muted">SKU {{ p.sku }}</span>
          <strong>{{ money(p.price) }}</strong>
          <span>{{ p.in_stock ? p.stock + ' in stock' : 'Out of stock' }}</span>
          <button type="button" [disabled]="!p.in_stock" (click)="add(p)">Add to cart<span class="sr-only"> {{ p.name }}</span></button>
        </article>
      }
    </div>
    @if (added()) { <p class="notice" role="status">{{ added() }}</p> }
    <nav class="row" aria-label="Pages" style="margin-top:1rem">
      <button type="button" class="secondary" [disabled]="!cursors().length" (click)="prev()">Previous</button>
      <button type="button" class="secondary" [disabled]="!next()" (click)="more()">Next</button>
    </nav>
  `,
})
export class CatalogPage implements OnInit {
  private api = inject(ShopApi);
  private cart = inject(CartStore);
  readonly money = money;
  readonly categories = signal<Category[]>([]);
  readonly products = signal<Product[]>([]);
  readonly loading = signal(true);
  readonly error = signal<UiError | null>(null);
  readonly next = signal<string | null>(null);
  /** Cursors of the pages before the current one. */
  readonly cursors = signal<(string | null)[]>([]);
  readonly added = signal<string | null>(null);
  private current: string | null = null;
  category = '';
  q = '';

  ngOnInit(): void {
    this.api.categories().subscribe({ next: (c) => this.categories.set(c.items), error: (e: unknown) => this.error.set(toUiError(e)) });
    this.load(null);
  }

  search(): void { this.cursors.set([]); this.load(null); }
  more(): void { this.cursors.update((c) => [...c, this.current]); this.load(this.next()); }
  prev(): void {
    const c = [...this.cursors()];
    const before = c.pop() ?? null;
    this.cursors.set(c);
    this.load(before);
  }

  private load(cursor: string | null): void {
    this.loading.set(true);
    this.error.set(null);
    this.current = cursor;
    this.api.products({ category: this.category, q: this.q.trim(), limit: PAGE, cursor }).subscribe({
      next: (page) => { this.products.set(page.items); this.next.set(page.next_cursor); this.loading.set(false); },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  add(p: Product): void { this.cart.add(p); this.added.set(`${p.name} added to the cart.`); }
}
