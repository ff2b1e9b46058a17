import { Component, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';
import { PASSWORD_MAX, PASSWORD_MIN, required, validatePassword } from '../core/validation';
import { ResendVerification } from './resend-verification';

@Component({
  selector: 'app-account',
  imports: [FormsModule, RouterLink, ErrorBox, DatePipe, ResendVerification],
  template: `
    <h1>Your account</h1>
    @if (auth.user(); as u) {
      <p>{{ u.email }} · {{ u.role }} · <a routerLink="/account/business">Business profile</a></p>
      @if (u.email_verified_at) {
        <p data-testid="email-verification">E-mail address verified on {{ u.email_verified_at | date: 'mediumDate' }}.</p>
      } @else {
        <section aria-labelledby="verify-h">
          <h2 id="verify-h">Verify your e-mail address</h2>
          <p data-testid="email-verification">Your e-mail address is not verified yet. Open the link we mailed you; until then you cannot
            place orders or submit your business profile.</p>
          <app-resend-verification [email]="u.email" />
        </section>
      }
    }
    <form class="stack" (ngSubmit)="saveName()" novalidate aria-labelledby="name-h">
      <h2 id="name-h">Name</h2>
      <app-error [error]="nameError()" />
      @if (nameSaved()) { <p class="notice" role="status">Name saved.</p> }
      <label>Name <input name="name" autocomplete="name" [(ngModel)]="name" required maxlength="200"></label>
      <div class="row"><button type="submit">Save name</button></div>
    </form>
    <form class="stack" (ngSubmit)="changePassword()" novalidate aria-labelledby="pw-h">
      <h2 id="pw-h">Password</h2>
      <p class="muted">Changing it signs out your other sessions.</p>
      <app-error [error]="pwError()" />
      @if (pwSaved()) { <p class="notice" role="status">Password changed.</p> }
      <label>Current password <input name="current" type="password" autocomplete="current-password" [(ngModel)]="current"></label>
      <label>New password ({{ min }} to {{ max }} characters)
        <input name="next" type="password" autocomplete="new-password" [(ngModel)]="next" [attr.minlength]="min" [attr.maxlength]="max"></label>
      <div class="row"><button type="submit">Change password</button></div>
    </form>
  `,
})
export class AccountPage {
  private api = inject(ShopApi);
  readonly auth = inject(AuthService);
  readonly min = PASSWORD_MIN;
  readonly max = PASSWORD_MAX;
  name = this.auth.user()?.name ?? '';
  current = '';
  next = '';
  readonly nameError = signal<UiError | null>(null);
  readonly pwError = signal<UiError | null>(null);
  readonly nameSaved = signal(false);
  readonly pwSaved = signal(false);

  saveName(): void {
    this.nameSaved.set(false);
    const problem = required(this.name, 'Name');
    if (problem) { this.nameError.set({ message: problem, fields: [] }); return; }
    this.nameError.set(null);
    this.api.updateMe(this.name.trim()).subscribe({
      next: ({ user }) => { this.auth.user.set(user); this.nameSaved.set(true); },
      error: (e: unknown) => this.nameError.set(toUiError(e)),
    });
  }

  changePassword(): void {
    this.pwSaved.set(false);
    const problem = this.current ? validatePassword(this.next) : 'Enter your current password.';
    if (problem) { this.pwError.set({ message: problem, fields: [] }); return; }
    this.pwError.set(null);
    this.api.changePassword(this.current, this.next).subscribe({
      next: () => { this.current = ''; this.next = ''; this.pwSaved.set(true); },
      error: (e: unknown) => this.pwError.set(toUiError(e)),
    });
  }
}
