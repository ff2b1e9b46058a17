import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AdminTaxPage } from './tax.page';

describe('AdminTaxPage', () => {
  it('offers no form before the rates are loaded, so no added row is overwritten by them', async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const fixture = TestBed.createComponent(AdminTaxPage);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const addRate = () => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.trim() === 'Add rate');
    expect(addRate()).toBeUndefined();
    expect(el.querySelector('[role=status]')!.textContent).toContain('Loading');
    TestBed.inject(HttpTestingController).expectOne('/api/v1/admin/tax-rates').flush({ items: [{ country: 'US', region: 'CA', rate: '0.0725' }] });
    await fixture.whenStable();
    addRate()!.click();
    await fixture.whenStable();
    expect(el.querySelectorAll('fieldset')).toHaveLength(2);
  });
});
