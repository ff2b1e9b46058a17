import { Component, Injector, OnInit, afterNextRender, inject, signal, viewChild } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ShopApi } from '../core/api';
import { Category, Product, ProductPatch } from '../core/api.types';
import { ErrorBox } from '../core/error-box';
import { money } from '../core/format';
import { UiError, toUiError } from '../core/problem';
import { collect, required, validateDecimal } from '../core/validation';
import { AdminStockPanel } from './stock.panel';

@Component({
  selector: 'app-admin-catalog',
  imports: [FormsModule, ErrorBox, AdminStockPanel],
  template: `
    <h1>Catalog</h1>
    <app-error [error]="error()" />
    @if (notice()) { <p class="notice" role="status">{{ notice() }}</p> }
    <section aria-labelledby="cat-h">
      <h2 id="cat-h">Categories</h2>
      <p>@for (c of categories(); track c.id) { <span class="badge">{{ c.name }} ({{ c.slug }})</span> } @empty { <span class="muted">None yet.</span> }</p>
      <form class="row" (ngSubmit)="createCategory()">
        <label>Category name <input name="cat_name" [(ngModel)]="cat.name" required></label>
        <label>Slug <input name="cat_slug" [(ngModel)]="cat.slug" required pattern="[a-z0-9-]+"></label>
        <button type="submit">Create category</button>
      </form>
    </section>
    <section aria-labelledby="prod-h">
      <h2 id="prod-h">{{ editing() ? 'Edit product' : 'New product' }}</h2>
      <form class="stack" (ngSubmit)="save()" novalidate>
        <label>SKU <input name="sku" [(ngModel)]="p.sku" [disabled]="!!editing()" required></label>
        <label>Name <input name="name" [(ngModel)]="p.name" required></label>
        <label>Description <textarea name="description" rows="2" [(ngModel)]="p.description"></textarea></label>
        <label>Category
          <select name="category_id" [(ngModel)]="p.category_id">
            <option [ngValue]="null">None</option>
            @for (c of categories(); track c.id) { <option [ngValue]="c.id">{{ c.name }}</option> }
          </select>
        </label>
        <label>Price <input name="price" inputmode="decimal" [(ngModel)]="p.price" required></label>
        @if (!editing()) {
          <label>Initial stock <input name="stock" type="number" min="0" step="1" [(ngModel)]="p.stock" required></label>
        } @else {
          <p class="muted">Stock is not edited here: use the product's <em>Stock</em> button to adjust it with a reason.</p>
        }
        <label class="inline"><input type="checkbox" name="active" [(ngModel)]="p.active"> Active (visible to customers)</label>
        <div class="row">
          <button type="submit">{{ editing() ? 'Save product' : 'Create product' }}</button>
          @if (editing()) { <button type="button" class="secondary" (click)="reset()">Cancel</button> }
        </div>
      </form>
    </section>
    <section aria-labelledby="list-h">
      <h2 id="list-h">Products</h2>
      @if (loading()) { <p role="status">Loading…</p> }
      @else if (!products().length) { <p class="muted">No products yet.</p> }
      @else {
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">SKU</th><th scope="col">Name</th><th scope="col" class="num">Price</th><th scope="col" class="num">Stock</th><th scope="col">Active</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            @for (x of products(); track x.id) {
              <tr><td>{{ x.sku }}</td><td>{{ x.name }}</td><td class="num">{{ money(x.price) }}</td><td class="num">{{ x.stock }}</td>
                <td>{{ x.active ? 'yes' : 'no' }}</td>
                <td class="row">
                  <button type="button" class="secondary" (click)="edit(x)" [attr.aria-label]="'Edit ' + x.name">Edit</button>
                  <button type="button" class="secondary" (click)="toggle(x)" [attr.aria-label]="(x.active ? 'Deactivate ' : 'Activate ') + x.name">{{ x.active ? 'Deactivate' : 'Activate' }}</button>
                  <button type="button" class="secondary" (click)="openStock(x)" [attr.aria-label]="'Stock of ' + x.name">Stock</button>
                </td></tr>
            }
          </tbody>
        </table></div>
      }
    </section>
    @if (stockOf(); as sp) {
      <section aria-labelledby="stock-h" class="card" style="margin-top:1rem" data-testid="stock-panel">
        <app-stock-panel [product]="sp" (adjusted)="stockAdjusted($event)" />
        <div class="row"><button type="button" class="secondary" (click)="stockOf.set(null)">Close stock</button></div>
      </section>
    }
  `,
})
export class AdminCatalogPage implements OnInit {
  private api = inject(ShopApi);
  readonly money = money;
  readonly categories = signal<Category[]>([]);
  readonly products = signal<Product[]>([]);
  readonly loading = signal(true);
  readonly editing = signal<string | null>(null);
  readonly error = signal<UiError | null>(null);
  readonly notice = signal<string | null>(null);
  /** The product whose stock panel is open. */
  readonly stockOf = signal<Product | null>(null);
  private stockPanel = viewChild(AdminStockPanel);
  private injector = inject(Injector);
  cat = { name: '', slug: '' };
  p = this.blank();

