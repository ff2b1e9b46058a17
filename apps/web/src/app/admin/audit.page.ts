import { Component, effect, inject, input, signal, untracked } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { AUDIT_ACTIONS, AuditEntry } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { AuditFilters, CursorPages, actorUserId, auditQuery, changeValue, targetLink } from './audit';

/** The audit trail, newest first: filters in the address (so a link can carry them), paged by cursor. */
@Component({
  selector: 'app-admin-audit',
  imports: [FormsModule, RouterLink, ErrorBox, DatePipe],
  template: `
    <h1>Audit log</h1>
    <p class="muted">Every admin change to the catalog, prices, business approvals and orders: who, what, when and from where. Read-only.</p>
    <form class="row" role="search" aria-label="Filter the audit log" (ngSubmit)="apply()">
      <label>Actor (user id) <input name="actor" [(ngModel)]="f.actor" placeholder="user id"></label>
      <label>Target (record id) <input name="target" [(ngModel)]="f.target" placeholder="product, order or user id"></label>
      <label>Action
        <select name="action" [(ngModel)]="f.action">
          <option value="">All actions</option>
          @for (a of actions; track a) { <option [value]="a">{{ a }}</option> }
        </select>
      </label>
      <label>Per page
        <select name="limit" [(ngModel)]="limit" (ngModelChange)="limitChanged()">
          @for (n of pageSizes; track n) { <option [ngValue]="n">{{ n }}</option> }
        </select>
      </label>
      <button type="submit">Filter</button>
      <button type="button" class="secondary" (click)="clear()">Clear filters</button>
    </form>
    <app-error [error]="error()" />
    @if (loading()) { <p role="status">Loading…</p> }
    @else if (!entries().length && !error()) { <p class="muted">No audit entries match.</p> }
    @else if (entries().length) {
      <div class="table-wrap"><table data-testid="audit-entries">
        <caption class="sr-only">Audit entries, newest first, page {{ pages.page }}</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Changes</th><th scope="col">Origin</th></tr></thead>
        <tbody>
          @for (e of entries(); track e.id) {
            <tr>
              <td>{{ e.at | date: 'medium' }}</td>
              <td>
                @if (actorId(e.actor); as id) { <a [routerLink]="['/admin/users', id]">{{ e.actor }}</a> } @else { {{ e.actor }} }
              </td>
              <td><code>{{ e.action }}</code></td>
              <td>{{ e.target_type }}
                @if (link(e); as l) { <a [routerLink]="l">{{ e.target_id }}</a> } @else { <span>{{ e.target_id }}</span> }
              </td>
              <td>
                @if (e.changes.length) {
                  <ul class="changes">
                    @for (c of e.changes; track c.field) { <li><strong>{{ c.field }}</strong>: {{ value(c.before) }} → {{ value(c.after) }}</li> }
                  </ul>
                } @else { <span class="muted">—</span> }
              </td>
              <td class="muted">{{ e.client_ip ?? '—' }}@if (e.request_id) { <br><small>request {{ e.request_id }}</small> }</td>
            </tr>
          }
        </tbody>
      </table></div>
    }
    <nav class="row" aria-label="Audit log pages">
      <button type="button" class="secondary" [disabled]="loading() || !pages.hasPrevious" (click)="previous()">Previous page</button>
      <span data-testid="audit-page">Page {{ pages.page }}</span>
      <button type="button" class="secondary" [disabled]="loading() || !nextCursor()" (click)="next()">Next page</button>
    </nav>
  `,
})
export class AdminAuditPage {
  private api = inject(ShopApi);
  private router = inject(Router);
  /** Filters from the query string. */
  readonly actor = input<string>();
  readonly target = input<string>();
  readonly action = input<string>();
  readonly actions = AUDIT_ACTIONS;
  readonly pageSizes = [10, 20, 50, 100];
  readonly value = changeValue;
  readonly link = targetLink;
  readonly actorId = actorUserId;
  f: AuditFilters = { actor: '', target: '', action: '' };
  limit = 20;
  readonly pages = new CursorPages();
  readonly entries = signal<AuditEntry[]>([]);
  readonly nextCursor = signal<string | null>(null);
  readonly loading = signal(true);
  readonly error = signal<UiError | null>(null);
  private query: Partial<AuditFilters> = {};

  constructor() {
    // The address holds the filters: a new one (a link, back/forward, Filter) starts at page 1.
    effect(() => {
      const query = auditQuery({ actor: this.actor(), target: this.target(), action: this.action() });
      untracked(() => {
        this.f = { actor: query.actor ?? '', target: query.target ?? '', action: query.action ?? '' };
        this.query = query;
        this.pages.reset();
        this.load();
      });
    });
  }

  apply(): void {
    const query = auditQuery(this.f);
    const same = JSON.stringify(query) === JSON.stringify(this.query);
    if (same) { this.pages.reset(); this.load(); return; }
    void this.router.navigate([], { queryParams: { actor: query.actor ?? null, target: query.target ?? null, action: query.action ?? null } });
  }

  clear(): void {
    this.f = { actor: '', target: '', action: '' };
    this.apply();
  }

  limitChanged(): void {
    this.pages.reset();
    this.load();
  }

  next(): void {
    const c = this.nextCursor();
    if (!c) return;
    this.pages.next(c);
    this.load();
  }

  previous(): void {
    this.pages.previous();
    this.load();
  }

  private load(): void {
    this.loading.set(true);
    this.error.set(null);
    this.api.audit({ ...this.query, limit: this.limit, cursor: this.pages.cursor }).subscribe({
      next: (p) => { this.entries.set(p.items); this.nextCursor.set(p.next_cursor); this.loading.set(false); },
      error: (e: unknown) => { this.entries.set([]); this.nextCursor.set(null); this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }
}
