import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ActivatedRouteSnapshot, RouterStateSnapshot, UrlTree, provideRouter } from '@angular/router';
import { AuthService } from './auth.service';
import { adminGuard, signedInGuard } from './guards';

const user = (role: 'customer' | 'admin') => ({ id: 'u', email: 'a@b.co', name: 'A', role, status: 'active' as const, created_at: '' });

describe('route guards', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  });
  const run = (guard: typeof signedInGuard, url: string) =>
    TestBed.runInInjectionContext(() => guard({} as ActivatedRouteSnapshot, { url } as RouterStateSnapshot)) as Promise<boolean | UrlTree>;

  it('sends a visitor to sign-in with the return URL', async () => {
    const result = await run(signedInGuard, '/orders');
    expect(String(result)).toBe('/login?returnUrl=%2Forders');
  });

  it('resumes a kept session through refresh', async () => {
    localStorage.setItem('shop.refresh_token', 'r1');
    const pending = run(signedInGuard, '/orders');
    TestBed.inject(HttpTestingController).expectOne('/api/v1/auth/refresh').flush({
      access_token: 'a2', token_type: 'Bearer', expires_in: 900, refresh_token: 'r2', user: user('customer'), business_status: 'approved', next_action: null,
    });
    expect(await pending).toBe(true);
  });

  it('lets admins only into the admin portal', async () => {
    const auth = TestBed.inject(AuthService);
    auth.accessToken.set('a');
    auth.user.set(user('customer'));
    expect(String(await run(adminGuard, '/admin'))).toBe('/');
    auth.user.set(user('admin'));
    expect(await run(adminGuard, '/admin')).toBe(true);
  });
});
