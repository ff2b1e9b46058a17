import { Injectable, computed, effect, signal } from '@angular/core';
import { Money, Product, QuoteLine } from '../core/api.types';

export interface CartLine { product_id: string; name: string; sku: string; price: Money; quantity: number; }
const KEY = 'shop.cart';
export const MAX_QUANTITY = 999;

function load(): CartLine[] {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as CartLine[]).filter((l) => l && typeof l.product_id === 'string' && l.quantity > 0) : [];
  } catch { return []; }
}

/** The cart: a signal store kept in localStorage. Prices shown here are indicative; the server quotes. */
@Injectable({ providedIn: 'root' })
export class CartStore {
  readonly lines = signal<CartLine[]>(load());
  readonly count = computed(() => this.lines().reduce((n, l) => n + l.quantity, 0));
  /** Indicative subtotal in minor units-safe arithmetic (cents). */
  readonly subtotalCents = computed(() =>
    this.lines().reduce((s, l) => s + Math.round(Number(l.price.amount) * 100) * l.quantity, 0));

  constructor() {
    effect(() => {
      try { globalThis.localStorage?.setItem(KEY, JSON.stringify(this.lines())); } catch { /* storage full or off */ }
    });
  }

  add(p: Product, quantity = 1): void {
    this.lines.update((ls) => {
      const found = ls.find((l) => l.product_id === p.id);
      if (found) return ls.map((l) => (l === found ? { ...l, quantity: Math.min(MAX_QUANTITY, l.quantity + quantity) } : l));
      return [...ls, { product_id: p.id, name: p.name, sku: p.sku, price: p.price, quantity: Math.min(MAX_QUANTITY, quantity) }];
    });
  }

  setQuantity(productId: string, quantity: number): void {
    const q = Math.floor(quantity);
    if (!Number.isFinite(q) || q <= 0) return this.remove(productId);
    this.lines.update((ls) => ls.map((l) => (l.product_id === productId ? { ...l, quantity: Math.min(MAX_QUANTITY, q) } : l)));
  }

  /** Puts an order's lines back (after its payment failed), merged with what the cart holds. */
  restore(lines: QuoteLine[]): void {
    for (const l of lines) {
      this.add({ id: l.product_id, sku: l.sku, name: l.name, price: l.unit_price } as Product, l.quantity);
    }
  }

  remove(productId: string): void { this.lines.update((ls) => ls.filter((l) => l.product_id !== productId)); }
  clear(): void { this.lines.set([]); }
  items() { return this.lines().map((l) => ({ product_id: l.product_id, quantity: l.quantity })); }
}
