import { HttpErrorResponse } from '@angular/common/http';
import { fieldError, toUiError } from './problem';
import { money } from './format';

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

describe('money', () => {
  it('formats decimal strings without float drift', () => {
    expect(money({ amount: '55.50', currency: 'USD' })).toBe('$55.50');
    expect(money({ amount: '0.00', currency: 'USD' })).toBe('$0.00');
  });
});
