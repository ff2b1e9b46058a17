import { HttpErrorResponse, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, switchMap, throwError } from 'rxjs';
import { AuthService } from './auth.service';
import { Problem } from './api.types';

const NO_REFRESH = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/register'];

function withToken(req: HttpRequest<unknown>, token: string | null): HttpRequest<unknown> {
  return token ? req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : req;
}

/** Adds the bearer token; on a 401 refreshes once and retries, else ends the session. */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthService);
  if (!req.url.startsWith('/api/')) return next(req);
  const hadToken = auth.accessToken();
  return next(withToken(req, hadToken)).pipe(
    catchError((err: unknown) => {
      if (!(err instanceof HttpErrorResponse) || err.status !== 401 || NO_REFRESH.some((p) => req.url.startsWith(p))) {
        return throwError(() => err);
      }
      const code = (err.error as Problem | null)?.code;
      if (!auth.refreshToken || code === 'account_inactive') {
        if (hadToken || auth.refreshToken) auth.expire(code === 'account_inactive' ? 'Your account is inactive.' : 'Your session has ended. Please sign in again.');
        return throwError(() => err);
      }
      return auth.refreshAccessToken().pipe(
        catchError((refreshErr: unknown) => {
          const c = refreshErr instanceof HttpErrorResponse ? (refreshErr.error as Problem | null)?.code : undefined;
          auth.expire(c === 'account_inactive' ? 'Your account is inactive.' : 'Your session has ended. Please sign in again.');
          return throwError(() => err);
        }),
        switchMap((token) =>
          next(withToken(req, token)).pipe(
            catchError((again: unknown) => {
              if (again instanceof HttpErrorResponse && again.status === 401) auth.expire('Your session has ended. Please sign in again.');
              return throwError(() => again);
            }),
          ),
        ),
      );
    }),
  );
};
