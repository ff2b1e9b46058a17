import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { AuditEntry, User } from '../core/api.types';
import { CursorPages, actorUserId, auditQuery, changeValue, targetLink } from './audit';
import { AdminAuditPage } from './audit.page';
import { AdminUserPage } from './user.page';
import { AdminUsersPage } from './users.page';

const entry = (id: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id, at: '2030-01-01T00:00:00Z', actor: 'user:admin-1', action: 'product.update', target_type: 'product', target_id: 'p1',
  changes: [{ field: 'price', before: '10.00', after: '12.00' }], request_id: 'req-1', client_ip: '127.0.0.1', ...extra,
});
const user = (extra: Partial<User> = {}): User => ({
  id: 'u1', email: 'casey@example.com', name: 'Casey', role: 'customer', status: 'active', created_at: '2030-01-01T00:00:00Z',
  email_verified_at: null, ...extra,
});

describe('audit helpers', () => {
  it('builds the query from the filters', () => {
    expect(auditQuery({ actor: ' ', target: '', action: '' })).toEqual({});
    expect(auditQuery({ actor: ' user:a1 ', target: ' p1 ', action: 'product.update' })).toEqual({ actor: 'a1', target: 'p1', action: 'product.update' });
    expect(auditQuery({ actor: 'a1' })).toEqual({ actor: 'a1' });
    // An action the API does not know is dropped rather than answered with 422.
    expect(auditQuery({ action: 'user.delete' })).toEqual({});
  });

  it('names user actors and links known targets', () => {
    expect(actorUserId('user:a1')).toBe('a1');
    expect(actorUserId('system')).toBeNull();
    expect(actorUserId('user:')).toBeNull();
    expect(targetLink({ target_type: 'order', target_id: 'o1' })).toEqual(['/admin/orders', 'o1']);
    expect(targetLink({ target_type: 'business_profile', target_id: 'u1' })).toEqual(['/admin/users', 'u1']);
    expect(targetLink({ target_type: 'product', target_id: 'p1' })).toBeNull();
    expect(changeValue(null)).toBe('—');
    expect(changeValue('')).toBe('');
  });

  it('keeps the cursors of the pages seen', () => {
    const p = new CursorPages();
    expect([p.cursor, p.page, p.hasPrevious]).toEqual([null, 1, false]);
    p.next('c2');
    p.next('c3');
    expect([p.cursor, p.page, p.hasPrevious]).toEqual(['c3', 3, true]);
    expect(p.previous()).toBe('c2');
    expect(p.previous()).toBeNull();
    expect(p.previous()).toBeNull();
    expect(p.page).toBe(1);
    p.next('c2');
    p.reset();
    expect([p.cursor, p.page]).toEqual([null, 1]);
  });
});

