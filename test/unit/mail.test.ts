import { describe, expect, it } from 'vitest';
import { ACTION_LINK_TTL_MS, signActionLink, verifyActionLink, type ActionLinkPayload } from '@p2p/domain/action-links';
import { formatMailDate, formatMoney } from '../../activities/mail/format.ts';
import { renderMail } from '../../activities/mail/render.ts';
import { mailActions, mailTemplateNames, type MailTemplate, type MailTemplates } from '../../activities/mail/templates.ts';

const hostile = '<script>alert("x")</script> & <b>bold</b>';
const requisition = {
  number: 'REQ-2026-0042',
  title: `Oscilloscope ${hostile}`,
  total: '12345.5',
  currency: 'EUR',
  requesterName: 'Grace <Hopper>',
  url: 'https://p2p.example.com/requisitions/r1',
};
const task = {
  title: 'Line manager approval',
  businessKey: 'REQ-2026-0042',
  dueAt: '2026-11-24T14:00:00.000Z',
  url: 'https://p2p.example.com/inbox?task=t1',
};
const actions = mailActions([
  { action: 'approve', url: 'https://p2p.example.com/action/approve-token' },
  { action: 'reject', url: 'https://p2p.example.com/action/reject-token' },
  { action: 'question', url: 'https://p2p.example.com/action/question-token' },
]);

const samples: { [T in MailTemplate]: MailTemplates[T][] } = {
  'task-assigned': [
    { recipientName: 'Ada Lovelace', task, requisition, actions, linksExpireAt: '2026-11-25T09:30:00Z', onBehalfOfName: 'Carol' },
  ],
  reminder: [{ recipientName: 'Ada Lovelace', task, requisition, actions }],
  escalation: [
    { recipientName: 'Dan', task, requisition, actions, audience: 'new_assignee', fromName: 'Ada Lovelace', reason: 'No decision within 2 business days', level: 2 },
    { recipientName: 'Dan', task, requisition, actions: [], fromName: 'the role pool', reason: 'Not decided within its SLA', level: 1 },
    { recipientName: 'Ada Lovelace', task, requisition, audience: 'previous_assignee', toName: 'Dan', reason: 'No decision within 2 business days', level: 2 },
  ],
  decision: [
    { recipientName: 'Grace', requisition, decision: 'approved', fromName: 'Ada Lovelace', decidedAt: '2026-11-24T14:00:00Z', comment: null },
    { recipientName: 'Grace', requisition, decision: 'rejected', fromName: 'Ada Lovelace', decidedAt: '2026-11-24T14:00:00Z', comment: `Too dear.\n${hostile}` },
    { recipientName: 'Grace', requisition, decision: 'approved', fromName: null, comment: null },
  ],
  questioned: [
    { recipientName: 'Grace', requisition, task: { ...task, title: 'Answer the question', url: 'https://p2p.example.com/inbox?task=t2' }, comment: `Why two? ${hostile}`, fromName: 'Ada Lovelace' },
    { recipientName: 'Grace', requisition, task: { ...task, dueAt: null }, comment: 'Which project?' },
  ],
  'admin-alert': [
    { recipientName: 'Root', task, requisition, level: 3, reason: 'No manager above Dan', lastAssigneeName: 'Dan' },
    { recipientName: 'Root', task: null, requisition, reason: `Nobody may approve: ${hostile}` },
  ],
};

const cases = mailTemplateNames.flatMap((template) =>
  (samples[template] as MailTemplates[MailTemplate][]).map((data, index) => ({ name: `${template} #${index + 1}`, template, data })),
);

