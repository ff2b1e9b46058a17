import { Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
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
      <label>E-mail
        <input name="email" type="email" autocomplete="username" [(ngModel)]="email" [attr.aria-invalid]="!!errors().email" aria-describedby="email-err" required>
        @if (errors().email) { <span id="email-err" class="field-error">{{ errors().email }}</span> }
      </label>
      <label>Password
        <input name="password" type="password" autocomplete="current-password" [(ngModel)]="password" [attr.aria-invalid]="!!errors().password" aria-describedby="password-err" required>
        @if (errors().password) { <span id="password-err" class="field-error">{{ errors().password }}</span> }
      </label>
      <div class="row"><button type="submit" [disabled]="busy()">{{ busy() ? 'Signing in…' : 'Sign in' }}</button></div>
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

  submit(): void {
    const errors = collect({ email: validateEmail(this.email), password: this.password ? null : 'Enter your password.' });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    this.auth.login(this.email.trim(), this.password).subscribe({
      next: (t) => {
        this.busy.set(false);
        if (t.next_action === 'complete_business_profile' && t.user.role !== 'admin') {
          void this.router.navigate(['/account/business'], { queryParams: { prompt: 1 } });
        } else {
          void this.router.navigateByUrl(this.returnUrl() || (t.user.role === 'admin' ? '/admin' : '/'));
        }
      },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
