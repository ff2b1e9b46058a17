// Types of the shop REST API v1 (../shared/API.md, apps/api/src/dto).
export interface Money { amount: string; currency: string; }
export type Role = 'customer' | 'admin';
export type AccountStatus = 'active' | 'inactive';
export interface User {
  id: string; email: string; name: string; role: Role; status: AccountStatus; created_at: string;
  /** When the address was verified through the mailed link; null while it is not. */
  email_verified_at?: string | null;
}
export type BusinessStatus = 'none' | 'pending' | 'approved' | 'rejected';
export interface TokenResponse {
  access_token: string; token_type: 'Bearer'; expires_in: number; refresh_token: string;
  user: User; business_status: BusinessStatus; next_action: 'complete_business_profile' | null;
}
export interface Address { line1: string; line2?: string | null; city: string; region: string; postal_code: string; country: string; }
export interface Certificate { number: string; region: string; expires_on: string; }
export interface BusinessProfile {
  user_id?: string; status: BusinessStatus; legal_name: string | null; tax_id: string | null; phone: string | null;
  address: Address | null; tax_exempt_requested: boolean | null; exemption_certificate: Certificate | null;
  tax_exempt_granted?: boolean | null; rejection_reason: string | null; reviewed_at: string | null; submitted_at?: string | null;
}
export interface BusinessSubmission {
  legal_name: string; tax_id: string; phone: string; address: Address; tax_exempt_requested: boolean;
  exemption_certificate: Certificate | null;
}
export interface Page<T> { items: T[]; next_cursor: string | null; }
export interface Category { id: string; slug: string; name: string; }
export interface Product {
  id: string; sku: string; name: string; description: string; category_id: string | null; price: Money;
  in_stock: boolean; stock: number; active?: boolean; created_at?: string;
}
export interface CartItem { product_id: string; quantity: number; }
export interface QuoteLine {
  product_id: string; sku: string; name: string; unit_price: Money; quantity: number;
  subtotal: Money; discount: Money; tax: Money; total: Money;
}
export interface Quote {
  quote_id: string; expires_at: string; currency: string; lines: QuoteLine[]; subtotal: Money; discount_total: Money;
  tax_total: Money; shipping_total?: Money; total: Money; tax_exempt: boolean; promo_code: string | null; ship_to?: Address;
}
export type OrderStatus = 'pending_payment' | 'authorized' | 'paid' | 'fulfilled' | 'payment_failed' | 'canceled' | 'refunded';
/** Orders an admin can still requeue (their payment is not settled yet). */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['pending_payment', 'authorized'];
export type PaymentProvider = 'square' | 'none';
/** `CANCELED`: the authorization was voided; `NOT_REQUIRED`: the total was 0 (provider `none`). */
export type PaymentStatus = 'PENDING' | 'APPROVED' | 'COMPLETED' | 'CANCELED' | 'FAILED' | 'REFUNDED' | 'NOT_REQUIRED';
export interface Payment { provider: PaymentProvider; payment_id: string | null; status: PaymentStatus; }
export interface Order {
  id: string; number: string; user_id?: string; status: OrderStatus; created_at: string; currency?: string; lines: QuoteLine[];
  subtotal: Money; discount_total: Money; tax_total: Money; shipping_total?: Money; total: Money; tax_exempt: boolean;
  promo_code?: string | null; ship_to: Address; payment: Payment;
  history: { status: OrderStatus; at: string; by: string; note?: string | null }[];
}
export type FinalizationState = 'queued' | 'running' | 'done' | 'dead';
/** An order's finalization workflow (`dead`: it gave up and needs an admin). */
export interface Finalization { state: FinalizationState; attempts: number; last_error: string | null; next_attempt_at: string | null; }
/** Set when the capture kept failing or the workflow stopped; admins were mailed. */
export interface OrderAlert { at: string; reason: string; }
/** An order as admins see it (`GET /admin/orders`, `/admin/orders/{id}`, retry-finalization). */
export interface AdminOrder extends Order { finalization: Finalization | null; alert: OrderAlert | null; }
/**
 * `POST /orders` answered: 201 created (`authorized` or, for a zero total, `paid`), 200 a replay of
 * the same Idempotency-Key, 202 accepted with the payment's outcome unknown (`pending_payment`).
 */
export interface PlacedOrder { order: Order; httpStatus: 200 | 201 | 202; location: string | null; }
export interface TaxRate { country: string; region: string; rate: string; }
export interface Promotion {
  id: string; code: string; kind: 'percent' | 'fixed'; value: string; min_subtotal: string | null;
  starts_at: string | null; ends_at: string | null; max_uses: number | null; uses: number; created_at: string;
}
export interface NewPromotion {
  code: string; kind: 'percent' | 'fixed'; value: string; min_subtotal?: string; starts_at?: string; ends_at?: string; max_uses?: number;
}
export type ContactStatus = 'new' | 'read' | 'archived';
export interface ContactMessage {
  id: string; user_id: string | null; name: string; email: string; subject: string; message: string; status: ContactStatus; created_at: string;
}
export interface Mail { message_id: string; from: string; to: string; subject: string; text: string; html: string; sent_at: string; }
export interface NewProduct { sku: string; name: string; description: string; category_id: string | null; price: string; stock: number; active: boolean; }
/** Stock is not patchable: it changes through stock adjustments (and orders). */
export interface ProductPatch { name?: string; description?: string; price?: string; active?: boolean; category_id?: string | null; }
export type StockMovementKind = 'initial' | 'adjustment' | 'order_reserved' | 'order_released';
export interface StockMovement {
  id: string; product_id: string; delta: number; stock_after: number; kind: StockMovementKind;
  reason: string | null; order_id: string | null; /** `user:<id>` or `system`. */ by: string; at: string;
}
export interface StockAdjustment { delta: number; reason: string; }
/** A mail in the shop's outbox (`GET /admin/mail`). */
export interface OutboxMail {
  id: string; message_id: string; to: string; subject: string; created_at: string; sent_at: string | null;
  /** Its delivery job (`state` as the job queue names it: queued, running, done, dead); null when there is none. */
  delivery: { state: string; attempts: number; last_error: string | null; next_attempt_at: string | null } | null;
}
export type OutboxStatus = 'unsent' | 'sent';
/** `202` of resend-verification and password-reset: the same whether or not the address has an account. */
export interface MailAccepted { message: string; }
/** One field of an audited record as it was and as it became (null: absent). */
export interface AuditChange { field: string; before: string | null; after: string | null; }
/** One admin action in the audit trail (`GET /admin/audit`). */
export interface AuditEntry {
  id: string; at: string; /** `user:<id>` or `system`. */ actor: string; /** e.g. `product.update`. */ action: string;
  target_type: string; target_id: string; changes: AuditChange[]; request_id: string | null; client_ip: string | null;
}
/** The audit actions the API knows (its `action` filter refuses any other). */
export const AUDIT_ACTIONS = [
  'category.create', 'product.create', 'product.update', 'stock.adjust', 'tax_rates.replace', 'promotion.create',
  'business.approve', 'business.reject', 'business.revoke_exemption', 'order.fulfill', 'order.refund',
  'order.retry_finalization', 'user.inactivate', 'user.activate', 'contact_message.update', 'mail.resend',
  'login.backoff', 'password.change', 'password.reset', 'refresh_token.reuse',
] as const;
/** RFC 9457 problem document as the API sends it. */
export interface Problem {
  type?: string; title?: string; status?: number; detail?: string; code?: string;
  errors?: { field: string; message: string }[];
  /** `quote_used` (409): the live order the quote already became. */
  order_id?: string;
}
