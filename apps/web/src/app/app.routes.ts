import { Routes } from '@angular/router';
import { adminGuard, signedInGuard } from './core/guards';

export const routes: Routes = [
  { path: '', title: 'Catalog', loadComponent: () => import('./store/catalog.page').then((m) => m.CatalogPage) },
  { path: 'products/:id', title: 'Product', loadComponent: () => import('./store/product.page').then((m) => m.ProductPage) },
  { path: 'cart', title: 'Cart', loadComponent: () => import('./store/cart.page').then((m) => m.CartPage) },
  { path: 'login', title: 'Sign in', loadComponent: () => import('./store/login.page').then((m) => m.LoginPage) },
  { path: 'register', title: 'Register', loadComponent: () => import('./store/register.page').then((m) => m.RegisterPage) },
  { path: 'verify', title: 'Verify your e-mail address', loadComponent: () => import('./store/verify.page').then((m) => m.VerifyPage) },
  { path: 'forgot-password', title: 'Forgot password', loadComponent: () => import('./store/forgot-password.page').then((m) => m.ForgotPasswordPage) },
  { path: 'reset-password', title: 'Choose a new password', loadComponent: () => import('./store/reset-password.page').then((m) => m.ResetPasswordPage) },
  { path: 'contact', title: 'Contact', loadComponent: () => import('./store/contact.page').then((m) => m.ContactPage) },
  { path: 'account', title: 'Account', canActivate: [signedInGuard], loadComponent: () => import('./store/account.page').then((m) => m.AccountPage) },
  { path: 'account/business', title: 'Business profile', canActivate: [signedInGuard], loadComponent: () => import('./store/business.page').then((m) => m.BusinessPage) },
  { path: 'checkout', title: 'Checkout', canActivate: [signedInGuard], loadComponent: () => import('./store/checkout.page').then((m) => m.CheckoutPage) },
  { path: 'orders', title: 'Orders', canActivate: [signedInGuard], loadComponent: () => import('./store/orders.page').then((m) => m.OrdersPage) },
  { path: 'orders/:id', title: 'Order', canActivate: [signedInGuard], loadComponent: () => import('./store/order.page').then((m) => m.OrderPage) },
  {
    path: 'admin', canActivate: [adminGuard],
    loadComponent: () => import('./admin/admin.shell').then((m) => m.AdminShell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'orders' },
      { path: 'orders', title: 'Admin · Orders', loadComponent: () => import('./admin/orders.page').then((m) => m.AdminOrdersPage) },
      { path: 'orders/:id', title: 'Admin · Order', loadComponent: () => import('./admin/order.page').then((m) => m.AdminOrderPage) },
      { path: 'users', title: 'Admin · Users', loadComponent: () => import('./admin/users.page').then((m) => m.AdminUsersPage) },
      { path: 'users/:id', title: 'Admin · User', loadComponent: () => import('./admin/user.page').then((m) => m.AdminUserPage) },
      { path: 'businesses', title: 'Admin · Business approvals', loadComponent: () => import('./admin/businesses.page').then((m) => m.AdminBusinessesPage) },
      { path: 'catalog', title: 'Admin · Catalog', loadComponent: () => import('./admin/catalog.page').then((m) => m.AdminCatalogPage) },
      { path: 'tax', title: 'Admin · Tax rates', loadComponent: () => import('./admin/tax.page').then((m) => m.AdminTaxPage) },
      { path: 'promotions', title: 'Admin · Promotions', loadComponent: () => import('./admin/promotions.page').then((m) => m.AdminPromotionsPage) },
      { path: 'contact', title: 'Admin · Contact messages', loadComponent: () => import('./admin/contact.page').then((m) => m.AdminContactPage) },
      { path: 'mail', title: 'Admin · Mail delivery', loadComponent: () => import('./admin/mail.page').then((m) => m.AdminMailPage) },
      { path: 'audit', title: 'Admin · Audit log', loadComponent: () => import('./admin/audit.page').then((m) => m.AdminAuditPage) },
      { path: 'mailbox', title: 'Admin · Mailbox', loadComponent: () => import('./admin/mailbox.page').then((m) => m.AdminMailboxPage) },
    ],
  },
  { path: '**', title: 'Not found', loadComponent: () => import('./store/not-found.page').then((m) => m.NotFoundPage) },
];
