import { Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ShopApi } from '../core/api';
import { User } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { UiError, toUiError } from '../core/problem';

@Component({
  selector: 'app-admin-users',
  imports: [FormsModule, RouterLink, ErrorBox, DatePipe],
  template: `
    <h1>Users</h1>
    <form class="row" role="search" (ngSubmit)="load()">
      <label>Search <input name="q" type="search" [(ngModel)]="q" placeholder="E-mail or name"></label>
      <label>Status
        <select name="status" [(ngModel)]="status" (ngModelChange)="load()">
          <option value="">All</option><option value="active">Active</option><option value="inactive">Inactive</option>
        </select>
      </label>
      <button type="submit">Search</button>
    </form>
    <app-error [error]="error()" />
    @if (loading()) { <p role="status">Loading…</p> }
    @else if (!users().length && !error()) { <p class="muted">No users match.</p> }
    @else {
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">E-mail</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">E-mail verified</th><th scope="col">Action</th></tr></thead>
        <tbody>
          @for (u of users(); track u.id) {
            <tr><td><a [routerLink]="['/admin/users', u.id]">{{ u.email }}</a></td><td>{{ u.name }}</td><td>{{ u.role }}</td><td><span class="badge {{ u.status }}">{{ u.status }}</span></td>
              <td [attr.data-testid]="'verified-' + u.email">
                @if (u.email_verified_at) { <span class="badge active">verified</span> <span class="muted">{{ u.email_verified_at | date: 'mediumDate' }}</span> }
                @else { <span class="badge pending">not verified</span> }
              </td>
              <td>
                @if (u.status === 'active') {
                  <button type="button" class="danger" [attr.aria-label]="'Inactivate ' + u.email" (click)="setActive(u, false)">Inactivate</button>
                } @else {
                  <button type="button" [attr.aria-label]="'Activate ' + u.email" (click)="setActive(u, true)">Activate</button>
                }
              </td></tr>
          }
        </tbody>
      </table></div>
    }
  `,
})
export class AdminUsersPage implements OnInit {
  private api = inject(ShopApi);
  q = '';
  status = '';
  readonly users = signal<User[]>([]);
  readonly loading = signal(true);
  readonly error = signal<UiError | null>(null);

  ngOnInit(): void { this.load(); }

  load(): void {
    this.error.set(null);
    this.api.adminUsers({ q: this.q.trim(), status: this.status }).subscribe({
      next: (p) => { this.users.set(p.items); this.loading.set(false); },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  setActive(u: User, active: boolean): void {
    this.error.set(null);
    this.api.setUserActive(u.id, active).subscribe({ next: () => this.load(), error: (e: unknown) => this.error.set(toUiError(e)) });
  }
}
