import { ChangeDetectorRef, Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { TaxRate } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { validateCountry, validateDecimal } from '../core/validation';

@Component({
  selector: 'app-admin-tax',
  imports: [FormsModule, ErrorBox],
  template: `
    <h1>Tax rates</h1>
    <p class="muted">Rates are fractions: 0.0725 is 7.25 %. The region may be empty for a country-wide rate.</p>
    <app-error [error]="error()" />
    @if (notice()) { <p class="notice" role="status">{{ notice() }}</p> }
    <!-- Not before the rates are loaded: a row added earlier would be overwritten by them. -->
    @if (!loaded()) { @if (!error()) { <p role="status">Loading…</p> } } @else {
      <form class="stack" (ngSubmit)="save()" novalidate>
        @for (r of rates; track $index; let i = $index) {
          <fieldset class="row">
            <legend>Rate {{ i + 1 }}</legend>
            <label>Country <input [name]="'country' + i" [(ngModel)]="r.country" maxlength="2" style="width:4rem"></label>
            <label>Region <input [name]="'region' + i" [(ngModel)]="r.region" style="width:6rem"></label>
            <label>Rate <input [name]="'rate' + i" [(ngModel)]="r.rate" inputmode="decimal" style="width:7rem"></label>
            <button type="button" class="secondary" (click)="rates.splice(i, 1)" [attr.aria-label]="'Remove rate ' + (i + 1)">Remove</button>
          </fieldset>
        } @empty { <p class="muted">No tax rates: orders carry no tax.</p> }
        <div class="row">
          <button type="button" class="secondary" (click)="rates.push({ country: 'US', region: '', rate: '' })">Add rate</button>
          <button type="submit">Save tax rates</button>
        </div>
      </form>
    }
  `,
})
export class AdminTaxPage implements OnInit {
  private api = inject(ShopApi);
  private cdr = inject(ChangeDetectorRef);
  rates: TaxRate[] = [];
  readonly error = signal<UiError | null>(null);
  readonly notice = signal<string | null>(null);
  readonly loaded = signal(false);

  ngOnInit(): void {
    this.api.taxRates().subscribe({ next: (t) => { this.rates = t.items.map((r) => ({ ...r })); this.loaded.set(true); this.cdr.markForCheck(); }, error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  save(): void {
    const fields = this.rates.flatMap((r, i) => [
      [`items[${i}].country`, validateCountry(r.country)], [`items[${i}].rate`, validateDecimal(r.rate, 'Rate')],
    ]).filter(([, m]) => m).map(([field, message]) => ({ field: field!, message: message! }));
    if (fields.length) { this.error.set({ message: 'Check the tax rates.', fields }); return; }
    this.error.set(null);
    const items = this.rates.map((r) => ({ country: r.country.trim().toUpperCase(), region: r.region.trim(), rate: r.rate.trim() }));
    this.api.putTaxRates(items).subscribe({
      next: (t) => { this.rates = t.items.map((r) => ({ ...r })); this.notice.set('Tax rates saved.'); },
      error: (e: unknown) => this.error.set(toUiError(e)),
    });
  }
}
