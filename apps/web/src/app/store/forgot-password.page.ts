import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { validateEmail } from '../core/validation';

/**
 * Asks for a password reset link. The confirmation is the same whether or not the address has an
 * account (the API answers alike), so this page never tells who is registered.
 */
@Component({
  selector: 'app-forgot-password',
  imports: [FormsModule, RouterLink, ErrorBox],
  template: `
    <h1>Forgot your password?</h1>
    @if (sent()) {
      <p class="notice" role="status" data-testid="reset-requested">If {{ sentTo() }} belongs to an account, we have mailed it a link to choose
        a new password. The link works once, for 30 minutes. Check your spam folder if nothing arrives.</p>
      <p><a routerLink="/login">Back to sign in</a></p>
    } @else {
      <p>Enter the e-mail address of your account and we will mail you a link to choose a new password.</p>
      <form class="stack" (ngSubmit)="submit()" novalidate>
        <app-error [error]="error()" />
        <label>E-mail
          <input name="email" type="email" autocomplete="username" [(ngModel)]="email" [attr.aria-invalid]="!!invalid()" aria-describedby="email-err" required>
          @if (invalid()) { <span id="email-err" class="field-error">{{ invalid() }}</span> }
        </label>
        <div class="row"><button type="submit" [disabled]="busy()">{{ busy() ? 'Sending…' : 'Send reset link' }}</button></div>
        <p><a routerLink="/login">Back to sign in</a></p>
      </form>
    }
  `,
})
export class ForgotPasswordPage {
  private api = inject(ShopApi);
  email = '';
  readonly busy = signal(false);
  readonly sent = signal(false);
  readonly sentTo = signal('');
  readonly invalid = signal<string | null>(null);
  readonly error = signal<UiError | null>(null);

  submit(): void {
    const email = this.email.trim();
    const invalid = validateEmail(email);
    this.invalid.set(invalid);
    if (invalid) return;
    this.busy.set(true);
    this.error.set(null);
    this.api.requestPasswordReset(email).subscribe({
      next: () => { this.busy.set(false); this.sentTo.set(email); this.sent.set(true); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