  ngOnInit(): void { this.load(); }

  private blank() { return { sku: '', name: '', description: '', category_id: null as string | null, price: '', stock: 0, active: true }; }

  load(): void {
    this.api.categories().subscribe({ next: (c) => this.categories.set(c.items), error: (e: unknown) => this.error.set(toUiError(e)) });
    this.api.adminProducts().subscribe({
      next: (p) => {
        this.products.set(p.items);
        this.loading.set(false);
        const open = this.stockOf();
        if (open) this.stockOf.set(p.items.find((x) => x.id === open.id) ?? null);
      },
      error: (e: unknown) => { this.error.set(toUiError(e)); this.loading.set(false); },
    });
  }

  private done(msg: string) { return { next: () => { this.notice.set(msg); this.load(); }, error: (e: unknown) => this.error.set(toUiError(e)) }; }

  createCategory(): void {
    this.error.set(null);
    const slug = this.cat.slug.trim() || this.cat.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    this.api.createCategory({ name: this.cat.name.trim(), slug }).subscribe(this.done(`Category ${this.cat.name} created.`));
    this.cat = { name: '', slug: '' };
  }

  edit(x: Product): void {
    this.editing.set(x.id);
    this.p = { sku: x.sku, name: x.name, description: x.description, category_id: x.category_id, price: x.price.amount, stock: 0, active: x.active ?? true };
  }

  reset(): void { this.editing.set(null); this.p = this.blank(); }

  save(): void {
    const p = this.p;
    const id = this.editing();
    const errs = collect({ sku: id ? null : required(p.sku, 'SKU'), name: required(p.name, 'Name'), price: validateDecimal(String(p.price), 'Price'),
      stock: id || (String(p.stock).trim() !== '' && Number.isInteger(Number(p.stock)) && Number(p.stock) >= 0) ? null : 'Stock must be a whole number, 0 or more.' });
    if (Object.keys(errs).length) { this.error.set({ message: 'Check the product form.', fields: Object.entries(errs).map(([field, message]) => ({ field, message })) }); return; }
    this.error.set(null);
    // PATCH never carries stock (the API refuses it): stock moves through adjustments only.
    const body = { name: p.name.trim(), description: p.description.trim(), category_id: p.category_id, price: String(p.price).trim(), active: p.active };
    if (id) this.api.patchProduct(id, body satisfies ProductPatch).subscribe(this.done(`Product ${body.name} saved.`));
    else this.api.createProduct({ ...body, sku: p.sku.trim(), stock: Number(p.stock) }).subscribe(this.done(`Product ${body.name} created.`));
    this.reset();
  }

  toggle(x: Product): void {
    this.error.set(null);
    this.api.patchProduct(x.id, { active: !x.active }).subscribe(this.done(`${x.name} ${x.active ? 'deactivated' : 'activated'}.`));
  }

  openStock(x: Product): void {
    this.stockOf.set(x);
    afterNextRender(() => this.stockPanel()?.focus(), { injector: this.injector });
  }

  stockAdjusted(product: Product): void {
    this.products.update((ps) => ps.map((x) => (x.id === product.id ? { ...x, ...product } : x)));
    this.stockOf.set(this.products().find((x) => x.id === product.id) ?? product);
  }
}
