import { Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { OutboxMail, OutboxStatus } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';

/** The shop's outgoing mail and its delivery jobs: what is stuck, why, and a way to send it again. */
@Component({
  selector: 'app-admin-mail',
  imports: [FormsModule, ErrorBox, DatePipe],
  template: `
    <h1>Mail delivery</h1>
    <fieldset class="row" style="flex-direction:row">
      <legend>Show</legend>
      <label class="inline"><input type="radio" name="status" value="unsent" [(ngModel)]="status" (ngModelChange)="load(null)"> Unsent mail</label>
      <label class="inline"><input type="radio" name="status" value="sent" [(ngModel)]="status" (ngModelChange)="load(null)"> Sent mail</label>
    </fieldset>
    <app-error [error]="error()" />
    @if (notice()) { <p class="notice" role="status">{{ notice() }}</p> }
    @if (loading()) { <p role="status">Loading…</p> }
    @else if (!items().length && !error()) { <p class="muted">{{ status === 'unsent' ? 'No unsent mail: everything was delivered.' : 'No sent mail yet.' }}</p> }
    @else if (items().length) {
      <div class="table-wrap"><table data-testid="mail-list">
        <thead><tr><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Created</th>
          @if (status === 'sent') { <th scope="col">Sent</th> }
          <th scope="col">Delivery</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th><th scope="col">Next attempt</th>
          @if (status === 'unsent') { <th scope="col">Actions</th> }</tr></thead>
        <tbody>
          @for (m of items(); track m.id) {
            <tr><td>{{ m.to }}</td><td>{{ m.subject }}</td><td>{{ m.created_at | date: 'short' }}</td>
              @if (status === 'sent') { <td>{{ m.sent_at | date: 'short' }}</td> }
              @if (m.delivery; as d) {
                <td><span class="badge {{ d.state === 'dead' ? 'attention' : '' }}">{{ d.state === 'dead' ? 'stopped (dead)' : d.state }}</span></td>
                <td class="num">{{ d.attempts }}</td><td>{{ d.last_error ?? '' }}</td>
                <td>{{ d.next_attempt_at ? (d.next_attempt_at | date: 'short') : '' }}</td>
              } @else { <td class="muted">no job</td><td class="num"></td><td></td><td></td> }
              @if (status === 'unsent') {
                <td><button type="button" class="secondary" [disabled]="resending() === m.id || !!m.sent_at" (click)="resend(m)"
                  [attr.aria-label]="'Resend ' + m.subject + ' to ' + m.to">Resend</button></td>
              }
            </tr>
          }
        </tbody>
      </table></div>
      @if (next()) { <button type="button" class="secondary" (click)="load(next())">More</button> }
    }
  `,
})
export class AdminMailPage implements OnInit {
  private api = inject(ShopApi);
  status: OutboxStatus = 'unsent';
  readonly items = signal<OutboxMail[]>([]);
  readonly loading = signal(true);
  readonly next = signal<string | null>(null);
  readonly error = signal<UiError | null>(null);
  readonly notice = signal<string | null>(null);
  /** The mail being requeued. */
  readonly resending = signal<string | null>(null);

  ngOnInit(): void { this.load(null); }

  load(cursor: string | null): void {
    this.error.set(null);
    if (!cursor) { this.notice.set(null); this.loading.set(true); }
    const status = this.status;
    this.api.outbox({ status, cursor }).subscribe({
      next: (p) => {
        if (status !== this.status) return;
        this.items.update((ms) => (cursor ? [...ms, ...p.items] : p.items));
        this.next.set(p.next_cursor);
        this.loading.set(false);
      },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  resend(m: OutboxMail): void {
    this.resending.set(m.id);
    this.error.set(null);
    this.notice.set(null);
    this.api.resendMail(m.id).subscribe({
      next: ({ mail }) => {
        this.resending.set(null);
        this.items.update((ms) => ms.map((x) => (x.id === mail.id ? mail : x)));
        this.notice.set(`“${mail.subject}” to ${mail.to} is queued again; it is sent now.`);
      },
      error: (e: unknown) => {
        this.resending.set(null);
        const err = toUiError(e);
        // Sent meanwhile: it no longer belongs in this list.
        if (err.code === 'mail_already_sent') this.items.update((ms) => ms.filter((x) => x.id !== m.id));
        this.error.set(err);
      },
    });
  }
}
