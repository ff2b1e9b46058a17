import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Type } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { User } from '../core/api.types';
import { AuthService } from '../core/auth.service';
import { ForgotPasswordPage } from './forgot-password.page';
import { ResendVerification } from './resend-verification';
import { PASSWORD_RESET_NOTICE, ResetPasswordPage } from './reset-password.page';
import { unverifiedBusinessMessage, unverifiedOrderMessage } from './verification';
import { VerifyPage } from './verify.page';

const user = (extra: Partial<User> = {}): User => ({
  id: 'u1', email: 'casey@example.com', name: 'Casey', role: 'customer', status: 'active', created_at: '2030-01-01T00:00:00Z',
  email_verified_at: null, ...extra,
});

async function setup<T>(component: Type<T>, inputs: Record<string, unknown> = {}) {
  localStorage.clear();
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const router = TestBed.inject(Router);
  vi.spyOn(router, 'navigate').mockResolvedValue(true);
  const fixture = TestBed.createComponent(component);
  for (const [k, v] of Object.entries(inputs)) fixture.componentRef.setInput(k, v);
  await fixture.whenStable();
  return { fixture, el: fixture.nativeElement as HTMLElement, ctl: TestBed.inject(HttpTestingController), router };
}

function type(el: HTMLElement, selector: string, value: string) {
  const input = el.querySelector<HTMLInputElement>(selector)!;
  input.value = value;
  input.dispatchEvent(new Event('input'));
}
const button = (el: HTMLElement, text: string) =>
  [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes(text))!;

