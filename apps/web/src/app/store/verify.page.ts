import { Component, OnInit, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { CartStore } from './cart.store';
import { ResendVerification } from './resend-verification';

/** The page of the verification mail's link: `/verify?token=...` verifies the address at once. */
@Component({
  selector: 'app-verify',
  imports: [RouterLink, ErrorBox, ResendVerification],
  template: `
    <h1>Verify your e-mail address</h1>
    @switch (state()) {
      @case ('working') { <p role="status">Verifying your e-mail address…</p> }
      @case ('verified') {
        <p class="notice" role="status" data-testid="verified">Your e-mail address {{ email() }} is verified. Thank you!</p>
        <p>
          @if (auth.user()) {
            @if (cart.count()) { <a class="button" routerLink="/checkout">Continue to checkout</a> }
            @else { <a class="button" routerLink="/">Continue shopping</a> }
          } @else {
            <a class="button" routerLink="/login">Sign in</a>
          }
        </p>
      }
      @case ('failed') {
        <app-error [error]="error()" />
        @if (auth.user()?.email_verified_at) {
          <!-- Signed in and verified already (say, a second click on the link): nothing to resend. -->
          <p class="notice" role="status" data-testid="already-verified">Your e-mail address {{ auth.user()?.email }} is already verified: there is nothing more to do.</p>
          <p><a routerLink="/">Continue shopping</a></p>
        } @else {
          @if (error()?.code === 'token_invalid' || !token()) {
            <p>Each link works once and for 24 hours. If your address is not verified yet, ask for a new link below
              and open the newest mail.</p>
          }
          <h2>Send a new verification link</h2>
          <app-resend-verification [email]="auth.user()?.email" />
        }
      }
    }
  `,
})
export class VerifyPage implements OnInit {
  private api = inject(ShopApi);
  readonly auth = inject(AuthService);
  readonly cart = inject(CartStore);
  /** From the mailed link's query string. */
  readonly token = input<string>();
  readonly state = signal<'working' | 'verified' | 'failed'>('working');
  readonly email = signal('');
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void {
    const token = this.token()?.trim();
    if (!token) {
      this.fail({ message: 'This verification link is incomplete: it has no token. Open the link from the mail again, or ask for a new one.', fields: [] });
      return;
    }
    this.api.verifyEmail(token).subscribe({
      next: ({ user }) => {
        this.email.set(user.email);
        this.state.set('verified');
        // When this account is signed in here (once a kept session is resumed), it is verified now.
        void this.auth.restore().then(() => { if (this.auth.user()?.id === user.id) this.auth.user.set(user); });
      },
      error: (e: unknown) => {
        const err = toUiError(e);
        if (err.code === 'token_invalid') {
          err.message = 'This verification link is invalid, already used or expired.';
        }
        this.fail(err);
      },
    });
  }

  private fail(err: UiError): void {
    this.error.set(err);
    this.state.set('failed');
  }
}
