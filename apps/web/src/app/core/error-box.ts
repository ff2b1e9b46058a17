import { Component, input } from '@angular/core';
import { waitLabel } from './format';
import { UiError } from './problem';

/** Shows an API problem readably: its detail and each field message (projected content: what to do next). */
@Component({
  selector: 'app-error',
  template: `
    @if (error(); as e) {
      <div class="error" role="alert">
        <strong>{{ e.message }}</strong>
        @if (e.retryAfter !== undefined) { <span> Try again in {{ wait(e.retryAfter) }}.</span> }
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
  readonly wait = waitLabel;
}
