// Pure helpers of the admin audit page.
import { AUDIT_ACTIONS, AuditEntry } from '../core/api.types';

export interface AuditFilters { actor: string; target: string; action: string; }

/**
 * The API query for the filters: trimmed, blanks dropped. The actor filter takes a user id; an
 * actor label as the list shows it (`user:<id>`) is accepted too.
 */
export function auditQuery(f: Partial<AuditFilters>): Partial<AuditFilters> {
  const out: Partial<AuditFilters> = {};
  const actor = (f.actor ?? '').trim().replace(/^user:/, '').trim();
  const target = (f.target ?? '').trim();
  const action = (f.action ?? '').trim();
  if (actor) out.actor = actor;
  if (target) out.target = target;
  if (action && (AUDIT_ACTIONS as readonly string[]).includes(action)) out.action = action;
  return out;
}

/** The user id of an actor label (`user:<id>`), or null (`system`). */
export function actorUserId(label: string): string | null {
  return label.startsWith('user:') && label.length > 5 ? label.slice(5) : null;
}

/** The admin page of an entry's target, when there is one. */
export function targetLink(e: Pick<AuditEntry, 'target_type' | 'target_id'>): string[] | null {
  switch (e.target_type) {
    case 'order': return ['/admin/orders', e.target_id];
    case 'business_profile': return ['/admin/users', e.target_id];
    default: return null;
  }
}

/** A value of a field change as shown: absent is a dash. */
export function changeValue(v: string | null): string {
  return v ?? '—';
}

/**
 * Cursor paging with a way back: the API only gives the next page's cursor, so the cursors of the
 * pages already seen are kept (the first page has none).
 */
export class CursorPages {
  private stack: (string | null)[] = [null];

  /** The cursor of the page shown. */
  get cursor(): string | null { return this.stack[this.stack.length - 1]; }
  /** 1 for the first page. */
  get page(): number { return this.stack.length; }
  get hasPrevious(): boolean { return this.stack.length > 1; }

  /** Moves to the page `next_cursor` names; returns its cursor. */
  next(nextCursor: string): string { this.stack.push(nextCursor); return nextCursor; }
  /** Moves back one page; returns its cursor (null: the first page). */
  previous(): string | null { if (this.stack.length > 1) this.stack.pop(); return this.cursor; }
  /** Back to the first page (new filters). */
  reset(): void { this.stack = [null]; }
}
