import { Component, input, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { validateEmail } from '../core/validation';

/**
 * Asks for a new verification link. With `email` set (a signed-in customer) it is one button;
 * without, it asks for the address. The answer is the same whether or not the address has an
 * unverified account, and so is what this shows.
 */
@Component({
  selector: 'app-resend-verification',
  imports: [FormsModule, ErrorBox],
  template: `
    <form class="stack" (ngSubmit)="send()" novalidate aria-label="Send a new verification link">
      @if (!email()) {
        <label>E-mail
          <input name="resend-email" type="email" autocomplete="email" [(ngModel)]="address" [attr.aria-invalid]="!!invalid()" aria-describedby="resend-email-err">
          @if (invalid()) { <span id="resend-email-err" class="field-error">{{ invalid() }}</span> }
        </label>
      }
      <app-error [error]="error()" />
      @if (sent()) {
        <p class="notice" role="status">If {{ sentTo() }} belongs to an account that still needs verifying, a new link is on its way.
          Open it within 24 hours (check your spam folder too).</p>
      }
      <div class="row"><button type="submit" class="secondary" [disabled]="busy()">{{ busy() ? 'Sending…' : 'Send a new verification link' }}</button></div>
    </form>
  `,
})
export class ResendVerification {
  private api = inject(ShopApi);
  /** The signed-in customer's address; when absent the form asks for one. */
  readonly email = input<string | null | undefined>(null);
  address = '';
  readonly busy = signal(false);
  readonly sent = signal(false);
  readonly sentTo = signal('');
  readonly invalid = signal<string | null>(null);
  readonly error = signal<UiError | null>(null);

  send(): void {
    const email = (this.email() || this.address).trim();
    const invalid = validateEmail(email);
    this.invalid.set(invalid);
    if (invalid) return;
    this.busy.set(true);
    this.error.set(null);
    this.sent.set(false);
    this.api.resendVerification(email).subscribe({
      next: () => { this.busy.set(false); this.sentTo.set(email); this.sent.set(true); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
