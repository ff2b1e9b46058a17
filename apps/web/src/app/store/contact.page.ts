import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { UiError, fieldError, toUiError } from '../core/problem';
import { Errors, collect, required, validateEmail } from '../core/validation';

@Component({
  selector: 'app-contact',
  imports: [FormsModule, ErrorBox],
  template: `
    <h1>Contact us</h1>
    @if (sent()) { <p class="notice" role="status">Thank you — your message was received.</p> }
    <form class="stack" (ngSubmit)="submit()" novalidate>
      <app-error [error]="error()" />
      <label>Name <input name="name" autocomplete="name" [(ngModel)]="f.name" required>
        @if (msg('name')) { <span class="field-error">{{ msg('name') }}</span> }</label>
      <label>E-mail <input name="email" type="email" autocomplete="email" [(ngModel)]="f.email" required>
        @if (msg('email')) { <span class="field-error">{{ msg('email') }}</span> }</label>
      <label>Subject <input name="subject" [(ngModel)]="f.subject" required maxlength="200">
        @if (msg('subject')) { <span class="field-error">{{ msg('subject') }}</span> }</label>
      <label>Message <textarea name="message" rows="6" [(ngModel)]="f.message" required maxlength="5000"></textarea>
        @if (msg('message')) { <span class="field-error">{{ msg('message') }}</span> }</label>
      <div class="row"><button type="submit" [disabled]="busy()">Send</button></div>
    </form>
  `,
})
export class ContactPage {
  private api = inject(ShopApi);
  private auth = inject(AuthService);
  f = { name: this.auth.user()?.name ?? '', email: this.auth.user()?.email ?? '', subject: '', message: '' };
  readonly busy = signal(false);
  readonly sent = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly errors = signal<Errors>({});

  msg(field: string): string | null { return this.errors()[field] ?? fieldError(this.error(), field); }

  submit(): void {
    const f = this.f;
    const errors = collect({ name: required(f.name, 'Name'), email: validateEmail(f.email), subject: required(f.subject, 'Subject'), message: required(f.message, 'Message', 5000) });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    this.api.contact({ name: f.name.trim(), email: f.email.trim(), subject: f.subject.trim(), message: f.message.trim() }).subscribe({
      next: () => { this.busy.set(false); this.sent.set(true); this.f = { ...this.f, subject: '', message: '' }; },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
