import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { switchMap } from 'rxjs';
import { ShopApi } from '../core/api';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { UiError, fieldError, toUiError } from '../core/problem';
import { Errors, PASSWORD_MAX, PASSWORD_MIN, collect, required, validateEmail, validatePassword } from '../core/validation';

@Component({
  selector: 'app-register',
  imports: [FormsModule, RouterLink, ErrorBox],
  template: `
    <h1>Create an account</h1>
    <form class="stack" (ngSubmit)="submit()" novalidate>
      <app-error [error]="error()" />
      <label>Name
        <input name="name" autocomplete="name" [(ngModel)]="name" required maxlength="200">
        @if (msg('name')) { <span class="field-error">{{ msg('name') }}</span> }
      </label>
      <label>E-mail
        <input name="email" type="email" autocomplete="email" [(ngModel)]="email" required>
        @if (msg('email')) { <span class="field-error">{{ msg('email') }}</span> }
      </label>
      <label>Password ({{ min }} to {{ max }} characters)
        <input name="password" type="password" autocomplete="new-password" [(ngModel)]="password" required [attr.minlength]="min" [attr.maxlength]="max">
        @if (msg('password')) { <span class="field-error">{{ msg('password') }}</span> }
      </label>
      <div class="row"><button type="submit" [disabled]="busy()">{{ busy() ? 'Creating…' : 'Create account' }}</button></div>
      <p>Already registered? <a routerLink="/login">Sign in</a></p>
    </form>
  `,
})
export class RegisterPage {
  private api = inject(ShopApi);
  private auth = inject(AuthService);
  private router = inject(Router);
  readonly min = PASSWORD_MIN;
  readonly max = PASSWORD_MAX;
  name = '';
  email = '';
  password = '';
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);
  readonly errors = signal<Errors>({});

  msg(field: string): string | null { return this.errors()[field] ?? fieldError(this.error(), field); }

  submit(): void {
    const errors = collect({ name: required(this.name, 'Name'), email: validateEmail(this.email), password: validatePassword(this.password) });
    this.errors.set(errors);
    if (Object.keys(errors).length) return;
    this.busy.set(true);
    this.error.set(null);
    const email = this.email.trim();
    this.api.register({ email, password: this.password, name: this.name.trim() })
      .pipe(switchMap(() => this.auth.login(email, this.password)))
      .subscribe({
        next: (t) => {
          this.busy.set(false);
          void this.router.navigate(t.next_action === 'complete_business_profile' ? ['/account/business'] : ['/'],
            { queryParams: t.next_action ? { prompt: 1 } : {} });
        },
        error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
      });
  }
}
