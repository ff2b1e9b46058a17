import { Component, OnInit, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { Product } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { money } from '../core/format';
import { UiError, toUiError } from '../core/problem';
import { CartStore } from './cart.store';

@Component({
  selector: 'app-product',
  imports: [FormsModule, RouterLink, ErrorBox],
  template: `
    <p><a routerLink="/">← Catalog</a></p>
    <app-error [error]="error()" />
    @if (product(); as p) {
      <h1>{{ p.name }}</h1>
      <p class="muted">SKU {{ p.sku }}</p>
      <p>{{ p.description }}</p>
      <p><strong>{{ money(p.price) }}</strong> · {{ p.in_stock ? p.stock + ' in stock' : 'Out of stock' }}</p>
      <form class="row" (ngSubmit)="add(p)">
        <label>Quantity <input name="qty" type="number" min="1" [max]="p.stock" [(ngModel)]="qty"></label>
        <button type="submit" [disabled]="!p.in_stock">Add to cart</button>
      </form>
      @if (added()) { <p class="notice" role="status">Added. <a routerLink="/cart">View cart</a></p> }
    } @else if (!error()) { <p role="status">Loading…</p> }
  `,
})
export class ProductPage implements OnInit {
  private api = inject(ShopApi);
  private cart = inject(CartStore);
  readonly id = input.required<string>();
  readonly money = money;
  readonly product = signal<Product | null>(null);
  readonly error = signal<UiError | null>(null);
  readonly added = signal(false);
  qty = 1;

  ngOnInit(): void {
    this.api.product(this.id()).subscribe({ next: (p) => this.product.set(p), error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  add(p: Product): void {
    const q = Math.max(1, Math.floor(Number(this.qty) || 1));
    this.cart.add(p, q);
    this.added.set(true);
  }
}
