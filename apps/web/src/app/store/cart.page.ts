import { Component, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { money } from '../core/format';
import { CartStore } from './cart.store';

@Component({
  selector: 'app-cart',
  imports: [RouterLink],
  template: `
    <h1>Cart</h1>
    @if (!cart.lines().length) {
      <p class="muted">Your cart is empty. <a routerLink="/">Browse the catalog</a></p>
    } @else {
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Product</th><th scope="col" class="num">Price</th><th scope="col">Quantity</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
        <tbody>
          @for (l of cart.lines(); track l.product_id) {
            <tr>
              <td>{{ l.name }} <span class="muted">({{ l.sku }})</span></td>
              <td class="num">{{ money(l.price) }}</td>
              <td><input type="number" min="1" max="999" style="width:5rem" [value]="l.quantity" [attr.aria-label]="'Quantity of ' + l.name"
                   (change)="cart.setQuantity(l.product_id, +$any($event.target).value)"></td>
              <td><button type="button" class="secondary" (click)="cart.remove(l.product_id)" [attr.aria-label]="'Remove ' + l.name">Remove</button></td>
            </tr>
          }
        </tbody>
      </table></div>
      <p>Indicative subtotal: <strong>{{ subtotal() }}</strong> <span class="muted">(final prices, discounts and tax are quoted at checkout)</span></p>
      <div class="row"><a class="button" routerLink="/checkout">Checkout</a></div>
    }
  `,
})
export class CartPage {
  readonly cart = inject(CartStore);
  readonly money = money;
  subtotal(): string {
    const first = this.cart.lines()[0];
    return money({ amount: (this.cart.subtotalCents() / 100).toFixed(2), currency: first?.price.currency ?? 'USD' });
  }
}
