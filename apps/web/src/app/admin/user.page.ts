import { Component, OnInit, inject, input, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { User } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';

@Component({
  selector: 'app-admin-user',
  imports: [RouterLink, ErrorBox, DatePipe],
  template: `
    <p><a routerLink="/admin/users">← Users</a></p>
    <app-error [error]="error()" />
    @if (user(); as u) {
      <h1>{{ u.name }}</h1>
      <dl class="facts" data-testid="user-facts">
        <dt>E-mail</dt><dd>{{ u.email }}</dd>
        <dt>E-mail verified</dt>
        <dd data-testid="user-verified">
          @if (u.email_verified_at) { <span class="badge active">verified</span> on {{ u.email_verified_at | date: 'medium' }} }
          @else { <span class="badge pending">not verified</span> <span class="muted">(the customer cannot order or submit a business profile yet)</span> }
        </dd>
        <dt>Role</dt><dd>{{ u.role }}</dd>
        <dt>Status</dt><dd><span class="badge {{ u.status }}">{{ u.status }}</span></dd>
        <dt>Registered</dt><dd>{{ u.created_at | date: 'medium' }}</dd>
        <dt>Id</dt><dd><code>{{ u.id }}</code></dd>
      </dl>
      <div class="row">
        @if (u.status === 'active') {
          <button type="button" class="danger" [disabled]="busy()" (click)="setActive(u, false)">Inactivate</button>
        } @else {
          <button type="button" [disabled]="busy()" (click)="setActive(u, true)">Activate</button>
        }
      </div>
      <h2>Audit log</h2>
      <ul>
        <li><a routerLink="/admin/audit" [queryParams]="{ target: u.id }">Changes to this user's business profile</a></li>
        @if (u.role === 'admin') { <li><a routerLink="/admin/audit" [queryParams]="{ actor: u.id }">Actions by this admin</a></li> }
      </ul>
    } @else if (!error()) { <p role="status">Loading…</p> }
  `,
})
export class AdminUserPage implements OnInit {
  private api = inject(ShopApi);
  readonly id = input.required<string>();
  readonly user = signal<User | null>(null);
  readonly busy = signal(false);
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void {
    this.api.adminUser(this.id()).subscribe({
      next: ({ user }) => this.user.set(user),
      error: (e: unknown) => this.error.set(toUiError(e)),
    });
  }

  setActive(u: User, active: boolean): void {
    this.busy.set(true);
    this.error.set(null);
    this.api.setUserActive(u.id, active).subscribe({
      next: ({ user }) => { this.busy.set(false); this.user.set(user); },
      error: (e: unknown) => { this.busy.set(false); this.error.set(toUiError(e)); },
    });
  }
}
