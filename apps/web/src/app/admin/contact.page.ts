import { Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { ContactMessage, ContactStatus } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';

@Component({
  selector: 'app-admin-contact',
  imports: [FormsModule, ErrorBox, DatePipe],
  template: `
    <h1>Contact messages</h1>
    <label>Status
      <select name="status" [(ngModel)]="status" (ngModelChange)="load()">
        <option value="new">New</option><option value="read">Read</option><option value="archived">Archived</option><option value="">All</option>
      </select>
    </label>
    <app-error [error]="error()" />
    @for (m of items(); track m.id) {
      <article class="card" style="margin-top:1rem">
        <h2>{{ m.subject }} <span class="badge">{{ m.status }}</span></h2>
        <p class="muted">{{ m.name }} &lt;{{ m.email }}&gt; · {{ m.created_at | date: 'medium' }} @if (m.user_id) { · signed in }</p>
        <p style="white-space:pre-wrap">{{ m.message }}</p>
        <div class="row">
          @if (m.status !== 'read') { <button type="button" class="secondary" (click)="set(m, 'read')">Mark read</button> }
          @if (m.status !== 'archived') { <button type="button" class="secondary" (click)="set(m, 'archived')">Archive</button> }
          @if (m.status !== 'new') { <button type="button" class="secondary" (click)="set(m, 'new')">Mark new</button> }
        </div>
      </article>
    } @empty { <p class="muted">No messages.</p> }
  `,
})
export class AdminContactPage implements OnInit {
  private api = inject(ShopApi);
  status = 'new';
  readonly items = signal<ContactMessage[]>([]);
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void { this.load(); }

  load(): void {
    this.api.contactMessages(this.status).subscribe({ next: (p) => this.items.set(p.items), error: (e: unknown) => this.error.set(toUiError(e)) });
  }

  set(m: ContactMessage, status: ContactStatus): void {
    this.api.setContactStatus(m.id, status).subscribe({ next: () => this.load(), error: (e: unknown) => this.error.set(toUiError(e)) });
  }
}
