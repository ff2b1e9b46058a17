import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Type } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { authInterceptor } from '../core/auth.interceptor';
import { ErrorBox } from '../core/error-box';
import { LoginPage, backoffSecondsLeft } from './login.page';
import { RegisterPage } from './register.page';

async function setup<T>(component: Type<T>) {
  localStorage.clear();
  TestBed.configureTestingModule({
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting()],
  });
  const fixture = TestBed.createComponent(component);
  await fixture.whenStable();
  const router = TestBed.inject(Router);
  vi.spyOn(router, 'navigate').mockResolvedValue(true);
  vi.spyOn(router, 'navigateByUrl').mockResolvedValue(true);
  return { fixture, el: fixture.nativeElement as HTMLElement, ctl: TestBed.inject(HttpTestingController), router };
}

function type(el: HTMLElement, selector: string, value: string) {
  const input = el.querySelector<HTMLInputElement>(selector)!;
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

describe('LoginPage', () => {
  it('validates before sending and labels every field', async () => {
    const { fixture, el, ctl } = await setup(LoginPage);
    expect(el.querySelector('label input[name=email]')).not.toBeNull();
    expect(el.querySelector('label input[name=password]')).not.toBeNull();
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await fixture.whenStable();
    expect(el.textContent).toContain('Enter your e-mail address.');
    expect(el.textContent).toContain('Enter your password.');
    ctl.verify();
  });

  it('prompts for the business profile when login says so', async () => {
    const { fixture, el, ctl, router } = await setup(LoginPage);
    type(el, 'input[name=email]', 'buyer@example.com');
    type(el, 'input[name=password]', 'long-enough-pw');
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    ctl.expectOne('/api/v1/auth/login').flush({
      access_token: 'a', token_type: 'Bearer', expires_in: 900, refresh_token: 'r', business_status: 'rejected',
      next_action: 'complete_business_profile',
      user: { id: 'u', email: 'buyer@example.com', name: 'B', role: 'customer', status: 'active', created_at: '' },
    });
    await fixture.whenStable();
    expect(router.navigate).toHaveBeenCalledWith(['/account/business'], { queryParams: { prompt: 1 } });
  });

  it('shows the API problem detail readably', async () => {
    const { fixture, el, ctl } = await setup(LoginPage);
    type(el, 'input[name=email]', 'buyer@example.com');
    type(el, 'input[name=password]', 'long-enough-pw');
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    ctl.expectOne('/api/v1/auth/login').flush(
      { title: 'Unauthorized', status: 401, detail: 'E-mail or password is wrong.', code: 'invalid_credentials' },
      { status: 401, statusText: 'Unauthorized' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('E-mail or password is wrong.');
  });
});

describe('LoginPage back-off', () => {
  afterEach(() => vi.useRealTimers());

  it('links to the password reset', async () => {
    const { el } = await setup(LoginPage);
    expect([...el.querySelectorAll('a')].find((a) => a.textContent === 'Forgot password?')!.getAttribute('href')).toBe('/forgot-password');
  });

  it('shows 429 login_backoff with its Retry-After and pauses sign-in until it ends', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { fixture, el, ctl } = await setup(LoginPage);
    type(el, 'input[name=email]', 'buyer@example.com');
    type(el, 'input[name=password]', 'long-enough-pw');
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    ctl.expectOne('/api/v1/auth/login').flush(
      { title: 'Too many failed sign-ins', status: 429, detail: 'too many failed sign-ins for this address; retry in 90 s', code: 'login_backoff' },
      { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '90' } },
    );
    await fixture.whenStable();
    const submit = el.querySelector<HTMLButtonElement>('button[type=submit]')!;
    expect(el.querySelector('[data-testid=login-backoff]')!.textContent).toContain('Too many failed sign-ins for buyer@example.com.');
    expect(el.querySelector('[data-testid=login-backoff]')!.textContent).toContain('paused for 1 minute 30 seconds');
    expect(submit.disabled).toBe(true);
    expect(submit.textContent).toContain('Sign in again in 1 minute 30 seconds');
    vi.advanceTimersByTime(30_000);
    await fixture.whenStable();
    expect(submit.textContent!.trim()).toBe('Sign in again in 1 minute');
    vi.advanceTimersByTime(60_000);
    await fixture.whenStable();
    expect(submit.disabled).toBe(false);
    expect(submit.textContent!.trim()).toBe('Sign in');
  });

  it('lets another address sign in during a back-off', async () => {
    const { fixture, el, ctl } = await setup(LoginPage);
    type(el, 'input[name=email]', 'buyer@example.com');
    type(el, 'input[name=password]', 'long-enough-pw');
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    ctl.expectOne('/api/v1/auth/login').flush({ code: 'login_backoff' }, { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '60' } });
    await fixture.whenStable();
    expect(el.querySelector<HTMLButtonElement>('button[type=submit]')!.disabled).toBe(true);
    type(el, 'input[name=email]', 'other@example.com');
    await fixture.whenStable();
    expect(el.querySelector<HTMLButtonElement>('button[type=submit]')!.disabled).toBe(false);
    expect(el.querySelector('[data-testid=login-backoff]')).toBeNull();
  });

  it('counts whole seconds left', () => {
    expect(backoffSecondsLeft(undefined, 0)).toBe(0);
    expect(backoffSecondsLeft(10_000, 0)).toBe(10);
    expect(backoffSecondsLeft(10_000, 9_001)).toBe(1);
    expect(backoffSecondsLeft(10_000, 12_000)).toBe(0);
  });
});

describe('RegisterPage', () => {
  it('refuses a password shorter than 10 characters without a request', async () => {
    const { fixture, el, ctl } = await setup(RegisterPage);
    type(el, 'input[name=name]', 'Casey');
    type(el, 'input[name=email]', 'casey@example.com');
    type(el, 'input[name=password]', 'short');
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await fixture.whenStable();
    expect(el.textContent).toContain('Use at least 10 characters.');
    ctl.verify();
  });

  it('shows field errors the API returns', async () => {
    const { fixture, el, ctl } = await setup(RegisterPage);
    type(el, 'input[name=name]', 'Casey');
    type(el, 'input[name=email]', 'casey@example.com');
    type(el, 'input[name=password]', 'password123');
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    ctl.expectOne('/api/v1/auth/register').flush(
      { title: 'Validation failed', detail: 'The request is invalid.', code: 'validation_failed', errors: [{ field: 'password', message: 'is too common' }] },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await fixture.whenStable();
    expect(el.textContent).toContain('is too common');
  });
});

describe('ErrorBox', () => {
  it('renders nothing without an error and an alert with one', async () => {
    TestBed.configureTestingModule({});
    const fixture = TestBed.createComponent(ErrorBox);
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[role=alert]')).toBeNull();
    fixture.componentRef.setInput('error', { message: 'Out of stock', fields: [{ field: 'items[0]', message: 'only 2 left' }] });
    await fixture.whenStable();
    const alert = fixture.nativeElement.querySelector('[role=alert]');
    expect(alert.textContent).toContain('Out of stock');
    expect(alert.textContent).toContain('items[0]: only 2 left');
  });
});
