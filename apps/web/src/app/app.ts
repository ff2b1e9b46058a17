import { Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from './core/auth.service';
import { CartStore } from './store/cart.store';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <header class="top">
      <a class="brand" routerLink="/">Shop</a>
      <nav aria-label="Main">
        <a routerLink="/" [routerLinkActiveOptions]="{ exact: true }" routerLinkActive="active">Catalog</a>
        <a routerLink="/cart">Cart ({{ cart.count() }})</a>
        <a routerLink="/contact">Contact</a>
        @if (auth.user(); as u) {
          <a routerLink="/orders">Orders</a>
          @if (auth.isAdmin()) { <a routerLink="/admin">Admin</a> } @else { <a routerLink="/account/business">Business profile</a> }
          <a routerLink="/account" [attr.aria-label]="'Account of ' + u.name">{{ u.name }}</a>
          <button type="button" class="secondary" (click)="auth.logout()">Sign out</button>
        } @else {
          <a routerLink="/login">Sign in</a>
          <a routerLink="/register">Register</a>
        }
      </nav>
    </header>
    <main id="main"><router-outlet /></main>
  `,
})
export class App {
  readonly auth = inject(AuthService);
  readonly cart = inject(CartStore);

  constructor() {
    // Resume a kept session (refresh token) so the header knows who is signed in.
    void this.auth.restore();
  }
}
