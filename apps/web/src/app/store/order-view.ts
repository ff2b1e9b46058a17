import { Component, input } from '@angular/core';
import { DatePipe } from '@angular/common';
import { Order } from '../core/api.types';
import { money, orderStatusLabel, paymentLabel, statusLabel } from '../core/format';

/** An order's lines, totals, payment and status history (customer and admin views); the status is a live region. */
@Component({
  selector: 'app-order-view',
  imports: [DatePipe],
  template: `
    @let o = order();
    <p>Status: <span class="badge {{ o.status }}" data-testid="order-status" role="status">{{ statusText(o.status) }}</span>
      · placed {{ o.created_at | date: 'medium' }}</p>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Item</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Unit</th><th scope="col" class="num">Tax</th><th scope="col" class="num">Total</th></tr></thead>
      <tbody>
        @for (l of o.lines; track l.product_id) {
          <tr><td>{{ l.name }} <span class="muted">{{ l.sku }}</span></td><td class="num">{{ l.quantity }}</td>
            <td class="num">{{ money(l.unit_price) }}</td><td class="num">{{ money(l.tax) }}</td><td class="num">{{ money(l.total) }}</td></tr>
        }
      </tbody>
    </table></div>
    <dl class="totals">
      <dt>Subtotal</dt><dd>{{ money(o.subtotal) }}</dd>
      <dt>Discounts</dt><dd>−{{ money(o.discount_total) }}</dd>
      <dt>Tax @if (o.tax_exempt) { (exempt) }</dt><dd data-testid="order-tax">{{ money(o.tax_total) }}</dd>
      <dt>Total</dt><dd><strong>{{ money(o.total) }}</strong></dd>
    </dl>
    <p>Ship to: {{ o.ship_to.line1 }}, {{ o.ship_to.city }} {{ o.ship_to.region }} {{ o.ship_to.postal_code }}, {{ o.ship_to.country }}</p>
    <p data-testid="order-payment">Payment: {{ payment(o.payment) }} @if (o.payment.payment_id) { <span class="muted">· {{ o.payment.payment_id }}</span> }</p>
    <h2>History</h2>
    <ol>
      @for (h of o.history; track $index) { <li>{{ label(h.status) }} — {{ h.at | date: 'medium' }} <span class="muted">by {{ h.by }}</span>@if (h.note) { <span class="muted"> — {{ h.note }}</span> }</li> }
    </ol>
  `,
})
export class OrderView {
  readonly order = input.required<Order>();
  readonly money = money;
  readonly label = statusLabel;
  readonly statusText = orderStatusLabel;
  readonly payment = paymentLabel;
}
