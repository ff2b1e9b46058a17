import { Component, OnInit, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { BusinessProfile } from '../core/api.types';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { statusLabel } from '../core/format';
import { UiError, fieldError, toUiError } from '../core/problem';
import { Errors, collect, required, validateCountry } from '../core/validation';
import { ResendVerification } from './resend-verification';
import { unverifiedBusinessMessage } from './verification';

@Component({
  selector: 'app-business',
  imports: [FormsModule, ErrorBox, ResendVerification],
  template: `
    <h1>Business profile</h1>
    @if (loading()) { <p role="status">Loading…</p> }
    @if (profile(); as p) {
      @if (prompt() && (p.status === 'none' || p.status === 'rejected')) {
        <p class="notice" role="status" id="business-prompt">Please complete your business profile so we can approve your account for business pricing and tax exemption.</p>
      }
      <p>Status: <span class="badge {{ p.status }}" data-testid="business-status">{{ label(p.status) }}</span></p>
      @if (p.status === 'rejected' && p.rejection_reason) { <p class="error">Rejected: {{ p.rejection_reason }}</p> }
      @if (saved()) { <p class="notice" role="status">Submitted for review.</p> }
      <!-- Outside the form: the resend button is a form of its own. -->
      <app-error [error]="error()">
        @if (error()?.code === 'email_unverified') { <app-resend-verification [email]="auth.user()?.email" /> }
      </app-error>
      <form class="stack" (ngSubmit)="submit()" novalidate>
        <label>Legal name <input name="legal_name" [(ngModel)]="f.legal_name" required>
          @if (msg('legal_name')) { <span class="field-error">{{ msg('legal_name') }}</span> }</label>
        <label>Tax id <input name="tax_id" [(ngModel)]="f.tax_id" required>
          @if (msg('tax_id')) { <span class="field-error">{{ msg('tax_id') }}</span> }</label>
        <label>Phone <input name="phone" type="tel" autocomplete="tel" [(ngModel)]="f.phone" required>
          @if (msg('phone')) { <span class="field-error">{{ msg('phone') }}</span> }</label>
        <fieldset>
          <legend>Address</legend>
          <label>Line 1 <input name="line1" autocomplete="address-line1" [(ngModel)]="f.line1" required>
            @if (msg('address.line1')) { <span class="field-error">{{ msg('address.line1') }}</span> }</label>
          <label>Line 2 <input name="line2" autocomplete="address-line2" [(ngModel)]="f.line2"></label>
          <label>City <input name="city" autocomplete="address-level2" [(ngModel)]="f.city" required>
            @if (msg('address.city')) { <span class="field-error">{{ msg('address.city') }}</span> }</label>
          <label>Region / state <input name="region" autocomplete="address-level1" [(ngModel)]="f.region"></label>
          <label>Postal code <input name="postal_code" autocomplete="postal-code" [(ngModel)]="f.postal_code"></label>
          <label>Country (2 letters) <input name="country" autocomplete="country" [(ngModel)]="f.country" maxlength="2" required>
            @if (msg('address.country')) { <span class="field-error">{{ msg('address.country') }}</span> }</label>
        </fieldset>
        <label class="inline"><input type="checkbox" name="tax_exempt_requested" [(ngModel)]="f.tax_exempt_requested"> Request tax exemption</label>
        @if (f.tax_exempt_requested) {
          <fieldset>
            <legend>Exemption certificate</legend>
            <label>Certificate number <input name="cert_number" [(ngModel)]="f.cert_number" required>
              @if (msg('cert_number')) { <span class="field-error">{{ msg('cert_number') }}</span> }</label>
            <label>Issuing region <input name="cert_region" [(ngModel)]="f.cert_region" required>
              @if (msg('cert_region')) { <span class="field-error">{{ msg('cert_region') }}</span> }</label>
            <label>Expires on <input name="cert_expires" type="date" [(ngModel)]="f.cert_expires" required>
              @if (msg('cert_expires')) { <span class="field-error">{{ msg('cert_expires') }}</span> }</label>
          </fieldset>
        }
        <div class="row"><button type="submit" [disabled]="busy()">{{ busy() ? 'Submitting…' : 'Submit for review' }}</button></div>
      </form>
    }
    @if (!loading() && !profile()) { <app-error [error]="error()" /> }
  `,
})
export class BusinessPage implements OnInit {
  private api = inject(ShopApi);
  readonly auth = inject(AuthService);
  readonly prompt = input<string>();
  readonly profile = signal<BusinessProfile | null>(null);
  readonly loading = signal(true);
  readonly busy = signal(false);
  readonly saved = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly errors = signal<Errors>({});
  readonly label = statusLabel;
  f = { legal_name: '', tax_id: '', phone: '', line1: '', line2: '', city: '', region: '', postal_code: '', country: 'US',
    tax_exempt_requested: false, cert_number: '', cert_region: '', cert_expires: '' };

  ngOnInit(): void {
    this.api.business().subscribe({
      next: (p) => { this.loading.set(false); this.fill(p); },
      error: (e: unknown) => { this.loading.set(false); this.error.set(toUiError(e)); },
    });
  }

  private fill(p: BusinessProfile): void {
    this.profile.set(p);
    const a = p.address;
    const c = p.exemption_certificate;
    this.f = { legal_name: p.legal_name ?? '', tax_id: p.tax_id ?? '', phone: p.phone ?? '', line1: a?.line1 ?? '', line2: a?.line2 ?? '',
      city: a?.city ?? '', region: a?.region ?? '', postal_code: a?.postal_code ?? '', country: a?.country ?? 'US',
      tax_exempt_requested: !!p.tax_exempt_requested, cert_number: c?.number ?? '', cert_region: c?.region ?? '', cert_expires: c?.expires_on ?? '' };
  }

  msg(field: string): string | null { return this.errors()[field] ?? fieldError(this.error(), field); }

  submit(): void {
    const f = this.f;
    const errors = collect({
      legal_name: required(f.legal_name, 'Legal name'), tax_id: required(f.tax_id, 'Tax id'), phone: required(f.phone, 'Phone', 40),
      'address.line1': required(f.line1, 'Address line 1'), 'address.city': required(f.city, 'City'), 'address.country': validateCountry(f.country),
      cert_number: f.tax_exempt_requested ? required(f.cert_number, 'Certificate number') : null,
      cert_region: f.tax_exempt_requested ? required(f.cert_region, 'Issuing region') : null,
      cert_expires: f.tax_exempt_requested ? required(f.cert_expires, 'Expiry date') : null,
    });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    this.saved.set(false);
    this.api.submitBusiness({
      legal_name: f.legal_name.trim(), tax_id: f.tax_id.trim(), phone: f.phone.trim(),
      address: { line1: f.line1.trim(), line2: f.line2.trim() || null, city: f.city.trim(), region: f.region.trim(), postal_code: f.postal_code.trim(), country: f.country.trim().toUpperCase() },
      tax_exempt_requested: f.tax_exempt_requested,
      exemption_certificate: f.tax_exempt_requested ? { number: f.cert_number.trim(), region: f.cert_region.trim(), expires_on: f.cert_expires } : null,
    }).subscribe({
      next: (p) => { this.busy.set(false); this.saved.set(true); this.fill(p); this.auth.businessStatus.set(p.status); },
      error: (e: unknown) => {
        this.busy.set(false);
        const err = toUiError(e);
        if (err.code === 'email_unverified') err.message = unverifiedBusinessMessage(this.auth.user()?.email);
        this.error.set(err);
      },
    });
  }
}
