import { Money, OrderStatus, Payment } from './api.types';

/** "12.50" USD -> "$12.50"; amounts stay strings until shown. */
export function money(m: Money | null | undefined): string {
  if (!m) return '';
  const n = Number(m.amount);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency }).format(n);
  } catch {
    return `${m.amount} ${m.currency}`;
  }
}

export function statusLabel(s: string): string {
  return s.replace(/_/g, ' ');
}

/** An order's status as customers read it: `pending_payment` means the payment's outcome is not known yet. */
export function orderStatusLabel(s: OrderStatus): string {
  return s === 'pending_payment' ? 'Payment processing…' : statusLabel(s);
}

const PAYMENT_STATUS: Record<string, string> = {
  PENDING: 'pending',
  APPROVED: 'authorized, not captured yet',
  COMPLETED: 'captured',
  CANCELED: 'authorization voided, not charged',
  FAILED: 'failed, not charged',
  REFUNDED: 'refunded',
};

/** The payment line of an order: provider `none` (a zero total) needs no payment at all. */
export function paymentLabel(p: Payment): string {
  if (p.provider === 'none' || p.status === 'NOT_REQUIRED') return 'none needed (nothing to charge)';
  const provider = p.provider === 'square' ? 'Square' : p.provider;
  const word = PAYMENT_STATUS[p.status];
  return word ? `${provider} · ${word} (${p.status})` : `${provider} · ${p.status}`;
}

/** A wait in whole seconds, readably: "1 second", "45 seconds", "2 minutes", "1 minute 30 seconds", "1 hour 5 minutes". */
export function waitLabel(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 60) return unit(s, 'second');
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return s % 60 ? `${unit(m, 'minute')} ${unit(s % 60, 'second')}` : unit(m, 'minute');
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  // Rounding 59.5+ minutes up would read "1 hour 60 minutes".
  if (m === 60) return unit(h + 1, 'hour');
  return m ? `${unit(h, 'hour')} ${unit(m, 'minute')}` : unit(h, 'hour');
}
