import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { authInterceptor } from './auth.interceptor';
import { AuthService } from './auth.service';
import { TokenResponse } from './api.types';

const tokens = (n: number, role: 'customer' | 'admin' = 'customer'): TokenResponse => ({
  access_token: `access-${n}`, token_type: 'Bearer', expires_in: 900, refresh_token: `refresh-${n}`,
  user: { id: 'u1', email: 'a@b.co', name: 'A', role, status: 'active', created_at: '2026-01-01T00:00:00Z' },
  business_status: 'none', next_action: 'complete_business_profile',
});

describe('AuthService and the interceptor', () => {
  let http: HttpClient;
  let ctl: HttpTestingController;
  let auth: AuthService;
  let router: Router;

  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpClient);
    ctl = TestBed.inject(HttpTestingController);
    auth = TestBed.inject(AuthService);
    router = TestBed.inject(Router);
    vi.spyOn(router, 'navigate').mockResolvedValue(true);
  });
  afterEach(() => ctl.verify());

  function signIn(role: 'customer' | 'admin' = 'customer') {
    auth.login('a@b.co', 'long-enough-pw').subscribe();
    ctl.expectOne('/api/v1/auth/login').flush(tokens(1, role));
  }

  it('keeps the access token in memory and the refresh token in storage', () => {
    signIn('admin');
    expect(auth.signedIn()).toBe(true);
    expect(auth.isAdmin()).toBe(true);
    expect(auth.accessToken()).toBe('access-1');
    expect(localStorage.getItem('shop.refresh_token')).toBe('refresh-1');
    expect(JSON.stringify(localStorage)).not.toContain('access-1');
  });

  it('sends the bearer token to the API only', () => {
    signIn();
    http.get('/api/v1/me').subscribe();
    expect(ctl.expectOne('/api/v1/me').request.headers.get('Authorization')).toBe('Bearer access-1');
    http.get('https://elsewhere.example/x').subscribe();
    expect(ctl.expectOne('https://elsewhere.example/x').request.headers.has('Authorization')).toBe(false);
  });

  it('refreshes once on a 401, rotates the refresh token and retries', () => {
    signIn();
    let body: unknown;
    http.get('/api/v1/orders').subscribe((b) => (body = b));
    ctl.expectOne('/api/v1/orders').flush({ code: 'token_expired' }, { status: 401, statusText: 'Unauthorized' });
    const refresh = ctl.expectOne('/api/v1/auth/refresh');
    expect(refresh.request.body).toEqual({ refresh_token: 'refresh-1' });
    refresh.flush(tokens(2));
    const retry = ctl.expectOne('/api/v1/orders');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer access-2');
    retry.flush({ items: [], next_cursor: null });
    expect(body).toEqual({ items: [], next_cursor: null });
    expect(localStorage.getItem('shop.refresh_token')).toBe('refresh-2');
  });

  it('signs out and goes to sign-in when refresh cannot fix a 401', () => {
    signIn();
    let failed = false;
    http.get('/api/v1/orders').subscribe({ error: () => (failed = true) });
    ctl.expectOne('/api/v1/orders').flush({ code: 'token_expired' }, { status: 401, statusText: 'Unauthorized' });
    ctl.expectOne('/api/v1/auth/refresh').flush({ code: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
    expect(failed).toBe(true);
    expect(auth.signedIn()).toBe(false);
    expect(localStorage.getItem('shop.refresh_token')).toBeNull();
    expect(router.navigate).toHaveBeenCalledWith(['/login'], expect.anything());
  });

  it('ends the session at once for an inactive account', () => {
    signIn();
    http.get('/api/v1/me').subscribe({ error: () => undefined });
    ctl.expectOne('/api/v1/me').flush({ code: 'account_inactive' }, { status: 401, statusText: 'Unauthorized' });
    ctl.expectNone('/api/v1/auth/refresh');
    expect(auth.signedIn()).toBe(false);
    expect(auth.endedReason()).toMatch(/inactive/);
  });

  it('forgets a refused refresh token when resuming a session', async () => {
    localStorage.setItem('shop.refresh_token', 'spent');
    const pending = auth.restore();
    ctl.expectOne('/api/v1/auth/refresh').flush({ code: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' });
    expect(await pending).toBe(false);
    expect(localStorage.getItem('shop.refresh_token')).toBeNull();
  });

  it('does not refresh for a failed login', () => {
    auth.login('a@b.co', 'wrong-password').subscribe({ error: () => undefined });
    ctl.expectOne('/api/v1/auth/login').flush({ code: 'invalid_credentials' }, { status: 401, statusText: 'Unauthorized' });
    ctl.expectNone('/api/v1/auth/refresh');
    expect(router.navigate).not.toHaveBeenCalled();
  });
});
