import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import { ErrorBox } from './error-box';
import { fieldError, retryAfterSeconds, toUiError } from './problem';
import { money, waitLabel } from './format';

describe('toUiError', () => {
  it('shows the problem detail and field errors', () => {
    const err = new HttpErrorResponse({
      status: 422,
      error: { title: 'Validation failed', detail: 'The request is invalid.', code: 'validation_failed', errors: [{ field: 'password', message: 'too short' }] },
    });
    const ui = toUiError(err);
    expect(ui.message).toBe('The request is invalid.');
    expect(ui.code).toBe('validation_failed');
    expect(fieldError(ui, 'password')).toBe('too short');
    expect(fieldError(ui, 'email')).toBeNull();
  });
  it('falls back to the title, then the status', () => {
    expect(toUiError(new HttpErrorResponse({ status: 409, error: { title: 'Conflict' } })).message).toBe('Conflict');
    expect(toUiError(new HttpErrorResponse({ status: 502, statusText: 'Bad Gateway', error: 'x' })).message).toContain('502');
    expect(toUiError(new HttpErrorResponse({ status: 0 })).message).toMatch(/cannot be reached/);
  });
});

describe('Retry-After and problem extensions', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('30')).toBe(30);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterSeconds('Tue, 01 Jan 2030 00:00:05 GMT', now)).toBe(5);
  });

  it('keeps Retry-After of store_unavailable and shows it', async () => {
    const err = new HttpErrorResponse({
      status: 503, headers: new HttpHeaders({ 'Retry-After': '5' }),
      error: { title: 'Service unavailable', detail: 'The store is unavailable.', code: 'store_unavailable' },
    });
    const ui = toUiError(err);
    expect(ui).toMatchObject({ code: 'store_unavailable', status: 503, retryAfter: 5 });
    const fixture = TestBed.createComponent(ErrorBox);
    fixture.componentRef.setInput('error', ui);
    await fixture.whenStable();
    const box = (fixture.nativeElement as HTMLElement).querySelector('[role=alert]')!;
    expect(box.textContent).toContain('The store is unavailable.');
    expect(box.textContent).toContain('Try again in 5 seconds.');
  });

  it('keeps the order_id of quote_used', () => {
    const ui = toUiError(new HttpErrorResponse({ status: 409, error: { detail: 'Used.', code: 'quote_used', order_id: 'o7' } }));
    expect(ui.orderId).toBe('o7');
    expect(toUiError(new HttpErrorResponse({ status: 409, error: { code: 'quote_expired' } })).orderId).toBeUndefined();
  });
});

describe('waitLabel', () => {
  it('reads a wait in seconds, minutes or hours', () => {
    expect(waitLabel(1)).toBe('1 second');
    expect(waitLabel(45)).toBe('45 seconds');
    expect(waitLabel(60)).toBe('1 minute');
    expect(waitLabel(90)).toBe('1 minute 30 seconds');
    expect(waitLabel(900)).toBe('15 minutes');
    expect(waitLabel(3600)).toBe('1 hour');
    expect(waitLabel(3900)).toBe('1 hour 5 minutes');
    expect(waitLabel(7199)).toBe('2 hours');
    expect(waitLabel(-3)).toBe('0 seconds');
  });
});

describe('money', () => {
  it('formats decimal strings without float drift', () => {
    expect(money({ amount: '55.50', currency: 'USD' })).toBe('$55.50');
    expect(money({ amount: '0.00', currency: 'USD' })).toBe('$0.00');
  });
});
