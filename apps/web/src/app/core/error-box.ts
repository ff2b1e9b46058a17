import { Component, input } from '@angular/core';
import { UiError } from './problem';

/** Shows an API problem readably: its detail and each field message (projected content: what to do next). */
@Component({
  selector: 'app-error',
  template: `
    @if (error(); as e) {
      <div class="error" role="alert">
        <strong>{{ e.message }}</strong>
        @if (e.retryAfter !== undefined) { <span> Try again in {{ e.retryAfter }} {{ e.retryAfter === 1 ? 'second' : 'seconds' }}.</span> }
        @if (e.fields.length) {
          <ul>
            @for (f of e.fields; track f.field + f.message) { <li>{{ f.field }}: {{ f.message }}</li> }
          </ul>
        }
        <ng-content />
      </div>
    }
  `,
})
export class ErrorBox {
  readonly error = input<UiError | null>(null);
}
