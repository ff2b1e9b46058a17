import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { OutboxMail } from '../core/api.types';
import { AdminMailPage } from './mail.page';

const mail = (id: string, extra: Partial<OutboxMail> = {}): OutboxMail => ({
  id, message_id: `<${id}@shop>`, to: 'admin@shop.test', subject: `Order alert ${id}`, created_at: '2030-01-01T00:00:00Z', sent_at: null,
  delivery: { state: 'dead', attempts: 6, last_error: 'smtp: 421 try later', next_attempt_at: null }, ...extra,
});

describe('AdminMailPage', () => {
  async function setup() {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const fixture = TestBed.createComponent(AdminMailPage);
    const ctl = TestBed.inject(HttpTestingController);
    await fixture.whenStable();
    return { fixture, ctl, el: fixture.nativeElement as HTMLElement };
  }
  const list = (ctl: HttpTestingController) => ctl.expectOne((r) => r.url === '/api/v1/admin/mail');

  it('lists unsent mail with its delivery state and resends one', async () => {
    const { fixture, ctl, el } = await setup();
    const first = list(ctl);
    expect(first.request.params.get('status')).toBe('unsent');
    first.flush({
      items: [mail('m1'), mail('m2', { delivery: { state: 'queued', attempts: 1, last_error: null, next_attempt_at: '2030-01-01T00:05:00Z' } })],
      next_cursor: 'c2',
    });
    await fixture.whenStable();
    const rows = () => [...el.querySelectorAll('[data-testid=mail-list] tbody tr')];
    expect(rows()).toHaveLength(2);
    expect(rows()[0].textContent).toContain('stopped (dead)');
    expect(rows()[0].textContent).toContain('6');
    expect(rows()[0].textContent).toContain('smtp: 421 try later');
    expect(rows()[1].textContent).toContain('queued');

    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.trim() === 'More')!.click();
    const more = list(ctl);
    expect(more.request.params.get('cursor')).toBe('c2');
    more.flush({ items: [mail('m3')], next_cursor: null });
    await fixture.whenStable();
    expect(rows()).toHaveLength(3);

    el.querySelector<HTMLButtonElement>('button[aria-label="Resend Order alert m1 to admin@shop.test"]')!.click();
    const resend = ctl.expectOne('/api/v1/admin/mail/m1/resend');
    expect(resend.request.method).toBe('POST');
    resend.flush({ mail: mail('m1', { delivery: { state: 'queued', attempts: 6, last_error: 'smtp: 421 try later', next_attempt_at: '2030-01-01T00:00:01Z' } }) });
    await fixture.whenStable();
    expect(el.querySelector('[role=status]')!.textContent).toContain('queued again');
    expect(rows()[0].textContent).toContain('queued');
    ctl.verify();
  });

  it('says when a mail was sent meanwhile', async () => {
    const { fixture, ctl, el } = await setup();
    list(ctl).flush({ items: [mail('m1')], next_cursor: null });
    await fixture.whenStable();
    el.querySelector<HTMLButtonElement>('button[aria-label^="Resend"]')!.click();
    ctl.expectOne('/api/v1/admin/mail/m1/resend').flush(
      { title: 'Conflict', status: 409, detail: 'This mail was already sent.', code: 'mail_already_sent' },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('This mail was already sent.');
    expect(el.querySelectorAll('[data-testid=mail-list] tbody tr')).toHaveLength(0);
  });

  it('toggles to sent mail, which cannot be resent', async () => {
    const { fixture, ctl, el } = await setup();
    list(ctl).flush({ items: [], next_cursor: null });
    await fixture.whenStable();
    expect(el.textContent).toContain('No unsent mail');
    const sent = el.querySelector<HTMLInputElement>('input[type=radio][value=sent]')!;
    expect(sent.closest('label')!.textContent).toContain('Sent mail');
    sent.click();
    await fixture.whenStable();
    const req = list(ctl);
    expect(req.request.params.get('status')).toBe('sent');
    req.flush({ items: [mail('m9', { sent_at: '2030-01-01T00:01:00Z', delivery: { state: 'done', attempts: 1, last_error: null, next_attempt_at: null } })], next_cursor: null });
    await fixture.whenStable();
    expect(el.querySelectorAll('[data-testid=mail-list] tbody tr')).toHaveLength(1);
    expect(el.querySelector('button[aria-label^="Resend"]')).toBeNull();
  });
});
