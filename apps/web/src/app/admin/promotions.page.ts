import { Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { NewPromotion, Promotion } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { collect, required, validateDecimal } from '../core/validation';

@Component({
  selector: 'app-admin-promotions',
  imports: [FormsModule, ErrorBox],
  template: `
    <h1>Promotions</h1>
    <app-error [error]="error()" />
    <form class="stack" (ngSubmit)="create()" novalidate>
      <label>Code <input name="code" [(ngModel)]="f.code" required></label>
      <label>Kind
        <select name="kind" [(ngModel)]="f.kind"><option value="percent">Percent off</option><option value="fixed">Fixed amount off</option></select>
      </label>
      <label>Value <input name="value" inputmode="decimal" [(ngModel)]="f.value" required></label>
      <label>Minimum subtotal (optional) <input name="min_subtotal" inputmode="decimal" [(ngModel)]="f.min_subtotal"></label>
      <label>Starts (optional) <input name="starts_at" type="datetime-local" [(ngModel)]="f.starts_at"></label>
      <label>Ends (optional) <input name="ends_at" type="datetime-local" [(ngModel)]="f.ends_at"></label>
      <label>Maximum uses (optional) <input name="max_uses" type="number" min="1" [(ngModel)]="f.max_uses"></label>
      <div class="row"><button type="submit">Create promotion</button></div>
    </form>
    <h2>Existing</h2>
    @if (!items().length) { <p class="muted">No promotions yet.</p> }
    @else {
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Code</th><th scope="col">Kind</th><th scope="col">Value</th><th scope="col">Min subtotal</th><th scope="col">Window</th><th scope="col">Uses</th></tr></thead>
        <tbody>
          @for (p of items(); track p.id) {
            <tr><td>{{ p.code }}</td><td>{{ p.kind }}</td><td>{{ p.value }}</td><td>{{ p.min_subtotal ?? '—' }}</td>
              <td>{{ p.starts_at ?? '—' }} → {{ p.ends_at ?? '—' }}</td><td>{{ p.uses }}{{ p.max_uses ? ' / ' + p.max_uses : '' }}</td></tr>
          }
        </tbody>
      </table></div>
    }
  `,
})
export class AdminPromotionsPage implements OnInit {
  private api = inject(ShopApi);
  readonly items = signal<Promotion[]>([]);
  readonly error = signal<UiError | null>(null);
  f = { code: '', kind: 'percent' as 'percent' | 'fixed', value: '', min_subtotal: '', starts_at: '', ends_at: '', max_uses: null as number | null };

  ngOnInit(): void { this.load(); }

  load(): void {
    this.api.promotions().subscribe({ next: (p) => this.items.set(p.items), error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  create(): void {
    const f = this.f;
    const errs = collect({ code: required(f.code, 'Code', 64), value: validateDecimal(f.value, 'Value'),
      min_subtotal: f.min_subtotal ? validateDecimal(f.min_subtotal, 'Minimum subtotal') : null });
    if (Object.keys(errs).length) { this.error.set({ message: 'Check the promotion.', fields: Object.entries(errs).map(([field, message]) => ({ field, message })) }); return; }
    const body: NewPromotion = { code: f.code.trim(), kind: f.kind, value: f.value.trim() };
    if (f.min_subtotal) body.min_subtotal = f.min_subtotal.trim();
    if (f.starts_at) body.starts_at = new Date(f.starts_at).toISOString();
    if (f.ends_at) body.ends_at = new Date(f.ends_at).toISOString();
    if (f.max_uses) body.max_uses = Number(f.max_uses);
    this.error.set(null);
    this.api.createPromotion(body).subscribe({ next: () => { this.f.code = ''; this.f.value = ''; this.load(); }, error: (e: unknown) => this.error.set(toUiError(e)) });
  }
}
