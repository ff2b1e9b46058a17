import { HttpClient, HttpHeaders, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import {
  Address, AdminOrder, AuditEntry, BusinessProfile, BusinessSubmission, CartItem, Category, ContactMessage, ContactStatus, Mail, MailAccepted, NewProduct,
  NewPromotion, Order, OrderStatus, OutboxMail, OutboxStatus, Page, PlacedOrder, Product, ProductPatch, Promotion, Quote,
  StockAdjustment, StockMovement, TaxRate, TokenResponse, User,
} from './api.types';

export const API = '/api/v1';

function params(q: Record<string, string | number | null | undefined>): HttpParams {
  let p = new HttpParams();
  for (const [k, v] of Object.entries(q)) if (v !== null && v !== undefined && v !== '') p = p.set(k, String(v));
  return p;
}

/** Typed client of the shop REST API v1. */
@Injectable({ providedIn: 'root' })
export class ShopApi {
  private http = inject(HttpClient);

  // Accounts
  register(body: { email: string; password: string; name: string }): Observable<{ user: User }> {
    return this.http.post<{ user: User }>(`${API}/auth/register`, body);
  }
  login(body: { email: string; password: string }): Observable<TokenResponse> {
    return this.http.post<TokenResponse>(`${API}/auth/login`, body);
  }
  refresh(refresh_token: string): Observable<TokenResponse> {
    return this.http.post<TokenResponse>(`${API}/auth/refresh`, { refresh_token });
  }
  logout(): Observable<void> { return this.http.post<void>(`${API}/auth/logout`, null); }
  me(): Observable<{ user: User }> { return this.http.get<{ user: User }>(`${API}/me`); }
  updateMe(name: string): Observable<{ user: User }> { return this.http.patch<{ user: User }>(`${API}/me`, { name }); }
  changePassword(current_password: string, new_password: string): Observable<void> {
    return this.http.post<void>(`${API}/me/password`, { current_password, new_password });
  }

  /** Uses the link of a verification mail (400 `token_invalid`: unknown, used or expired). */
  verifyEmail(token: string): Observable<{ user: User }> {
    return this.http.post<{ user: User }>(`${API}/auth/verify-email`, { token });
  }
  /** Mails a new verification link when the address has an unverified account (202 either way). */
  resendVerification(email: string): Observable<MailAccepted> {
    return this.http.post<MailAccepted>(`${API}/auth/resend-verification`, { email });
  }
  /** Mails a password reset link when the address has an account (202 either way). */
  requestPasswordReset(email: string): Observable<MailAccepted> {
    return this.http.post<MailAccepted>(`${API}/auth/password-reset`, { email });
  }
  /** Sets the new password with a reset link's token (204); every session of the account ends. */
  confirmPasswordReset(token: string, new_password: string): Observable<void> {
    return this.http.post<void>(`${API}/auth/password-reset/confirm`, { token, new_password });
  }

  // Business profile
  business(): Observable<BusinessProfile> { return this.http.get<BusinessProfile>(`${API}/me/business`); }
  submitBusiness(body: BusinessSubmission): Observable<BusinessProfile> {
    return this.http.put<BusinessProfile>(`${API}/me/business`, body);
  }

  // Catalog
  categories(): Observable<{ items: Category[] }> { return this.http.get<{ items: Category[] }>(`${API}/categories`); }
  products(q: { category?: string; q?: string; limit?: number; cursor?: string | null }): Observable<Page<Product>> {
    return this.http.get<Page<Product>>(`${API}/products`, { params: params(q) });
  }
  product(id: string): Observable<Product> { return this.http.get<Product>(`${API}/products/${encodeURIComponent(id)}`); }

  // Checkout and orders
  quote(body: { items: CartItem[]; promo_code?: string; ship_to: Address }): Observable<Quote> {
    return this.http.post<Quote>(`${API}/checkout/quote`, body);
  }
  /**
   * Places the order. Resolves on 201 (created), 200 (a replay of this key) and 202 (accepted, the
   * payment's outcome not known yet: follow the order until it leaves `pending_payment`).
   * Errors (402 `payment_declined`, 409 `quote_used` with `order_id`, ...) arrive as HttpErrorResponse.
   */
  placeOrder(quote_id: string, payment_source_id: string, idempotencyKey: string): Observable<PlacedOrder> {
    return this.http.post<{ order: Order }>(`${API}/orders`, { quote_id, payment_source_id }, {
      headers: new HttpHeaders({ 'Idempotency-Key': idempotencyKey }),
      observe: 'response',
    }).pipe(map((r) => ({
      order: r.body!.order,
      httpStatus: (r.status === 200 || r.status === 202 ? r.status : 201) as PlacedOrder['httpStatus'],
      location: r.headers.get('Location'),
    })));
  }
  orders(cursor?: string | null): Observable<Page<Order>> {
    return this.http.get<Page<Order>>(`${API}/orders`, { params: params({ cursor }) });
  }
  order(id: string): Observable<{ order: Order }> { return this.http.get<{ order: Order }>(`${API}/orders/${encodeURIComponent(id)}`); }
  cancelOrder(id: string): Observable<{ order: Order }> {
    return this.http.post<{ order: Order }>(`${API}/orders/${encodeURIComponent(id)}/cancel`, null);
  }

  // Contact
  contact(body: { name: string; email: string; subject: string; message: string }): Observable<{ id: string }> {
    return this.http.post<{ id: string }>(`${API}/contact`, body);
  }

  // Admin
  adminUsers(q: { q?: string; status?: string; cursor?: string | null }): Observable<Page<User>> {
    return this.http.get<Page<User>>(`${API}/admin/users`, { params: params(q) });
  }
  adminUser(id: string): Observable<{ user: User }> {
    return this.http.get<{ user: User }>(`${API}/admin/users/${encodeURIComponent(id)}`);
  }
  setUserActive(id: string, active: boolean): Observable<{ user: User }> {
    return this.http.post<{ user: User }>(`${API}/admin/users/${encodeURIComponent(id)}/${active ? 'activate' : 'inactivate'}`, null);
  }
  adminBusinesses(status: string): Observable<Page<BusinessProfile>> {
    return this.http.get<Page<BusinessProfile>>(`${API}/admin/businesses`, { params: params({ status }) });
  }
  approveBusiness(userId: string, tax_exempt: boolean): Observable<unknown> {
    return this.http.post(`${API}/admin/businesses/${encodeURIComponent(userId)}/approve`, { tax_exempt });
  }
  rejectBusiness(userId: string, reason: string): Observable<unknown> {
    return this.http.post(`${API}/admin/businesses/${encodeURIComponent(userId)}/reject`, { reason });
  }
  createCategory(body: { slug: string; name: string }): Observable<Category> {
    return this.http.post<Category>(`${API}/admin/categories`, body);
  }
  adminProducts(cursor?: string | null): Observable<Page<Product>> {
    return this.http.get<Page<Product>>(`${API}/admin/products`, { params: params({ cursor, limit: 100 }) });
  }
  createProduct(body: NewProduct): Observable<Product> { return this.http.post<Product>(`${API}/admin/products`, body); }
  patchProduct(id: string, body: ProductPatch): Observable<Product> {
    return this.http.patch<Product>(`${API}/admin/products/${encodeURIComponent(id)}`, body);
  }
  adjustStock(id: string, body: StockAdjustment): Observable<{ movement: StockMovement; product: Product }> {
    return this.http.post<{ movement: StockMovement; product: Product }>(`${API}/admin/products/${encodeURIComponent(id)}/stock-adjustments`, body);
  }
  stockMovements(id: string, q: { limit?: number; cursor?: string | null } = {}): Observable<Page<StockMovement>> {
    return this.http.get<Page<StockMovement>>(`${API}/admin/products/${encodeURIComponent(id)}/stock-movements`, { params: params(q) });
  }
  taxRates(): Observable<{ items: TaxRate[] }> { return this.http.get<{ items: TaxRate[] }>(`${API}/admin/tax-rates`); }
  putTaxRates(items: TaxRate[]): Observable<{ items: TaxRate[] }> {
    return this.http.put<{ items: TaxRate[] }>(`${API}/admin/tax-rates`, { items });
  }
  promotions(): Observable<Page<Promotion>> { return this.http.get<Page<Promotion>>(`${API}/admin/promotions`); }
  createPromotion(body: NewPromotion): Observable<Promotion> { return this.http.post<Promotion>(`${API}/admin/promotions`, body); }
  adminOrders(q: { status?: OrderStatus | ''; user_id?: string; cursor?: string | null }): Observable<Page<AdminOrder>> {
    return this.http.get<Page<AdminOrder>>(`${API}/admin/orders`, { params: params(q) });
  }
  adminOrder(id: string): Observable<{ order: AdminOrder }> {
    return this.http.get<{ order: AdminOrder }>(`${API}/admin/orders/${encodeURIComponent(id)}`);
  }
  /** Answers the plain order (without `finalization` and `alert`). */
  orderAction(id: string, action: 'fulfill' | 'refund'): Observable<{ order: Order }> {
    return this.http.post<{ order: Order }>(`${API}/admin/orders/${encodeURIComponent(id)}/${action}`, null);
  }
  /** Requeues an open order's finalization, due now, and clears its alert (409 `invalid_order_state` otherwise). */
  retryFinalization(id: string): Observable<{ order: AdminOrder }> {
    return this.http.post<{ order: AdminOrder }>(`${API}/admin/orders/${encodeURIComponent(id)}/retry-finalization`, null);
  }
  contactMessages(status: string): Observable<Page<ContactMessage>> {
    return this.http.get<Page<ContactMessage>>(`${API}/admin/contact-messages`, { params: params({ status }) });
  }
  setContactStatus(id: string, status: ContactStatus): Observable<unknown> {
    return this.http.patch(`${API}/admin/contact-messages/${encodeURIComponent(id)}`, { status });
  }
  /** The audit trail, newest first; `actor` is a user id, `target` a record id, `action` one of AUDIT_ACTIONS. */
  audit(q: { actor?: string; target?: string; action?: string; limit?: number; cursor?: string | null } = {}): Observable<Page<AuditEntry>> {
    return this.http.get<Page<AuditEntry>>(`${API}/admin/audit`, { params: params(q) });
  }
  mailbox(): Observable<Page<Mail>> { return this.http.get<Page<Mail>>(`${API}/admin/mailbox`); }
  /** The outbox: `unsent` (the default) or `sent` mail, with each one's delivery job. */
  outbox(q: { status?: OutboxStatus; limit?: number; cursor?: string | null } = {}): Observable<Page<OutboxMail>> {
    return this.http.get<Page<OutboxMail>>(`${API}/admin/mail`, { params: params(q) });
  }
  /** Requeues an unsent mail's delivery, due now (409 `mail_already_sent`). */
  resendMail(id: string): Observable<{ mail: OutboxMail }> {
    return this.http.post<{ mail: OutboxMail }>(`${API}/admin/mail/${encodeURIComponent(id)}/resend`, null);
  }
}
