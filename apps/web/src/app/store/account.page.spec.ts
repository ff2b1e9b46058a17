import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '../core/auth.service';
import { AccountPage } from './account.page';

describe('AccountPage', () => {
  async function setup() {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(AuthService).user.set({ id: 'u', email: 'a@b.co', name: 'Old', role: 'customer', status: 'active', created_at: '' });
    const fixture = TestBed.createComponent(AccountPage);
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement, ctl: TestBed.inject(HttpTestingController) };
  }
  const type = (el: HTMLElement, sel: string, v: string) => {
    const i = el.querySelector<HTMLInputElement>(sel)!;
    i.value = v;
    i.dispatchEvent(new Event('input'));
  };
  const click = (el: HTMLElement, text: string) =>
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.includes(text))!.click();

  it('renames the user and updates the session', async () => {
    const { fixture, el, ctl } = await setup();
    type(el, 'input[name=name]', 'New Name');
    click(el, 'Save name');
    const req = ctl.expectOne('/api/v1/me');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ name: 'New Name' });
    req.flush({ user: { id: 'u', email: 'a@b.co', name: 'New Name', role: 'customer', status: 'active', created_at: '' } });
    await fixture.whenStable();
    expect(TestBed.inject(AuthService).user()!.name).toBe('New Name');
    expect(el.textContent).toContain('Name saved.');
  });

  it('checks the new password length before sending', async () => {
    const { fixture, el, ctl } = await setup();
    type(el, 'input[name=current]', 'current-password');
    type(el, 'input[name=next]', 'x'.repeat(129));
    click(el, 'Change password');
    await fixture.whenStable();
    expect(el.textContent).toContain('Use at most 128 characters.');
    ctl.verify();
  });
});
