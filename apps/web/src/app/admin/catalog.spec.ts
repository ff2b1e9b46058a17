import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Product, StockMovement } from '../core/api.types';
import { AdminCatalogPage } from './catalog.page';

const hammer: Product = {
  id: 'p1', sku: 'HAM-1', name: 'Claw hammer', description: 'A hammer.', category_id: null, price: { amount: '24.50', currency: 'USD' },
  in_stock: true, stock: 10, active: true,
};
const movement = (id: string, delta: number, stock_after: number, extra: Partial<StockMovement> = {}): StockMovement => ({
  id, product_id: 'p1', delta, stock_after, kind: 'adjustment', reason: null, order_id: null, by: 'user:a1', at: '2030-01-01T00:00:00Z', ...extra,
});

describe('AdminCatalogPage', () => {
  async function setup() {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const fixture = TestBed.createComponent(AdminCatalogPage);
    const ctl = TestBed.inject(HttpTestingController);
    await fixture.whenStable();
    ctl.expectOne('/api/v1/categories').flush({ items: [] });
    ctl.expectOne((r) => r.url === '/api/v1/admin/products').flush({ items: [hammer], next_cursor: null });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const click = (name: string) => [...el.querySelectorAll<HTMLButtonElement>('button')]
      .find((b) => (b.getAttribute('aria-label') ?? b.textContent!.trim()) === name)!.click();
    const type = (sel: string, v: string) => {
      const i = el.querySelector<HTMLInputElement>(sel)!;
      i.value = v;
      i.dispatchEvent(new Event('input'));
    };
    return { fixture, el, ctl, click, type };
  }

  it('creates a product with its initial stock but never patches stock', async () => {
    const { fixture, el, ctl, click, type } = await setup();
    expect(el.querySelector('label input[name=stock]')!.closest('label')!.textContent).toContain('Initial stock');
    type('input[name=sku]', 'SAW-1');
    type('input[name=name]', 'Hand saw');
    type('input[name=price]', '31.00');
    type('input[name=stock]', '4');
    click('Create product');
    const create = ctl.expectOne('/api/v1/admin/products');
    expect(create.request.body).toMatchObject({ sku: 'SAW-1', name: 'Hand saw', price: '31.00', stock: 4 });
    create.flush({ ...hammer, id: 'p2' }, { status: 201, statusText: 'Created' });
    ctl.expectOne('/api/v1/categories').flush({ items: [] });
    ctl.expectOne((r) => r.url === '/api/v1/admin/products').flush({ items: [hammer], next_cursor: null });
    await fixture.whenStable();

    click('Edit Claw hammer');
    await fixture.whenStable();
    expect(el.querySelector('input[name=stock]')).toBeNull();
    type('input[name=price]', '25.00');
    click('Save product');
    const patch = ctl.expectOne('/api/v1/admin/products/p1');
    expect(patch.request.method).toBe('PATCH');
    expect(patch.request.body).toEqual({ name: 'Claw hammer', description: 'A hammer.', category_id: null, price: '25.00', active: true });
    expect('stock' in patch.request.body).toBe(false);
  });

  it('adjusts stock with a reason and lists the movements, linking orders, paged', async () => {
    const { fixture, el, ctl, click, type } = await setup();
    click('Stock of Claw hammer');
    await fixture.whenStable();
    const first = ctl.expectOne((r) => r.url === '/api/v1/admin/products/p1/stock-movements');
    expect(first.request.params.has('cursor')).toBe(false);
    first.flush({
      items: [
        movement('m2', -2, 10, { kind: 'order_reserved', order_id: 'o1', by: 'system' }),
        movement('m1', 12, 12, { kind: 'initial' }),
      ],
      next_cursor: 'c2',
    });
    await fixture.whenStable();
    const panel = el.querySelector<HTMLElement>('[data-testid=stock-panel]')!;
    expect(document.activeElement?.id).toBe('stock-h');
    const rows = () => [...panel.querySelectorAll('[data-testid=stock-history] tbody tr')];
    expect(rows()).toHaveLength(2);
    expect(rows()[0].textContent).toContain('Reserved by an order');
    expect(rows()[0].querySelector('a')!.getAttribute('href')).toBe('/admin/orders/o1');
    expect(rows()[1].querySelector('a')).toBeNull();

    click('Older movements');
    const older = ctl.expectOne((r) => r.url === '/api/v1/admin/products/p1/stock-movements');
    expect(older.request.params.get('cursor')).toBe('c2');
    older.flush({ items: [movement('m0', 1, 1)], next_cursor: null });
    await fixture.whenStable();
    expect(rows()).toHaveLength(3);
    expect(el.textContent).not.toContain('Older movements');

    // Checked before sending: a 0 change and a missing reason.
    type('input[name=delta]', '0');
    click('Adjust stock');
    await fixture.whenStable();
    expect(panel.textContent).toContain('Change cannot be 0.');
    expect(panel.textContent).toContain('Give a reason for the change.');
    ctl.expectNone('/api/v1/admin/products/p1/stock-adjustments');

    type('input[name=delta]', '-3');
    type('input[name=reason]', '  damaged in the store ');
    click('Adjust stock');
    const adj = ctl.expectOne('/api/v1/admin/products/p1/stock-adjustments');
    expect(adj.request.method).toBe('POST');
    expect(adj.request.body).toEqual({ delta: -3, reason: 'damaged in the store' });
    adj.flush({ movement: movement('m3', -3, 7, { reason: 'damaged in the store' }), product: { ...hammer, stock: 7 } }, { status: 201, statusText: 'Created' });
    await fixture.whenStable();
    expect(panel.querySelector('[role=status]')!.textContent).toContain('Stock of Claw hammer changed by -3 to 7.');
    expect(rows()[0].textContent).toContain('damaged in the store');
    expect(rows()[0].textContent).toContain('-3');
    expect(panel.querySelector('[data-testid=stock-now]')!.textContent).toBe('7');
    const stockCell = [...el.querySelectorAll('tbody tr')].find((r) => r.textContent!.includes('HAM-1'))!.children[3];
    expect(stockCell.textContent).toBe('7');
    ctl.verify();
  });

  it('shows insufficient stock from the API', async () => {
    const { fixture, el, ctl, click, type } = await setup();
    click('Stock of Claw hammer');
    await fixture.whenStable();
    ctl.expectOne((r) => r.url === '/api/v1/admin/products/p1/stock-movements').flush({ items: [], next_cursor: null });
    await fixture.whenStable();
    expect(el.textContent).toContain('No stock movements yet.');
    type('input[name=delta]', '-50');
    type('input[name=reason]', 'stocktake');
    click('Adjust stock');
    ctl.expectOne('/api/v1/admin/products/p1/stock-adjustments').flush(
      { title: 'Conflict', status: 409, detail: 'Only 10 in stock.', code: 'insufficient_stock' },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=stock-panel] [role=alert]')!.textContent).toContain('Only 10 in stock.');
    expect(el.querySelector('[data-testid=stock-now]')!.textContent).toBe('10');
  });
});
