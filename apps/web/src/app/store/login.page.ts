import { Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { waitLabel } from '../core/format';
import { UiError, toUiError } from '../core/problem';
import { Errors, collect, validateEmail } from '../core/validation';

@Component({
  selector: 'app-login',
  imports: [FormsModule, RouterLink, ErrorBox],
  template: `
    <h1>Sign in</h1>
    @if (auth.endedReason(); as r) { <p class="notice" role="status">{{ r }}</p> }
    <form class="stack" (ngSubmit)="submit()" novalidate>
      <app-error [error]="error()" />
      @if (backoff(); as b) {
        <!-- The alert says it once; the live countdown is on the button, not re-announced every second. -->
        <div class="error" role="alert" data-testid="login-backoff">
          <strong>Too many failed sign-ins for {{ b.email }}.</strong>
          <span> To protect the account, its sign-in is paused for {{ wait(b.seconds) }} (even the right password is refused until then).</span>
          <p>Forgotten the password? <a routerLink="/forgot-password">Reset it by e-mail</a>.</p>
        </div>
      }
      <label>E-mail
        <input name="email" type="email" autocomplete="username" [(ngModel)]="email" (ngModelChange)="emailChanged($event)" [attr.aria-invalid]="!!errors().email" aria-describedby="email-err" required>
        @if (errors().email) { <span id="email-err" class="field-error">{{ errors().email }}</span> }
      </label>
      <label>Password
        <input name="password" type="password" autocomplete="current-password" [(ngModel)]="password" [attr.aria-invalid]="!!errors().password" aria-describedby="password-err" required>
        @if (errors().password) { <span id="password-err" class="field-error">{{ errors().password }}</span> }
      </label>
      <div class="row">
        <button type="submit" [disabled]="busy() || paused()">{{ busy() ? 'Signing in…' : paused() ? 'Sign in again in ' + wait(waitLeft()) : 'Sign in' }}</button>
        <a routerLink="/forgot-password">Forgot password?</a>
      </div>
      <p>No account yet? <a routerLink="/register">Register</a></p>
    </form>
  `,
})
export class LoginPage {
  readonly auth = inject(AuthService);
  private router = inject(Router);
  readonly returnUrl = input<string>();
  email = '';
  password = '';
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly errors = signal<Errors>({});
  readonly wait = waitLabel;
  /** 429 `login_backoff`: the address and when its sign-ins are accepted again (ms since the epoch). */
  readonly backoff = signal<{ email: string; seconds: number; until: number } | null>(null);
  private readonly now = signal(Date.now());
  /** Whole seconds of the back-off still to wait (a live countdown). */
  readonly waitLeft = computed(() => backoffSecondsLeft(this.backoff()?.until, this.now()));
  /** Sign-in waits while the back-off of the address in the field runs. */
  readonly paused = computed(() => this.waitLeft() > 0);
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stopTicker());
  }

  /** The back-off is per address: another address may sign in at once. */
  emailChanged(value: string): void {
    const b = this.backoff();
    if (b && b.email.toLowerCase() !== value.trim().toLowerCase()) this.endBackoff();
  }

  submit(): void {
    const errors = collect({ email: validateEmail(this.email), password: this.password ? null : 'Enter your password.' });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    this.endBackoff();
    this.auth.login(this.email.trim(), this.password).subscribe({
      next: (t) => {
        this.busy.set(false);
        if (t.next_action === 'complete_business_profile' && t.user.role !== 'admin') {
          void this.router.navigate(['/account/business'], { queryParams: { prompt: 1 } });
        } else {
          void this.router.navigateByUrl(this.returnUrl() || (t.user.role === 'admin' ? '/admin' : '/'));
        }
      },
      error: (e: unknown) => {
        this.busy.set(false);
        const err = toUiError(e);
        if (err.code === 'login_backoff') this.startBackoff(this.email.trim(), err.retryAfter);
        else this.error.set(err);
      },
    });
  }

  private startBackoff(email: string, retryAfter: number | undefined): void {
    // Without a usable Retry-After, wait a little rather than not at all.
    const seconds = retryAfter ?? 5;
    this.now.set(Date.now());
    this.backoff.set({ email, seconds, until: this.now() + seconds * 1000 });
    this.stopTicker();
    this.ticker = setInterval(() => {
      this.now.set(Date.now());
      if (!this.paused()) this.stopTicker();
    }, 1000);
  }

  private endBackoff(): void {
    this.backoff.set(null);
    this.stopTicker();
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}

/** Whole seconds left until `until` (ms since the epoch), never negative; 0 without a back-off. */
export function backoffSecondsLeft(until: number | undefined, now: number): number {
  return until === undefined ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}
