import { Money } from './api.types';

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
