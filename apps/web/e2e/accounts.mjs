// Accounts, against a shop that asks for e-mail verification: the verification link (and a new
// one after checkout refuses an unverified customer), the password reset, sign-in back-off, the
// admin's view of verification and the audit log. Links are read from the file mailbox.
import { ADMIN, assert, axe, mailLink, newPage, shot, step, waitForMail } from './harness.mjs';

const stamp = Date.now();
const CUSTOMER = { email: `verify-${stamp}@example.com`, password: 'Customer-pass-42', name: 'Vera Fied' };
const NEW_PASSWORD = 'Another-pass-77';
const UNVERIFIED = { email: `later-${stamp}@example.com`, password: 'Customer-pass-43', name: 'Dana Later' };
const ADJUSTMENTS = 10;

export const name = 'accounts';
export const env = {
  SHOP_REQUIRE_EMAIL_VERIFICATION: 'true',
  // Back off after 2 failed sign-ins of an address, for 2 minutes at first.
  SHOP_LOGIN_FAILURES_BEFORE_BACKOFF: '2',
  SHOP_LOGIN_BACKOFF_BASE_SECONDS: '120',
  SHOP_LOGIN_BACKOFF_MAX_SECONDS: '900',
  // The per-IP limits are not under test here: every request of this spec comes from 127.0.0.1.
  SHOP_RATE_LIMIT_LOGIN_PER_MINUTE: '100',
  SHOP_RATE_LIMIT_REGISTER_PER_MINUTE: '100',
};

