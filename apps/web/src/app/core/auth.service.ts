import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { Observable, finalize, firstValueFrom, map, of, shareReplay, tap, catchError } from 'rxjs';
import { ShopApi } from './api';
import { BusinessStatus, TokenResponse, User } from './api.types';

const REFRESH_KEY = 'shop.refresh_token';

/**
 * The session: the access token lives only in memory (a signal); the
 * refresh token is kept in localStorage so a reload can resume, and every
 * refresh rotates it. When a 401 cannot be fixed by one refresh, the
 * session ends everywhere in this app and the user lands on sign-in.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private api = inject(ShopApi);
  private router = inject(Router);

  readonly accessToken = signal<string | null>(null);
  readonly user = signal<User | null>(null);
  readonly businessStatus = signal<BusinessStatus | null>(null);
  readonly signedIn = computed(() => this.user() !== null && this.accessToken() !== null);
  readonly isAdmin = computed(() => this.user()?.role === 'admin');
  /** Why the last session ended (shown on the sign-in page). */
  readonly endedReason = signal<string | null>(null);

  private refreshing: Observable<string> | null = null;

  private get storage(): Storage | null {
    try { return globalThis.localStorage ?? null; } catch { return null; }
  }

  get refreshToken(): string | null { return this.storage?.getItem(REFRESH_KEY) ?? null; }

  login(email: string, password: string): Observable<TokenResponse> {
    return this.api.login({ email, password }).pipe(tap((t) => this.accept(t)));
  }

  /** Accepts a token pair from login or refresh. */
  accept(t: TokenResponse): void {
    this.accessToken.set(t.access_token);
    this.user.set(t.user);
    this.businessStatus.set(t.business_status);
    this.endedReason.set(null);
    this.storage?.setItem(REFRESH_KEY, t.refresh_token);
  }

  /** Resumes a session after a reload, when a refresh token is kept. */
  restore(): Promise<boolean> {
    if (this.signedIn()) return Promise.resolve(true);
    if (!this.refreshToken) return Promise.resolve(false);
    return firstValueFrom(this.refreshAccessToken().pipe(
      map(() => true),
      catchError((e: unknown) => {
        // A refused refresh token is spent: forget it. A network failure keeps it.
        if (e instanceof HttpErrorResponse && e.status >= 400 && e.status < 500) this.storage?.removeItem(REFRESH_KEY);
        return of(false);
      }),
    ));
  }

  /** One refresh at a time; concurrent 401s share it. Rotates the refresh token. */
  refreshAccessToken(): Observable<string> {
    if (this.refreshing) return this.refreshing;
    const token = this.refreshToken;
    if (!token) throw new Error('no refresh token');
    this.refreshing = this.api.refresh(token).pipe(
      tap((t) => this.accept(t)),
      map((t) => t.access_token),
      finalize(() => (this.refreshing = null)),
      shareReplay(1),
    );
    return this.refreshing;
  }

  /** Ends the session locally (no request). */
  clear(reason: string | null = null): void {
    this.accessToken.set(null);
    this.user.set(null);
    this.businessStatus.set(null);
    this.endedReason.set(reason);
    this.storage?.removeItem(REFRESH_KEY);
  }

  /** A 401 that refresh could not fix: sign out and go to sign-in. */
  expire(reason: string): void {
    this.clear(reason);
    void this.router.navigate(['/login'], { queryParams: { returnUrl: this.router.url.split('?')[0] } });
  }

  logout(): void {
    const done = () => { this.clear(); void this.router.navigate(['/']); };
    if (!this.accessToken()) return done();
    this.api.logout().subscribe({ next: done, error: done });
  }
}
