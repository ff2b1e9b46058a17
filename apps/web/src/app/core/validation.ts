// Client-side checks mirroring the API's own (it re-checks everything).
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

export type Errors = Record<string, string>;

export function validateEmail(v: string): string | null {
  const s = v.trim();
  if (!s) return 'Enter your e-mail address.';
  if (s.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) return 'Enter a valid e-mail address.';
  return null;
}

export function validatePassword(v: string): string | null {
  const n = [...v].length;
  if (n < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (n > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return null;
}

export function required(v: string | null | undefined, label: string, max = 200): string | null {
  const s = (v ?? '').trim();
  if (!s) return `${label} is required.`;
  if (s.length > max) return `${label} must be at most ${max} characters.`;
  return null;
}

/** A decimal string such as "12.50" (not negative). */
export function validateDecimal(v: string, label: string): string | null {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) return `${label} must be a number such as 12.50.`;
  return null;
}

export function validateCountry(v: string): string | null {
  return /^[A-Za-z]{2}$/.test(v.trim()) ? null : 'Country is a two-letter code such as US.';
}

/** Keeps only the messages that are set. */
export function collect(checks: Record<string, string | null>): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(checks)) if (v) out[k] = v;
  return out;
}

/** A stock adjustment's delta: a whole number, not 0, negative to take stock out. */
export function validateStockDelta(v: unknown): string | null {
  const s = String(v ?? '').trim();
  if (!/^[+-]?\d+$/.test(s)) return 'Change must be a whole number such as 5 or -2.';
  const n = Number(s);
  if (n === 0) return 'Change cannot be 0.';
  if (!Number.isSafeInteger(n)) return 'Change is too large.';
  return null;
}

/** A stock adjustment's reason: 1 to 200 characters (counted as the API counts them, by code point). */
export const REASON_MAX = 200;
export function validateReason(v: string | null | undefined): string | null {
  const n = [...(v ?? '').trim()].length;
  if (!n) return 'Give a reason for the change.';
  if (n > REASON_MAX) return `Keep the reason to ${REASON_MAX} characters.`;
  return null;
}