describe('mail templates', () => {
  it.each(cases)('$name renders subject, HTML and text in the shared layout', ({ template, data }) => {
    const mail = renderMail<MailTemplate>(template, data);
    expect(mail.subject).toContain('REQ-2026-0042');
    expect(mail.subject).not.toMatch(/\n|&amp;|&lt;/);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain(`<title>${escapeHtml(mail.subject)}</title>`);
    expect(mail.html).toContain('Procurement');
    expect(mail.html).toContain('You get this because');
    expect(mail.html).toContain('€12,345.50');
    expect(mail.text).toContain('You get this because');
    expect(mail.text).toContain('€12,345.50');
    expect(mail.text).not.toMatch(/&amp;|&lt;|&quot;/);
    expect(mail.text).not.toMatch(/\n{3,}/);
  });

  it.each(cases)('$name escapes user data in the HTML part', ({ template, data }) => {
    const { html, text } = renderMail<MailTemplate>(template, data);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain('Grace <Hopper>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    // Plain text is not HTML: the reader sees what was typed.
    expect(text).toContain(hostile);
  });

  it('puts every action link in both parts, plus the inbox link and the expiry', () => {
    const mail = renderMail('task-assigned', samples['task-assigned'][0]!);
    for (const { url, label } of actions) {
      expect(mail.html).toContain(`href="${escapeHtml(url)}"`);
      expect(mail.html).toContain(`>${label}</a>`);
      expect(mail.text).toContain(`${label}:\n${url}\n`);
    }
    expect(mail.html).toContain(`href="${escapeHtml(task.url)}"`);
    expect(mail.html).toContain('Open in inbox');
    expect(mail.text).toContain(`Open in inbox:\n${task.url}`);
    expect(mail.html).toContain('until Wed 25 Nov 2026, 09:30 UTC');
    expect(mail.text).toContain('as delegate of Carol');
    expect(mail.subject).toBe(`Approval needed: REQ-2026-0042 Oscilloscope ${hostile} (€12,345.50)`);
  });

  it('keeps line breaks of comments without letting markup through', () => {
    const mail = renderMail('decision', samples.decision[1]!);
    expect(mail.subject).toMatch(/^Rejected: REQ-2026-0042/);
    expect(mail.html).toContain('Too dear.<br>&lt;script&gt;');
    expect(mail.text).toContain(`Too dear.\n${hostile}`);
  });

  it('tells each side of an escalation its own story', () => {
    const [toNew, byDefault, toPrevious] = samples.escalation.map((data) => renderMail('escalation', data));
    expect(toNew!.subject).toBe(`Escalated to you: REQ-2026-0042 Oscilloscope ${hostile} (from Ada Lovelace)`);
    expect(toNew!.text).toContain('moved to you from Ada Lovelace');
    expect(toNew!.text).toContain('https://p2p.example.com/action/approve-token');
    expect(toPrevious!.subject).toBe(`Escalated to Dan: REQ-2026-0042 Oscilloscope ${hostile}`);
    expect(toPrevious!.text).toContain('moved from you to Dan');
    expect(toPrevious!.text).not.toContain('/action/');
    // No audience means the new assignee; no links means no note about links.
    expect(byDefault!.subject).toMatch(/^Escalated to you: .* \(from the role pool\)$/);
    expect(byDefault!.text).not.toContain('works once');
  });

  it('asks the requester the question with a link to answer or amend', () => {
    const mail = renderMail('questioned', samples.questioned[0]!);
    expect(mail.subject).toBe(`Question on REQ-2026-0042 Oscilloscope ${hostile} from Ada Lovelace`);
    expect(mail.html).toContain('href="https://p2p.example.com/inbox?task&#x3D;t2"');
    expect(mail.text).toContain(`Question from Ada Lovelace:\nWhy two? ${hostile}\n`);
    expect(mail.text).toContain('Answer or amend:\nhttps://p2p.example.com/inbox?task=t2');
    expect(mail.text).toContain('Please answer by Tue 24 Nov 2026, 14:00 UTC.');
  });

  it('tells admins about a stuck step, with or without a task', () => {
    const [exhausted, noTask] = samples['admin-alert'].map((data) => renderMail('admin-alert', data));
    expect(exhausted!.subject).toBe(`Action needed: escalation exhausted for REQ-2026-0042 Oscilloscope ${hostile}`);
    expect(exhausted!.text).toContain('it was last with Dan');
    expect(exhausted!.text).toContain(`Open the task:\n${task.url}`);
    expect(noTask!.subject).toMatch(/^Action needed: nobody can take REQ-2026-0042/);
    expect(noTask!.text).toContain(`Open the requisition:\n${requisition.url}`);
  });

  it('refuses an unknown template', () => {
    expect(() => renderMail('nope' as MailTemplate, samples.reminder[0]!)).toThrow(/unknown mail template/);
  });
});

describe('mail formatting is deterministic', () => {
  it.each([
    ['0', undefined, '0.00'],
    ['12345.5', 'EUR', '€12,345.50'],
    ['1234567.891', 'usd', '$1,234,567.891'],
    ['-42', 'GBP', '-£42.00'],
    ['999', 'CHF', 'CHF 999.00'],
    ['007.10', null, '7.10'],
  ])('money %s %s -> %s', (amount, currency, expected) => {
    expect(formatMoney(amount, currency)).toBe(expected);
  });

  it('dates are UTC with weekday and no locale', () => {
    expect(formatMailDate('2026-11-24T14:00:00Z')).toBe('Tue 24 Nov 2026, 14:00 UTC');
    expect(formatMailDate('2026-01-04T23:59:59+02:00')).toBe('Sun 4 Jan 2026, 21:59 UTC');
    expect(() => formatMailDate('yesterday')).toThrow(RangeError);
  });
});

describe('signed action links', () => {
  const secret = 'a-test-secret-of-at-least-32-characters!';
  const now = new Date('2026-11-24T12:00:00Z');
  const payload: ActionLinkPayload = {
    jti: '1c7a4a4e-2a44-4b8e-9a43-0f5cf3b9d001',
    taskId: '6b1b8f1c-7f0c-4d2f-8d55-2b7c1f0e9a10',
    action: 'approve',
    userId: '0e0f3a55-5f5e-4f57-9d3e-64f1d6c2b0aa',
    expiresAt: now.getTime() + ACTION_LINK_TTL_MS,
  };

  it('round-trips: a signed link verifies and gives the payload back', async () => {
    const token = await signActionLink(secret, payload);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyActionLink(secret, token, now)).toEqual({ ok: true, payload });
    expect(ACTION_LINK_TTL_MS).toBe(72 * 3600 * 1000);
  });

  it('refuses a changed payload (any character) as bad_signature', async () => {
    const token = await signActionLink(secret, payload);
    const [body, signature] = token.split('.') as [string, string];
    const forged = JSON.stringify({ ...payload, action: 'reject' });
    const forgedBody = btoa(forged).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(await verifyActionLink(secret, `${forgedBody}.${signature}`, now)).toEqual({ ok: false, reason: 'bad_signature' });
    for (let i = 0; i < body.length; i++) {
      const tampered = `${body.slice(0, i)}${flip(body[i]!)}${body.slice(i + 1)}.${signature}`;
      const result = await verifyActionLink(secret, tampered, now);
      expect(result.ok, `payload character ${i}`).toBe(false);
    }
  });

  it('refuses a changed signature (any character, including the last one)', async () => {
    const token = await signActionLink(secret, payload);
    const [body, signature] = token.split('.') as [string, string];
    for (let i = 0; i < signature.length; i++) {
      for (const replacement of [flip(signature[i]!), nextChar(signature[i]!)]) {
        const tampered = `${body}.${signature.slice(0, i)}${replacement}${signature.slice(i + 1)}`;
        const result = await verifyActionLink(secret, tampered, now);
        expect(result.ok, `signature character ${i} -> ${replacement}`).toBe(false);
      }
    }
  });

  it('refuses a link signed with another secret', async () => {
    const token = await signActionLink('another-secret-of-at-least-32-characters', payload);
    expect(await verifyActionLink(secret, token, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an expired link, from the expiry instant on', async () => {
    const token = await signActionLink(secret, payload);
    expect((await verifyActionLink(secret, token, new Date(payload.expiresAt - 1))).ok).toBe(true);
    expect(await verifyActionLink(secret, token, new Date(payload.expiresAt))).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'ab+/.cd=='],
    ['short signature', 'eyJhIjoxfQ.AAAA'],
    ['huge', `${'A'.repeat(5000)}.${'A'.repeat(43)}`],
  ])('refuses a malformed token (%s)', async (_name, token) => {
    expect(await verifyActionLink(secret, token, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a correctly signed body that is not an action link payload as malformed', async () => {
    const token = await signActionLink(secret, { ...payload, expiresAt: 'soon' as unknown as number });
    expect(await verifyActionLink(secret, token, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
    .replace(/=/g, '&#x3D;');
}

/** Another base64url character that differs in the high bits (so it changes the decoded bytes for sure). */
function flip(char: string): string {
  return char === 'A' ? 'g' : 'A';
}

/** The neighbouring character: differs only in the lowest bit, the case a lax decoder would ignore at the end. */
function nextChar(char: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[(alphabet.indexOf(char) + 1) % 64]!;
}
