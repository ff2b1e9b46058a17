import { Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { ShopApi } from '../core/api';
import { Mail } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';

@Component({
  selector: 'app-admin-mailbox',
  imports: [ErrorBox, DatePipe],
  template: `
    <h1>Mailbox</h1>
    <p class="muted">Mail sent by the shop's file mailbox (embedded shape).</p>
    <app-error [error]="error()" />
    @if (loading()) { <p role="status">Loading…</p> }
    @for (m of items(); track m.message_id) {
      <details class="card" style="margin-top:.6rem">
        <summary><strong>{{ m.subject }}</strong> — to {{ m.to }} · {{ m.sent_at | date: 'short' }}</summary>
        <p class="muted">From {{ m.from }}</p>
        <pre style="white-space:pre-wrap">{{ m.text }}</pre>
      </details>
    } @empty { @if (!loading()) { <p class="muted">No mail sent yet.</p> } }
  `,
})
export class AdminMailboxPage implements OnInit {
  private api = inject(ShopApi);
  readonly items = signal<Mail[]>([]);
  readonly loading = signal(true);
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void {
    this.api.mailbox().subscribe({
      next: (p) => { this.items.set(p.items); this.loading.set(false); },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }
}