describe('VerifyPage', () => {
  it('verifies the token of the link and updates the signed-in user', async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const auth = TestBed.inject(AuthService);
    auth.user.set(user());
    auth.accessToken.set('a');
    const fixture = TestBed.createComponent(VerifyPage);
    fixture.componentRef.setInput('token', 'tok-1');
    await fixture.whenStable();
    const ctl = TestBed.inject(HttpTestingController);
    const req = ctl.expectOne('/api/v1/auth/verify-email');
    expect(req.request.body).toEqual({ token: 'tok-1' });
    req.flush({ user: user({ email_verified_at: '2030-01-02T00:00:00Z' }) });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=verified]')!.textContent).toContain('casey@example.com is verified');
    expect(auth.user()!.email_verified_at).toBe('2030-01-02T00:00:00Z');
  });

  it('explains a used or expired link and offers a new one', async () => {
    const { fixture, el, ctl } = await setup(VerifyPage, { token: 'used' });
    ctl.expectOne('/api/v1/auth/verify-email').flush(
      { title: 'Invalid link', status: 400, detail: 'the link is invalid, used or expired', code: 'token_invalid' },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('This verification link is invalid, already used or expired.');
    type(el, 'input[name=resend-email]', 'casey@example.com');
    button(el, 'Send a new verification link').click();
    const resend = ctl.expectOne('/api/v1/auth/resend-verification');
    expect(resend.request.body).toEqual({ email: 'casey@example.com' });
    resend.flush({ message: 'If the address belongs to an account, a mail is on its way.' }, { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(el.querySelector('[role=status]')!.textContent).toContain('a new link is on its way');
  });

  it('tells a signed-in, verified customer that a used link needs nothing more', async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const auth = TestBed.inject(AuthService);
    auth.user.set(user({ email_verified_at: '2030-01-02T00:00:00Z' }));
    auth.accessToken.set('a');
    const fixture = TestBed.createComponent(VerifyPage);
    fixture.componentRef.setInput('token', 'used');
    await fixture.whenStable();
    TestBed.inject(HttpTestingController).expectOne('/api/v1/auth/verify-email').flush(
      { code: 'token_invalid', detail: 'the link is invalid, used or expired' }, { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[role=alert]')!.textContent).toContain('This verification link is invalid, already used or expired.');
    expect(el.querySelector('[data-testid=already-verified]')!.textContent).toContain('casey@example.com is already verified');
    expect([...el.querySelectorAll('button')].some((b) => b.textContent!.includes('Send a new verification link'))).toBe(false);
  });

  it('sends nothing for a link without a token', async () => {
    const { el, ctl } = await setup(VerifyPage);
    expect(el.querySelector('[role=alert]')!.textContent).toContain('has no token');
    ctl.verify();
  });
});

describe('ResendVerification', () => {
  it('sends the signed-in address with one button, and shows a rate limit', async () => {
    const { fixture, el, ctl } = await setup(ResendVerification, { email: 'casey@example.com' });
    expect(el.querySelector('input')).toBeNull();
    button(el, 'Send a new verification link').click();
    const req = ctl.expectOne('/api/v1/auth/resend-verification');
    expect(req.request.body).toEqual({ email: 'casey@example.com' });
    req.flush({ title: 'Too many requests', detail: 'Slow down.', code: 'rate_limited' },
      { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '42' } });
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('Try again in 42 seconds.');
  });

  it('checks a typed address before sending', async () => {
    const { fixture, el, ctl } = await setup(ResendVerification);
    type(el, 'input[name=resend-email]', 'not-an-address');
    button(el, 'Send a new verification link').click();
    await fixture.whenStable();
    expect(el.textContent).toContain('Enter a valid e-mail address.');
    ctl.verify();
  });
});

describe('ForgotPasswordPage', () => {
  it('asks for a reset link and confirms neutrally', async () => {
    const { fixture, el, ctl } = await setup(ForgotPasswordPage);
    type(el, 'input[name=email]', ' nobody@example.com ');
    button(el, 'Send reset link').click();
    const req = ctl.expectOne('/api/v1/auth/password-reset');
    expect(req.request.body).toEqual({ email: 'nobody@example.com' });
    req.flush({ message: 'If the address belongs to an account, a mail is on its way.' }, { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=reset-requested]')!.textContent).toContain('If nobody@example.com belongs to an account');
  });

  it('refuses an empty address without a request', async () => {
    const { fixture, el, ctl } = await setup(ForgotPasswordPage);
    button(el, 'Send reset link').click();
    await fixture.whenStable();
    expect(el.textContent).toContain('Enter your e-mail address.');
    ctl.verify();
  });
});

describe('ResetPasswordPage', () => {
  it('sets the new password, ends the local session and sends to sign-in', async () => {
    const { fixture, el, ctl, router } = await setup(ResetPasswordPage, { token: 'reset-1' });
    const auth = TestBed.inject(AuthService);
    auth.user.set(user());
    localStorage.setItem('shop.refresh_token', 'r');
    type(el, 'input[name=new_password]', 'A-new-password-1');
    type(el, 'input[name=repeat]', 'A-new-password-1');
    button(el, 'Set new password').click();
    const req = ctl.expectOne('/api/v1/auth/password-reset/confirm');
    expect(req.request.body).toEqual({ token: 'reset-1', new_password: 'A-new-password-1' });
    req.flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();
    expect(router.navigate).toHaveBeenCalledWith(['/login']);
    expect(auth.user()).toBeNull();
    expect(auth.endedReason()).toBe(PASSWORD_RESET_NOTICE);
    expect(localStorage.getItem('shop.refresh_token')).toBeNull();
  });

  it('checks the password and its repetition first', async () => {
    const { fixture, el, ctl } = await setup(ResetPasswordPage, { token: 'reset-1' });
    type(el, 'input[name=new_password]', 'short');
    button(el, 'Set new password').click();
    await fixture.whenStable();
    expect(el.textContent).toContain('Use at least 10 characters.');
    type(el, 'input[name=new_password]', 'long-enough-1');
    type(el, 'input[name=repeat]', 'long-enough-2');
    button(el, 'Set new password').click();
    await fixture.whenStable();
    expect(el.textContent).toContain('The two passwords differ.');
    ctl.verify();
  });

  it('shows a used or expired link clearly and points to a new one', async () => {
    const { fixture, el, ctl, router } = await setup(ResetPasswordPage, { token: 'used' });
    type(el, 'input[name=new_password]', 'A-new-password-1');
    type(el, 'input[name=repeat]', 'A-new-password-1');
    button(el, 'Set new password').click();
    ctl.expectOne('/api/v1/auth/password-reset/confirm').flush(
      { title: 'Invalid link', status: 400, detail: 'the link is invalid, used or expired', code: 'token_invalid' },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('This password reset link is invalid, already used or expired.');
    expect(el.querySelector('a[href="/forgot-password"]')).not.toBeNull();
    expect(el.querySelector('input[name=new_password]')).toBeNull();
    expect(router.navigate).not.toHaveBeenCalled();
  });

  it('keeps the form for a password the API refuses (the link stays usable)', async () => {
    const { fixture, el, ctl } = await setup(ResetPasswordPage, { token: 'reset-1' });
    type(el, 'input[name=new_password]', 'password1234');
    type(el, 'input[name=repeat]', 'password1234');
    button(el, 'Set new password').click();
    ctl.expectOne('/api/v1/auth/password-reset/confirm').flush(
      { title: 'Validation failed', detail: 'The request is invalid.', code: 'validation_failed', errors: [{ field: 'new_password', message: 'is too common' }] },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await fixture.whenStable();
    expect(el.querySelector('#pw-err')!.textContent).toContain('is too common');
    expect(el.querySelector('input[name=new_password]')).not.toBeNull();
  });
});

describe('unverified messages', () => {
  it('name the address when known', () => {
    expect(unverifiedOrderMessage('a@b.co')).toContain('the link we mailed to a@b.co');
    expect(unverifiedOrderMessage(null)).toContain('the link we mailed you');
    expect(unverifiedBusinessMessage(undefined)).toContain('before submitting your business profile');
  });
});
