import { Component } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

@Component({
  selector: 'app-admin-shell',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <nav aria-label="Admin" class="row" style="margin-bottom:1rem">
      <strong>Admin:</strong>
      <a routerLink="orders" routerLinkActive="active">Orders</a>
      <a routerLink="users" routerLinkActive="active">Users</a>
      <a routerLink="businesses" routerLinkActive="active">Approvals</a>
      <a routerLink="catalog" routerLinkActive="active">Catalog</a>
      <a routerLink="tax" routerLinkActive="active">Tax rates</a>
      <a routerLink="promotions" routerLinkActive="active">Promotions</a>
      <a routerLink="contact" routerLinkActive="active">Messages</a>
      <a routerLink="mail" routerLinkActive="active">Mail delivery</a>
      <a routerLink="mailbox" routerLinkActive="active">Mailbox</a>
      <a routerLink="audit" routerLinkActive="active">Audit log</a>
    </nav>
    <router-outlet />
  `,
})
export class AdminShell {}