describe('AdminAuditPage', () => {
  async function setup(inputs: Record<string, string> = {}) {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const router = TestBed.inject(Router);
    vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const fixture = TestBed.createComponent(AdminAuditPage);
    for (const [k, v] of Object.entries(inputs)) fixture.componentRef.setInput(k, v);
    await fixture.whenStable();
    return { fixture, router, ctl: TestBed.inject(HttpTestingController), el: fixture.nativeElement as HTMLElement };
  }
  const list = (ctl: HttpTestingController) => ctl.expectOne((r) => r.url === '/api/v1/admin/audit');
  const button = (el: HTMLElement, text: string) => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.trim() === text)!;

  it('lists entries with their changes and pages by cursor, forth and back', async () => {
    const { fixture, ctl, el } = await setup();
    const first = list(ctl);
    expect(first.request.params.get('limit')).toBe('20');
    expect(first.request.params.has('cursor')).toBe(false);
    first.flush({ items: [entry('e1'), entry('e2', { actor: 'system', action: 'order.fulfill', target_type: 'order', target_id: 'o7', changes: [] })], next_cursor: 'c2' });
    await fixture.whenStable();
    const rows = [...el.querySelectorAll('[data-testid=audit-entries] tbody tr')];
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('product.update');
    expect(rows[0].textContent).toContain('price: 10.00 → 12.00');
    expect(rows[0].querySelector('a')!.getAttribute('href')).toBe('/admin/users/admin-1');
    expect(rows[1].querySelector('a')!.getAttribute('href')).toBe('/admin/orders/o7');
    expect(button(el, 'Previous page').disabled).toBe(true);

    button(el, 'Next page').click();
    const second = list(ctl);
    expect(second.request.params.get('cursor')).toBe('c2');
    second.flush({ items: [entry('e3')], next_cursor: null });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=audit-page]')!.textContent).toContain('Page 2');
    expect(button(el, 'Next page').disabled).toBe(true);

    button(el, 'Previous page').click();
    const back = list(ctl);
    expect(back.request.params.has('cursor')).toBe(false);
    back.flush({ items: [entry('e1')], next_cursor: 'c2' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=audit-page]')!.textContent).toContain('Page 1');
  });

  it('takes its filters from the address and puts new ones there', async () => {
    const { fixture, ctl, el, router } = await setup({ target: 'p1', action: 'stock.adjust' });
    const req = list(ctl);
    expect(req.request.params.get('target')).toBe('p1');
    expect(req.request.params.get('action')).toBe('stock.adjust');
    expect(req.request.params.has('actor')).toBe(false);
    req.flush({ items: [], next_cursor: null });
    await fixture.whenStable();
    expect(el.textContent).toContain('No audit entries match.');
    const actor = el.querySelector<HTMLInputElement>('input[name=actor]')!;
    actor.value = 'user:a9';
    actor.dispatchEvent(new Event('input'));
    button(el, 'Filter').click();
    expect(router.navigate).toHaveBeenCalledWith([], { queryParams: { actor: 'a9', target: 'p1', action: 'stock.adjust' } });
  });

  it('shows a refused filter readably', async () => {
    const { fixture, ctl, el } = await setup();
    list(ctl).flush(
      { title: 'Validation failed', detail: 'The request is invalid.', code: 'validation_failed', errors: [{ field: 'cursor', message: 'is not a valid cursor' }] },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('cursor: is not a valid cursor');
  });
});

describe('admin users: verification state', () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] }));

  it('the list shows who verified their address', async () => {
    const fixture = TestBed.createComponent(AdminUsersPage);
    await fixture.whenStable();
    TestBed.inject(HttpTestingController).expectOne((r) => r.url === '/api/v1/admin/users').flush({
      items: [user(), user({ id: 'u2', email: 'dana@example.com', email_verified_at: '2030-01-02T10:00:00Z' })], next_cursor: null,
    });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="verified-casey@example.com"]')!.textContent).toContain('not verified');
    expect(el.querySelector('[data-testid="verified-dana@example.com"]')!.textContent).toContain('verified');
    expect(el.querySelector('[data-testid="verified-dana@example.com"]')!.textContent).not.toContain('not verified');
    expect(el.querySelector('a[href="/admin/users/u2"]')!.textContent).toBe('dana@example.com');
  });

  it('the detail shows the verification time and links to the audit log', async () => {
    const fixture = TestBed.createComponent(AdminUserPage);
    fixture.componentRef.setInput('id', 'u2');
    await fixture.whenStable();
    const ctl = TestBed.inject(HttpTestingController);
    ctl.expectOne('/api/v1/admin/users/u2').flush({ user: user({ id: 'u2', email_verified_at: '2030-01-02T10:00:00Z' }) });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=user-verified]')!.textContent).toContain('verified on Jan 2, 2030');
    expect(el.querySelector('a[href="/admin/audit?target=u2"]')).not.toBeNull();
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.trim() === 'Inactivate')!.click();
    ctl.expectOne('/api/v1/admin/users/u2/inactivate').flush({ user: user({ id: 'u2', status: 'inactive', email_verified_at: '2030-01-02T10:00:00Z' }) });
    await fixture.whenStable();
    expect(el.textContent).toContain('inactive');
    expect([...el.querySelectorAll('button')].some((b) => b.textContent!.trim() === 'Activate')).toBe(true);
  });
});
