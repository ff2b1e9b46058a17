import { Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { UiError, fieldError, toUiError } from '../core/problem';
import { Errors, PASSWORD_MAX, PASSWORD_MIN, collect, validatePassword } from '../core/validation';

/** The notice the sign-in page shows after a reset (every session of the account has ended). */
export const PASSWORD_RESET_NOTICE = 'Your password was changed and every session of your account was signed out. Sign in with your new password.';

/** The page of the reset mail's link: `/reset-password?token=...` sets a new password. */
@Component({
  selector: 'app-reset-password',
  imports: [FormsModule, RouterLink, ErrorBox],
  template: `
    <h1>Choose a new password</h1>
    @if (!token()) {
      <p class="error" role="alert">This reset link is incomplete: it has no token. Open the link from the mail again, or ask for a new one.</p>
      <p><a routerLink="/forgot-password">Ask for a new reset link</a></p>
    } @else if (linkDead()) {
      <app-error [error]="error()">
        <p>Each reset link works once, for 30 minutes. <a routerLink="/forgot-password">Ask for a new reset link</a></p>
      </app-error>
    } @else {
      <form class="stack" (ngSubmit)="submit()" novalidate>
        <app-error [error]="error()" />
        <label>New password ({{ min }} to {{ max }} characters)
          <input name="new_password" type="password" autocomplete="new-password" [(ngModel)]="password" required
            [attr.minlength]="min" [attr.maxlength]="max" [attr.aria-invalid]="!!msg('new_password')" aria-describedby="pw-err">
          @if (msg('new_password')) { <span id="pw-err" class="field-error">{{ msg('new_password') }}</span> }
        </label>
        <label>Repeat the new password
          <input name="repeat" type="password" autocomplete="new-password" [(ngModel)]="repeat" required
            [attr.aria-invalid]="!!msg('repeat')" aria-describedby="repeat-err">
          @if (msg('repeat')) { <span id="repeat-err" class="field-error">{{ msg('repeat') }}</span> }
        </label>
        <div class="row"><button type="submit" [disabled]="busy()">{{ busy() ? 'Saving…' : 'Set new password' }}</button></div>
      </form>
    }
  `,
})
export class ResetPasswordPage {
  private api = inject(ShopApi);
  private auth = inject(AuthService);
  private router = inject(Router);
  readonly min = PASSWORD_MIN;
  readonly max = PASSWORD_MAX;
  /** From the mailed link's query string. */
  readonly token = input<string>();
  password = '';
  repeat = '';
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly errors = signal<Errors>({});
  /** The API refused the token (`token_invalid`): the form is of no use any more. */
  readonly linkDead = signal(false);

  msg(field: string): string | null { return this.errors()[field] ?? fieldError(this.error(), field); }

  submit(): void {
    const errors = collect({
      new_password: validatePassword(this.password),
      repeat: this.repeat === this.password ? null : 'The two passwords differ.',
    });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    this.api.confirmPasswordReset(this.token()!.trim(), this.password).subscribe({
      next: () => {
        this.busy.set(false);
        // The reset ended every session, this browser's too: forget it and sign in afresh.
        this.auth.clear(PASSWORD_RESET_NOTICE);
        void this.router.navigate(['/login']);
      },
      error: (e: unknown) => {
        this.busy.set(false);
        const err = toUiError(e);
        if (err.code === 'token_invalid') {
          err.message = 'This password reset link is invalid, already used or expired.';
          this.linkDead.set(true);
        }
        this.error.set(err);
      },
    });
  }
}
