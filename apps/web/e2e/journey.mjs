// The shopping journey of issue 7 (with issue 11's stock adjustment: stock moves with a reason,
// never through PATCH), against a shop that does not ask for e-mail verification.
import { ADMIN, assert, axe, newPage, shot, step } from './harness.mjs';

const CUSTOMER = { email: `buyer-${Date.now()}@example.com`, password: 'Customer-pass-42', name: 'Casey Buyer' };

export const name = 'journey';
export const env = {
  // The e2e customers order right after registering (accounts.mjs covers verification).
  SHOP_REQUIRE_EMAIL_VERIFICATION: 'false',
};

export async function run({ base, browser }) {
  const admin = await newPage(browser, 'admin');
  const buyer = await newPage(browser, 'buyer');

  await step('the app is served at / and unknown API paths stay problem+json', async () => {
    const r = await fetch(`${base}/some/app/route`);
    const html = await r.text();
    assert(r.ok && html.includes('<app-root>'), 'SPA fallback');
    assert(r.headers.get('cache-control') === 'no-cache', 'index.html is not cached');
    const asset = html.match(/src="(main-[A-Z0-9]+\.js)"/)?.[1];
    assert(asset, 'hashed main script in index.html');
    const js = await fetch(`${base}/${asset}`);
    assert(js.ok && js.headers.get('cache-control') === 'public, max-age=31536000, immutable', 'hashed assets cached for a year');
    const a = await fetch(`${base}/api/v1/nothing-here`);
    assert(a.status === 404 && a.headers.get('content-type') === 'application/problem+json', 'API 404');
  });

  await step('admin signs in and lands in the admin portal', async () => {
    await admin.goto(`${base}/login`);
    await admin.getByLabel('E-mail').fill(ADMIN.email);
    await admin.getByLabel('Password').fill(ADMIN.password);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL('**/admin/orders');
  });

  await step('admin sets a tax rate', async () => {
    await admin.getByRole('link', { name: 'Tax rates' }).click();
    await admin.getByRole('button', { name: 'Add rate' }).click();
    await admin.getByLabel('Country').fill('US');
    await admin.getByLabel('Region').fill('CA');
    await admin.getByLabel('Rate', { exact: true }).fill('0.0725');
    await admin.getByRole('button', { name: 'Save tax rates' }).click();
    await admin.getByText('Tax rates saved.').waitFor();
  });

  await step('admin creates a category and two products', async () => {
    await admin.getByRole('link', { name: 'Catalog' }).last().click();
    await admin.getByLabel('Category name').fill('Tools');
    await admin.getByLabel('Slug').fill('tools');
    await admin.getByRole('button', { name: 'Create category' }).click();
    await admin.getByText('Category Tools created.').waitFor();
    for (const [sku, name, price] of [['HAM-1', 'Claw hammer', '24.50'], ['SAW-1', 'Hand saw', '31.00']]) {
      await admin.getByLabel('SKU').fill(sku);
      await admin.getByLabel('Name', { exact: true }).fill(name);
      await admin.getByLabel('Description').fill(`A good ${name.toLowerCase()}.`);
      await admin.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Tools' });
      await admin.getByLabel('Price').fill(price);
      await admin.getByLabel('Initial stock').fill('10');
      await admin.getByRole('button', { name: 'Create product' }).click();
      await admin.getByText(`Product ${name} created.`).waitFor();
      await admin.getByRole('cell', { name: sku, exact: true }).waitFor();
    }
  });

  await step('admin adjusts a product\'s stock with a reason and sees the movement in its stock history', async () => {
    // Stock is not editable in the product form any more: it moves through adjustments, each with a reason.
    const reason = 'Restocked: supplier delivery 42';
    await admin.getByRole('button', { name: 'Stock of Claw hammer' }).click();
    const panel = admin.getByTestId('stock-panel');
    await panel.getByRole('heading', { name: /Stock of Claw hammer/ }).waitFor();
    await panel.getByLabel(/^Change/).fill('5');
    await panel.getByLabel('Reason').fill(reason);
    await panel.getByRole('button', { name: 'Adjust stock' }).click();
    await panel.getByText('Stock of Claw hammer changed by +5 to 15.').waitFor();
    const row = panel.getByTestId('stock-history').getByRole('row').filter({ hasText: reason });
    await row.waitFor();
    const text = await row.textContent();
    assert(text.includes('+5') && text.includes('Adjustment') && text.includes('15'), `movement row: ${text}`);
    assert((await panel.getByTestId('stock-now').textContent()).trim() === '15', 'stock now 15');
    await admin.getByRole('row').filter({ has: admin.getByRole('cell', { name: 'HAM-1', exact: true }) })
      .getByRole('cell', { name: '15', exact: true }).waitFor();
    await shot(admin, 'admin-stock-history');
    await axe(admin, 'admin stock history');
  });

  await step('a new customer registers and is prompted for the business profile', async () => {
    await buyer.goto(`${base}/register`);
    await buyer.getByLabel('Name').fill(CUSTOMER.name);
    await buyer.getByLabel('E-mail').fill(CUSTOMER.email);
    await buyer.getByLabel(/^Password/).fill('short');
    await buyer.getByRole('button', { name: 'Create account' }).click();
    await buyer.getByText('Use at least 10 characters.').waitFor();
    await buyer.getByLabel(/^Password/).fill(CUSTOMER.password);
    await buyer.getByRole('button', { name: 'Create account' }).click();
    await buyer.waitForURL('**/account/business?prompt=1');
    await buyer.locator('#business-prompt').waitFor();
  });

  await step('the customer submits the business profile with an exemption certificate', async () => {
    await buyer.getByLabel('Legal name').fill('Casey Builders LLC');
    await buyer.getByLabel('Tax id').fill('12-3456789');
    await buyer.getByLabel('Phone').fill('+1 415 555 0100');
    await buyer.getByLabel('Line 1').fill('1 Market St');
    await buyer.getByLabel('City').fill('San Francisco');
    await buyer.getByLabel('Region / state').fill('CA');
    await buyer.getByLabel('Postal code').fill('94105');
    await buyer.getByLabel('Country (2 letters)').fill('US');
    await buyer.getByLabel('Request tax exemption').check();
    await buyer.getByLabel('Certificate number').fill('CA-RESALE-778');
    await buyer.getByLabel('Issuing region').fill('CA');
    await buyer.getByLabel('Expires on').fill(`${new Date().getUTCFullYear() + 2}-12-31`);
    await buyer.getByRole('button', { name: 'Submit for review' }).click();
    await buyer.getByText('Submitted for review.').waitFor();
    await shot(buyer, 'business-profile');
    await axe(buyer, 'business profile');
    assert((await buyer.getByTestId('business-status').textContent()).trim() === 'pending', 'status pending');
  });

  await step('the admin approves the business with tax exemption', async () => {
    await admin.getByRole('link', { name: 'Approvals' }).click();
    await admin.getByText('Casey Builders LLC').waitFor();
    await admin.getByRole('button', { name: 'Approve with tax exemption' }).click();
    await admin.getByText('Nothing pending.').waitFor();
    await admin.getByRole('link', { name: 'Catalog' }).last().click();
    await admin.getByRole('cell', { name: 'HAM-1', exact: true }).waitFor();
    await shot(admin, 'admin-catalog');
    await axe(admin, 'admin catalog');
  });

  await step('the customer browses the catalog (category filter, search)', async () => {
    await buyer.getByRole('link', { name: 'Catalog' }).click();
    await buyer.getByRole('heading', { name: 'Claw hammer' }).waitFor();
    await buyer.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Tools' });
    await buyer.getByLabel('Search').fill('saw');
    await buyer.getByRole('button', { name: 'Search' }).click();
    await buyer.getByRole('heading', { name: 'Claw hammer' }).waitFor({ state: 'detached' });
    await buyer.getByLabel('Search').fill('');
    await buyer.getByRole('button', { name: 'Search' }).click();
    await buyer.getByRole('heading', { name: 'Claw hammer' }).waitFor();
    await shot(buyer, 'catalog');
    await axe(buyer, 'catalog');
    await buyer.getByRole('button', { name: 'Add to cart Claw hammer' }).click();
    await buyer.getByRole('button', { name: 'Add to cart Hand saw' }).click();
    await buyer.getByRole('link', { name: 'Cart (2)' }).waitFor();
  });

  let orderNumber = '';
  await step('checkout shows the quote with zero tax and the order reaches paid', async () => {
    await buyer.getByRole('link', { name: 'Cart (2)' }).click();
    await buyer.getByRole('link', { name: 'Checkout' }).click();
    await buyer.waitForURL('**/checkout');
    await buyer.waitForFunction(() => document.querySelector('input[name=line1]')?.value === '1 Market St');
    await buyer.getByRole('button', { name: 'Get quote' }).click();
    await buyer.getByTestId('tax-exempt').waitFor();
    assert((await buyer.getByTestId('tax-total').textContent()).trim() === '$0.00', 'tax is zero');
    assert((await buyer.getByTestId('order-total').textContent()).trim() === '$55.50', 'total 55.50');
    await buyer.getByLabel(/cnon:card-nonce-ok/).check();
    await shot(buyer, 'checkout');
    await axe(buyer, 'checkout');
    await buyer.getByRole('button', { name: /Place order and pay/ }).click();
    await buyer.waitForURL(/\/orders\/[^/]+\?placed=1/);
    await buyer.getByText(/Thank you! Your order/).waitFor();
    await buyer.waitForFunction(() => document.querySelector('[data-testid=order-status]')?.textContent?.trim() === 'paid', null, { timeout: 20000 });
    assert((await buyer.getByTestId('order-tax').textContent()).trim() === '$0.00', 'order tax is zero');
    orderNumber = (await buyer.getByRole('heading', { level: 1 }).textContent()).replace('Order', '').trim();
  });

  await step('order history lists the paid order, also after a reload', async () => {
    await buyer.getByRole('link', { name: 'Orders', exact: true }).click();
    await buyer.getByRole('link', { name: orderNumber }).waitFor();
    await buyer.getByText('paid', { exact: true }).waitFor();
    // A reload loses the in-memory access token: the kept refresh token resumes the session.
    await buyer.reload();
    await buyer.getByRole('link', { name: orderNumber }).waitFor();
    await buyer.getByRole('button', { name: 'Sign out' }).waitFor();
    await shot(buyer, 'order-history');
    await axe(buyer, 'order history');
  });

  await step('the admin sees the order and fulfills it', async () => {
    await admin.getByRole('link', { name: 'Orders', exact: true }).last().click();
    await admin.getByRole('link', { name: orderNumber }).waitFor();
    await shot(admin, 'admin-orders');
    await axe(admin, 'admin orders');
    await admin.getByRole('link', { name: orderNumber }).click();
    await admin.getByTestId('order-status').waitFor();
    await admin.getByRole('button', { name: 'Mark fulfilled' }).click();
    await admin.waitForFunction(() => document.querySelector('[data-testid=order-status]')?.textContent?.trim() === 'fulfilled');
    await shot(admin, 'admin-order-detail');
  });

  await step('the admin inactivates the customer; their next click lands on sign-in', async () => {
    await admin.getByRole('link', { name: 'Users' }).click();
    await admin.getByLabel('Search').fill(CUSTOMER.email);
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByRole('button', { name: `Inactivate ${CUSTOMER.email}` }).click();
    await admin.getByRole('button', { name: `Activate ${CUSTOMER.email}` }).waitFor();
    await buyer.getByRole('link', { name: 'Business profile' }).click();
    await buyer.waitForURL('**/login**');
    await buyer.getByRole('heading', { name: 'Sign in' }).waitFor();
    await buyer.getByText('Your account is inactive.').waitFor();
  });

  await step('phone width: the catalog has no horizontal overflow', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await phone.goto(`${base}/`);
    await phone.getByRole('heading', { name: 'Claw hammer' }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shot(phone, 'catalog-phone');
    assert(overflow <= 0, `horizontal overflow of ${overflow}px`);
  });
}
