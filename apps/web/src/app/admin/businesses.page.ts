import { Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { BusinessProfile } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';

@Component({
  selector: 'app-admin-businesses',
  imports: [FormsModule, ErrorBox],
  template: `
    <h1>Business approvals</h1>
    <label>Status
      <select name="status" [(ngModel)]="status" (ngModelChange)="load()">
        <option value="pending">Pending</option><option value="approved">Approved</option><option value="rejected">Rejected</option>
      </select>
    </label>
    <app-error [error]="error()" />
    @if (loading()) { <p role="status">Loading…</p> }
    @else if (!items().length && !error()) { <p class="muted">Nothing {{ status }}.</p> }
    @for (b of items(); track b.user_id) {
      <article class="card" style="margin-top:1rem" [attr.aria-label]="'Business ' + b.legal_name">
        <h2>{{ b.legal_name }} <span class="badge {{ b.status }}">{{ b.status }}</span></h2>
        <p>Tax id {{ b.tax_id }} · phone {{ b.phone }} · user {{ b.user_id }}</p>
        @if (b.address; as a) { <p>{{ a.line1 }}, {{ a.city }} {{ a.region }} {{ a.postal_code }}, {{ a.country }}</p> }
        @if (b.tax_exempt_requested && b.exemption_certificate; as c) {
          <p>Tax exemption requested: certificate {{ c.number }} ({{ c.region }}), expires {{ c.expires_on }}</p>
        } @else { <p class="muted">No tax exemption requested.</p> }
        @if (b.rejection_reason) { <p>Rejected: {{ b.rejection_reason }}</p> }
        @if (b.status === 'pending') {
          <div class="row">
            <button type="button" (click)="approve(b, true)" [disabled]="!b.tax_exempt_requested">Approve with tax exemption</button>
            <button type="button" class="secondary" (click)="approve(b, false)">Approve without exemption</button>
          </div>
          <form class="row" (ngSubmit)="reject(b)">
            <label>Reason for rejection <input [name]="'reason-' + b.user_id" [(ngModel)]="reasons[b.user_id!]" required></label>
            <button type="submit" class="danger">Reject</button>
          </form>
        }
      </article>
    }
  `,
})
export class AdminBusinessesPage implements OnInit {
  private api = inject(ShopApi);
  status = 'pending';
  reasons: Record<string, string> = {};
  readonly items = signal<BusinessProfile[]>([]);
  readonly loading = signal(true);
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void { this.load(); }

  load(): void {
    this.api.adminBusinesses(this.status).subscribe({
      next: (p) => { this.items.set(p.items); this.loading.set(false); },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  approve(b: BusinessProfile, taxExempt: boolean): void {
    this.error.set(null);
    this.api.approveBusiness(b.user_id!, taxExempt).subscribe({ next: () => this.load(), error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  reject(b: BusinessProfile): void {
    const reason = (this.reasons[b.user_id!] ?? '').trim();
    if (!reason) { this.error.set({ message: 'Give a reason for the rejection.', fields: [] }); return; }
    this.error.set(null);
    this.api.rejectBusiness(b.user_id!, reason).subscribe({ next: () => this.load(), error: (e: unknown) => this.error.set(toUiError(e)) });
  }
}
