import { HttpClient, HttpHeaders, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import {
  Address, BusinessProfile, BusinessSubmission, CartItem, Category, ContactMessage, ContactStatus, Mail, NewProduct,
  NewPromotion, Order, OrderStatus, Page, Product, ProductPatch, Promotion, Quote, TaxRate, TokenResponse, User,
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
  placeOrder(quote_id: string, payment_source_id: string, idempotencyKey: string): Observable<{ order: Order }> {
    return this.http.post<{ order: Order }>(`${API}/orders`, { quote_id, payment_source_id }, {
      headers: new HttpHeaders({ 'Idempotency-Key': idempotencyKey }),
    });
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
  setUserActive(id: string, active: boolean): Observable<unknown> {
    return this.http.post(`${API}/admin/users/${encodeURIComponent(id)}/${active ? 'activate' : 'inactivate'}`, null);
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
  taxRates(): Observable<{ items: TaxRate[] }> { return this.http.get<{ items: TaxRate[] }>(`${API}/admin/tax-rates`); }
  putTaxRates(items: TaxRate[]): Observable<{ items: TaxRate[] }> {
    return this.http.put<{ items: TaxRate[] }>(`${API}/admin/tax-rates`, { items });
  }
  promotions(): Observable<Page<Promotion>> { return this.http.get<Page<Promotion>>(`${API}/admin/promotions`); }
  createPromotion(body: NewPromotion): Observable<Promotion> { return this.http.post<Promotion>(`${API}/admin/promotions`, body); }
  adminOrders(q: { status?: OrderStatus | ''; user_id?: string; cursor?: string | null }): Observable<Page<Order>> {
    return this.http.get<Page<Order>>(`${API}/admin/orders`, { params: params(q) });
  }
  adminOrder(id: string): Observable<{ order: Order }> {
    return this.http.get<{ order: Order }>(`${API}/admin/orders/${encodeURIComponent(id)}`);
  }
  orderAction(id: string, action: 'fulfill' | 'refund'): Observable<{ order: Order }> {
    return this.http.post<{ order: Order }>(`${API}/admin/orders/${encodeURIComponent(id)}/${action}`, null);
  }
  contactMessages(status: string): Observable<Page<ContactMessage>> {
    return this.http.get<Page<ContactMessage>>(`${API}/admin/contact-messages`, { params: params({ status }) });
  }
  setContactStatus(id: string, status: ContactStatus): Observable<unknown> {
    return this.http.patch(`${API}/admin/contact-messages/${encodeURIComponent(id)}`, { status });
  }
  mailbox(): Observable<Page<Mail>> { return this.http.get<Page<Mail>>(`${API}/admin/mailbox`); }
}