async function call(base, method, path, body, token) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function signIn(page, base, email, password) {
  if (!page.url().includes('/login')) await page.goto(`${base}/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function run({ base, dataDir, browser }) {
  const admin = await newPage(browser, 'admin');
  const buyer = await newPage(browser, 'buyer');
  let adminId = '';
  let product = null;

  await step('setup: the admin stocks a product and counts it through the API', async () => {
    const login = await call(base, 'POST', '/auth/login', ADMIN);
    adminId = login.user.id;
    const token = login.access_token;
    const category = await call(base, 'POST', '/admin/categories', { slug: 'garden', name: 'Garden' }, token);
    product = await call(base, 'POST', '/admin/products',
      { sku: 'RAKE-1', name: 'Leaf rake', description: 'A wide leaf rake.', category_id: category.id, price: '19.00', stock: 20, active: true }, token);
    for (let i = 1; i <= ADJUSTMENTS; i++) {
      await call(base, 'POST', `/admin/products/${product.id}/stock-adjustments`, { delta: 1, reason: `Cycle count ${i}` }, token);
    }
  });

  await step('the admin signs in and sets a tax rate in the portal', async () => {
    await signIn(admin, base, ADMIN.email, ADMIN.password);
    await admin.waitForURL('**/admin/orders');
    await admin.getByRole('link', { name: 'Tax rates' }).click();
    await admin.getByRole('button', { name: 'Add rate' }).click();
    await admin.getByLabel('Country').fill('US');
    await admin.getByLabel('Region').fill('CA');
    await admin.getByLabel('Rate', { exact: true }).fill('0.0725');
    await admin.getByRole('button', { name: 'Save tax rates' }).click();
    await admin.getByText('Tax rates saved.').waitFor();
  });

  let firstLink = '';
  await step('a new customer registers and is mailed a verification link to the web app', async () => {
    await buyer.goto(`${base}/register`);
    await buyer.getByLabel('Name').fill(CUSTOMER.name);
    await buyer.getByLabel('E-mail').fill(CUSTOMER.email);
    await buyer.getByLabel(/^Password/).fill(CUSTOMER.password);
    await buyer.getByRole('button', { name: 'Create account' }).click();
    await buyer.waitForURL('**/account/business?prompt=1');
    const mail = await waitForMail(dataDir, { to: CUSTOMER.email, contains: '/verify?token=' });
    firstLink = mailLink(mail, '/verify');
    assert(firstLink.startsWith(`${base}/verify?token=`), `link into this app: ${firstLink}`);
  });

  const fillAddress = async () => {
    await buyer.getByLabel('Line 1').fill('500 Capitol Mall');
    await buyer.getByLabel('City').fill('Sacramento');
    await buyer.getByLabel('Region / state').fill('CA');
    await buyer.getByLabel('Postal code').fill('95814');
    await buyer.getByLabel('Country (2 letters)').fill('US');
  };

  await step('checkout refuses the unverified customer (403 email_unverified) and offers a new link', async () => {
    await buyer.getByRole('link', { name: 'Catalog' }).click();
    await buyer.getByRole('button', { name: 'Add to cart Leaf rake' }).click();
    await buyer.getByRole('link', { name: 'Cart (1)' }).click();
    await buyer.getByRole('link', { name: 'Checkout' }).click();
    await buyer.waitForURL('**/checkout');
    await fillAddress();
    await buyer.getByRole('button', { name: 'Get quote' }).click();
    await buyer.getByLabel(/cnon:card-nonce-ok/).check();
    await buyer.getByRole('button', { name: /Place order and pay/ }).click();
    const alert = buyer.getByRole('alert').filter({ hasText: 'Please verify your e-mail address before placing an order' });
    await alert.waitFor();
    assert((await alert.textContent()).includes(`the link we mailed to ${CUSTOMER.email}`), 'names the address');
    await buyer.getByRole('button', { name: 'Send a new verification link' }).click();
    await buyer.getByText('a new link is on its way').waitFor();
    await shot(buyer, 'checkout-unverified');
    await axe(buyer, 'checkout unverified');
    assert(buyer.url().endsWith('/checkout'), 'still at checkout');
  });

  let link = '';
  await step('the newest link verifies the address', async () => {
    link = mailLink(await waitForMail(dataDir, { to: CUSTOMER.email, contains: '/verify?token=', count: 2 }), '/verify');
    assert(link !== firstLink, 'a new token');
    await buyer.goto(link);
    await buyer.getByTestId('verified').waitFor();
    assert((await buyer.getByTestId('verified').textContent()).includes(`${CUSTOMER.email} is verified`), 'verified text');
    await shot(buyer, 'verify-ok');
    await axe(buyer, 'verify ok');
  });

  await step('the verified customer places the order', async () => {
    await buyer.getByRole('link', { name: 'Continue to checkout' }).click();
    await buyer.waitForURL('**/checkout');
    await fillAddress();
    await buyer.getByRole('button', { name: 'Get quote' }).click();
    await buyer.getByLabel(/cnon:card-nonce-ok/).check();
    await buyer.getByRole('button', { name: /Place order and pay/ }).click();
    await buyer.waitForURL(/\/orders\/[^/]+\?placed=1/);
    await buyer.getByText(/Thank you! Your order/).waitFor();
  });

  await step('a used verification link shows the error and offers a new one', async () => {
    // Signed in and verified: nothing more to do.
    await buyer.goto(link);
    await buyer.getByRole('alert').filter({ hasText: 'This verification link is invalid, already used or expired.' }).waitFor();
    await buyer.getByTestId('already-verified').waitFor();
    // Elsewhere (not signed in): a new link may be asked for any address.
    const other = await newPage(browser, 'other');
    await other.goto(link);
    await other.getByRole('alert').filter({ hasText: 'This verification link is invalid, already used or expired.' }).waitFor();
    await other.getByLabel('E-mail').fill(UNVERIFIED.email);
    await other.getByRole('button', { name: 'Send a new verification link' }).click();
    await other.getByText('a new link is on its way').waitFor();
    await shot(other, 'verify-used');
    await axe(other, 'verify used link');
    await other.context().close();
  });

  await step('the admin sees who verified their address (users list and user page)', async () => {
    await call(base, 'POST', '/auth/register', UNVERIFIED);
    await admin.getByRole('link', { name: 'Users' }).click();
    await admin.getByLabel('Search').fill(`-${stamp}@example.com`);
    await admin.getByRole('button', { name: 'Search' }).click();
    const verified = admin.getByTestId(`verified-${CUSTOMER.email}`);
    await verified.getByText('verified', { exact: true }).waitFor();
    await admin.getByTestId(`verified-${UNVERIFIED.email}`).getByText('not verified').waitFor();
    await shot(admin, 'admin-users-verification');
    await axe(admin, 'admin users');
    await admin.getByRole('link', { name: CUSTOMER.email }).click();
    await admin.getByRole('heading', { name: CUSTOMER.name }).waitFor();
    assert(/verified on/.test(await admin.getByTestId('user-verified').textContent()), 'verified on <time>');
  });

  const reset = await newPage(browser, 'reset');
  let resetLink = '';
  await step('forgot password: the same neutral answer for any address, and a reset mail', async () => {
    await reset.goto(`${base}/login`);
    await reset.getByRole('link', { name: 'Forgot password?' }).click();
    await reset.waitForURL('**/forgot-password');
    const ask = async (email) => {
      await reset.getByLabel('E-mail').fill(email);
      await reset.getByRole('button', { name: 'Send reset link' }).click();
      const text = (await reset.getByTestId('reset-requested').textContent()).replace(email, '<address>');
      return text.replace(/\s+/g, ' ').trim();
    };
    const known = await ask(CUSTOMER.email);
    await shot(reset, 'forgot-password');
    await axe(reset, 'forgot password');
    await reset.goto(`${base}/forgot-password`);
    const unknown = await ask(`nobody-${stamp}@example.com`);
    assert(known === unknown, `same answer: "${known}" vs "${unknown}"`);
    resetLink = mailLink(await waitForMail(dataDir, { to: CUSTOMER.email, contains: '/reset-password?token=' }), '/reset-password');
  });

  await step('the reset link sets a new password, ending every session; the old password is refused', async () => {
    await reset.goto(resetLink);
    await reset.getByLabel(/^New password/).fill(NEW_PASSWORD);
    await reset.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await axe(reset, 'reset password');
    await reset.getByRole('button', { name: 'Set new password' }).click();
    await reset.waitForURL('**/login');
    await reset.getByText('Your password was changed').waitFor();
    // The customer's other browser was signed in: its session ended with the reset.
    await buyer.getByRole('link', { name: 'Orders', exact: true }).click();
    await buyer.waitForURL('**/login**');
    await signIn(buyer, base, CUSTOMER.email, CUSTOMER.password);
    await buyer.getByRole('alert').filter({ hasText: /invalid e-mail or password/i }).waitFor();
    await signIn(buyer, base, CUSTOMER.email, NEW_PASSWORD);
    await buyer.getByRole('button', { name: 'Sign out' }).waitFor();
    await buyer.waitForURL((u) => !u.pathname.startsWith('/login'));
  });

  await step('a used reset link says so and points to a new one', async () => {
    await reset.goto(resetLink);
    await reset.getByLabel(/^New password/).fill('Yet-another-pass-9');
    await reset.getByLabel('Repeat the new password').fill('Yet-another-pass-9');
    await reset.getByRole('button', { name: 'Set new password' }).click();
    await reset.getByRole('alert').filter({ hasText: 'This password reset link is invalid, already used or expired.' }).waitFor();
    await reset.getByRole('link', { name: 'Ask for a new reset link' }).waitFor();
    await shot(reset, 'reset-used');
  });

  await step('sign-in backs off after repeated failures and says for how long', async () => {
    const page = await newPage(browser, 'guesser');
    const email = `guess-${stamp}@example.com`;
    await page.goto(`${base}/login`);
    for (let i = 0; i < 2; i++) {
      await signIn(page, base, email, `wrong-password-${i}`);
      await page.getByRole('alert').filter({ hasText: /invalid e-mail or password/i }).waitFor();
    }
    await signIn(page, base, email, 'wrong-password-2');
    const alert = page.getByTestId('login-backoff');
    await alert.waitFor();
    const text = await alert.textContent();
    assert(text.includes(`Too many failed sign-ins for ${email}.`), text);
    assert(/paused for (2 minutes|1 minute \d+ seconds)/.test(text), `the Retry-After, readably: ${text}`);
    const button = page.getByRole('button', { name: /^Sign in again in / });
    assert(await button.isDisabled(), 'sign-in paused');
    await shot(page, 'login-backoff');
    await axe(page, 'login back-off');
    // Another address is not paused.
    await page.getByLabel('E-mail').fill(CUSTOMER.email);
    assert(await page.getByRole('button', { name: 'Sign in', exact: true }).isEnabled(), 'another address may sign in');
  });

  await step('the audit log shows the admin\'s changes, with filters and pages', async () => {
    await admin.getByRole('link', { name: 'Audit log' }).click();
    const rows = admin.getByTestId('audit-entries').locator('tbody tr');
    await rows.first().waitFor();
    // The customers' security events (a reset, the back-off) are newer.
    const taxes = await rows.filter({ hasText: 'tax_rates.replace' }).first().textContent();
    assert(taxes.includes(`user:${adminId}`), `the admin's tax entry: ${taxes}`);
    assert(taxes.includes('rates'), 'the changed field');
    const all = await rows.allTextContents();
    assert(all.some((r) => r.includes('password.reset')), `the reset is a security event: ${all.join('\n')}`);
    await shot(admin, 'admin-audit');
    await axe(admin, 'admin audit');

    // Only one action.
    await admin.getByRole('combobox', { name: 'Action' }).selectOption('product.create');
    await admin.getByRole('button', { name: 'Filter', exact: true }).click();
    await admin.waitForURL('**/admin/audit?action=product.create');
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid=audit-entries] tbody tr').length === 1);
    assert((await rows.first().textContent()).includes('RAKE-1') || (await rows.first().textContent()).includes(product.id), 'the product created');

    // One record, a page of 10 at a time: the stock adjustments and the creation are 11 entries.
    await admin.getByRole('combobox', { name: 'Action' }).selectOption('');
    await admin.getByLabel('Target (record id)').fill(product.id);
    await admin.getByRole('combobox', { name: 'Per page' }).selectOption('10');
    await admin.getByRole('button', { name: 'Filter', exact: true }).click();
    await admin.waitForURL(`**/admin/audit?target=${product.id}`);
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid=audit-entries] tbody tr').length === 10);
    assert((await admin.getByTestId('audit-page').textContent()).includes('Page 1'), 'page 1');
    await admin.getByRole('button', { name: 'Next page' }).click();
    await admin.getByTestId('audit-page').getByText('Page 2').waitFor();
    await admin.waitForFunction((n) => document.querySelectorAll('[data-testid=audit-entries] tbody tr').length === n, ADJUSTMENTS + 1 - 10);
    assert((await rows.first().textContent()).includes('product.create'), 'the oldest entry last');
    assert(await admin.getByRole('button', { name: 'Next page' }).isDisabled(), 'no page after the last');
    await admin.getByRole('button', { name: 'Previous page' }).click();
    await admin.getByTestId('audit-page').getByText('Page 1').waitFor();
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid=audit-entries] tbody tr').length === 10);
  });
}
