import { describe, expect, it } from 'vitest';
import { ACTION_LINK_TTL_MS, signActionLink, verifyActionLink, type ActionLinkPayload } from '@p2p/domain/action-links';
import { defineTaskKinds } from '@p2p/domain/task-registry';
import { formatMailDate, formatMoney } from '../../activities/mail/format.ts';
import { renderMail } from '../../activities/mail/render.ts';
import { requisitionMailSubject } from '../../activities/mail/subjects.ts';
import { mailActions, type MailSubject, type MailTemplate, type MailTemplates } from '../../activities/mail/templates.ts';

const hostile = '<script>alert("x")</script> & <b>bold</b>';
/** A requisition as the mails showed it before they were generic, with a currency so the amount shows its symbol. */
const subject: MailSubject = {
  typeLabel: 'Requisition',
  number: 'REQ-2026-0042',
  title: `Oscilloscope ${hostile}`,
  url: 'https://p2p.example.com/requisitions/r1',
  facts: [
    { label: 'Requested by', text: 'Grace <Hopper>' },
    { label: 'Total', amount: '12345.5', currency: 'EUR', strong: true },
  ],
  summary: 'Grace <Hopper> asks for €12,345.50',
};
const task = {
  title: 'Line manager approval',
  kindLabel: 'Requisition approval',
  businessKey: 'REQ-2026-0042',
  dueAt: '2026-11-24T14:00:00.000Z',
  url: 'https://p2p.example.com/inbox?task=t1',
};
const actions = mailActions('requisition_approval', [
  { action: 'approve', url: 'https://p2p.example.com/action/approve-token' },
  { action: 'reject', url: 'https://p2p.example.com/action/reject-token' },
  { action: 'question', url: 'https://p2p.example.com/action/question-token' },
]);

/** The people's-step templates, in the requisition's words; the purchasing mails have their own test (test/api/mail-attachments.test.ts). */
type StepTemplate = 'task-assigned' | 'reminder' | 'escalation' | 'decision' | 'questioned' | 'admin-alert';
const samples: { [T in StepTemplate]: MailTemplates[T][] } = {
  'task-assigned': [
    { recipientName: 'Ada Lovelace', task, subject, actions, linksExpireAt: '2026-11-25T09:30:00Z', onBehalfOfName: 'Carol' },
  ],
  reminder: [{ recipientName: 'Ada Lovelace', task, subject, actions }],
  escalation: [
    { recipientName: 'Dan', task, subject, actions, audience: 'new_assignee', fromName: 'Ada Lovelace', reason: 'No decision within 2 business days', level: 2 },
    { recipientName: 'Dan', task, subject, actions: [], fromName: 'the role pool', reason: 'Not decided within its SLA', level: 1 },
    { recipientName: 'Ada Lovelace', task, subject, audience: 'previous_assignee', toName: 'Dan', reason: 'No decision within 2 business days', level: 2 },
  ],
  decision: [
    { recipientName: 'Grace', subject, decision: 'approved', decisionLabel: 'Approved', fromName: 'Ada Lovelace', decidedAt: '2026-11-24T14:00:00Z', comment: null },
    { recipientName: 'Grace', subject, decision: 'rejected', decisionLabel: 'Rejected', fromName: 'Ada Lovelace', decidedAt: '2026-11-24T14:00:00Z', comment: `Too dear.\n${hostile}`, nextStep: `Raise a new one ${hostile}` },
    { recipientName: 'Grace', subject, decision: 'approved', decisionLabel: 'Approved', fromName: null, comment: null },
  ],
  questioned: [
    { recipientName: 'Grace', subject, task: { ...task, title: 'Answer the question', kindLabel: 'Answer a question', url: 'https://p2p.example.com/inbox?task=t2' }, comment: `Why two? ${hostile}`, fromName: 'Ada Lovelace', nextStep: 'A changed total restarts the chain.' },
    { recipientName: 'Grace', subject, task: { ...task, dueAt: null }, comment: 'Which project?' },
  ],
  'admin-alert': [
    { recipientName: 'Root', task, subject, level: 3, reason: 'No manager above Dan', lastAssigneeName: 'Dan' },
    { recipientName: 'Root', task: null, subject, reason: `Nobody may approve: ${hostile}` },
  ],
};

const cases = (Object.keys(samples) as StepTemplate[]).flatMap((template) =>
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
    expect(mail.subject).toBe(`Requisition approval: REQ-2026-0042 Oscilloscope ${hostile}`);
  });

  it("labels and colours buttons from the task kind's actions in the registry", () => {
    expect(actions).toEqual([
      { action: 'approve', label: 'Approve', tone: 'positive', url: 'https://p2p.example.com/action/approve-token' },
      { action: 'reject', label: 'Reject', tone: 'negative', url: 'https://p2p.example.com/action/reject-token' },
      { action: 'question', label: 'Ask a question', tone: 'neutral', url: 'https://p2p.example.com/action/question-token' },
    ]);
    const { html } = renderMail('task-assigned', samples['task-assigned'][0]!);
    expect(buttonColour(html, 'Approve')).toBe('#ffffff'); // white on green
    expect(html).toMatch(/bgcolor="#15803d"[^]*?>Approve<\/a>/);
    expect(buttonColour(html, 'Reject')).toBe('#b91c1c');
    expect(buttonColour(html, 'Ask a question')).toBe('#1e293b');
    // An action the registry does not know shows its name, in the neutral colour.
    expect(mailActions('requisition_approval', [{ action: 'escalate_now', url: 'https://p2p.example.com/action/x' }])).toEqual([
      { action: 'escalate_now', label: 'escalate_now', tone: 'neutral', url: 'https://p2p.example.com/action/x' },
    ]);
  });

  it('shows a requisition as before: who asks, for how much, in the sentence and in the details box', () => {
    const requisition = requisitionMailSubject({ number: 'REQ-2026-0042', title: 'Oscilloscope', total: '12345.5', requesterName: 'Grace Hopper', url: 'https://p2p.example.com/requisitions/r1' });
    expect(requisition).toEqual({
      typeLabel: 'Requisition',
      number: 'REQ-2026-0042',
      title: 'Oscilloscope',
      url: 'https://p2p.example.com/requisitions/r1',
      facts: [
        { label: 'Requested by', text: 'Grace Hopper' },
        { label: 'Total', amount: '12345.5', strong: true },
      ],
      summary: 'Grace Hopper asks for 12,345.50',
    });
    const mail = renderMail('task-assigned', { ...samples['task-assigned'][0]!, subject: requisition, onBehalfOfName: null });
    expect(mail.subject).toBe('Requisition approval: REQ-2026-0042 Oscilloscope');
    expect(mail.html).toContain('Requisition REQ-2026-0042 needs you: the step <em>Line manager approval</em> is yours to decide. Grace Hopper asks for 12,345.50.</p>');
    expect(mail.html).toContain('>Grace Hopper asks for 12,345.50. Decision due Tue 24 Nov 2026, 14:00 UTC.&#8199;');
    expect(mail.html).toContain('<a href="https://p2p.example.com/requisitions/r1" style="color:#0f766e; text-decoration:none;">REQ-2026-0042</a>');
    expect(mail.html).toMatch(/>Total<\/td>\s*<td valign="top" style="padding:4px 0; font-size:16px; font-weight:700;">12,345.50<\/td>/);
    expect(mail.text).toContain(
      [
        '  Requisition:   REQ-2026-0042',
        '  Title:         Oscilloscope',
        '  Requested by:  Grace Hopper',
        '  Total:         12,345.50',
        '  Decision due:  Tue 24 Nov 2026, 14:00 UTC',
      ].join('\n'),
    );
  });

  it('keeps line breaks of comments without letting markup through', () => {
    const mail = renderMail('decision', samples.decision[1]!);
    expect(mail.subject).toBe(`Rejected: REQ-2026-0042 Oscilloscope ${hostile}`);
    expect(mail.html).toContain('Too dear.<br>&lt;script&gt;');
    expect(mail.text).toContain(`Too dear.\n${hostile}`);
  });

  it('tells the outcome in words from the label, coloured by the outcome, with the next step the process gives', () => {
    const [approved, rejected] = samples.decision.map((data) => renderMail('decision', data));
    expect(approved!.subject).toBe(`Approved: REQ-2026-0042 Oscilloscope ${hostile}`);
    expect(approved!.html).toContain('Your requisition was approved</h1>');
    expect(approved!.html).toContain('background-color:#dcfce7; color:#166534;');
    expect(approved!.text).toContain(`Your requisition "Oscilloscope ${hostile}" was approved by Ada Lovelace on Tue 24 Nov 2026, 14:00 UTC.`);
    expect(approved!.text).toContain('View the requisition:\nhttps://p2p.example.com/requisitions/r1');
    expect(rejected!.html).toContain('Your requisition was rejected</h1>');
    expect(rejected!.html).toContain('background-color:#fee2e2; color:#991b1b;');
    expect(rejected!.html).toContain('Raise a new one &lt;script&gt;');
    expect(rejected!.text).toContain(`Raise a new one ${hostile}`);
    // Another outcome of another process: its own words, a neutral badge.
    const sentBack = renderMail('decision', { ...samples.decision[0]!, decision: 'sent_back', decisionLabel: 'Sent back' });
    expect(sentBack.subject).toBe(`Sent back: REQ-2026-0042 Oscilloscope ${hostile}`);
    expect(sentBack.html).toContain('background-color:#e2e8f0; color:#334155;');
    expect(sentBack.html).toContain('Your requisition was sent back</h1>');
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
    expect(mail.text).toContain('first and then answer. A changed total restarts the chain. Please answer by Tue 24 Nov 2026, 14:00 UTC.');
  });

  it('tells admins about a stuck step, with or without a task', () => {
    const [exhausted, noTask] = samples['admin-alert'].map((data) => renderMail('admin-alert', data));
    expect(exhausted!.subject).toBe(`Action needed: escalation exhausted for REQ-2026-0042 Oscilloscope ${hostile}`);
    expect(exhausted!.text).toContain('it was last with Dan');
    expect(exhausted!.text).toContain(`Open the task:\n${task.url}`);
    expect(noTask!.subject).toMatch(/^Action needed: nobody can take REQ-2026-0042/);
    expect(noTask!.text).toContain(`Open the requisition:\n${subject.url}`);
    expect(noTask!.html).toContain('>Open the requisition</a>');
  });

  it("serves any process: a purchase order's mails show its facts and say nothing of requisitions", () => {
    defineTaskKinds([
      {
        kind: 'test_po_release',
        processType: 'testPurchaseOrderWorkflow',
        label: 'Purchase order release',
        subjectType: 'PurchaseOrder',
        actions: [
          { name: 'release', label: 'Release', done: 'Released', comment: 'optional', tone: 'positive' },
          { name: 'send_back', label: 'Send back', done: 'Sent back', comment: 'required', tone: 'negative' },
        ],
        slaPolicy: null,
        segregated: false,
      },
    ]);
    const order: MailSubject = {
      typeLabel: 'Purchase order',
      number: 'PO-2026-0007',
      title: 'Bench supplies Q1',
      url: 'https://p2p.example.com/purchase-orders/p7',
      facts: [
        { label: 'Supplier', text: 'Müller & Söhne <GmbH>' },
        { label: 'Net amount', amount: '48200', currency: 'USD', strong: true },
        { label: 'Delivery by', date: '2026-12-15' },
        { label: 'Ordered', date: '2026-11-20T08:15:00Z' },
        { label: 'Incoterms' },
      ],
      summary: 'Bo Buyer orders for $48,200.00 from Müller & Söhne',
    };
    const poTask = { title: 'Release PO-2026-0007', kindLabel: 'Purchase order release', businessKey: 'PO-2026-0007', dueAt: '2026-11-26T12:00:00Z', url: 'https://p2p.example.com/inbox?task=t9' };
    const poActions = mailActions('test_po_release', [
      { action: 'release', url: 'https://p2p.example.com/action/release-token' },
      { action: 'send_back', url: 'https://p2p.example.com/action/send-back-token' },
    ]);
    const mails = [
      renderMail('task-assigned', { recipientName: 'Ada', task: poTask, subject: order, actions: poActions, linksExpireAt: '2026-11-25T09:30:00Z' }),
      renderMail('reminder', { recipientName: 'Ada', task: poTask, subject: order, actions: poActions }),
      renderMail('escalation', { recipientName: 'Dan', task: poTask, subject: order, actions: poActions, fromName: 'Ada', reason: 'Not decided within its SLA', level: 1 }),
      renderMail('escalation', { recipientName: 'Ada', task: poTask, subject: order, audience: 'previous_assignee', toName: 'Dan', reason: 'Not decided within its SLA', level: 1 }),
      renderMail('decision', { recipientName: 'Bo', subject: order, decision: 'released', decisionLabel: 'Released', fromName: 'Ada', decidedAt: '2026-11-24T14:00:00Z', comment: null }),
      renderMail('questioned', { recipientName: 'Bo', subject: order, task: { ...poTask, title: 'Answer Ada' }, comment: 'Why express delivery?', fromName: 'Ada' }),
      renderMail('admin-alert', { recipientName: 'Root', task: null, subject: order, reason: 'Nobody may release it' }),
    ];
    for (const { subject: line, html, text } of mails) {
      for (const part of [line, html, text]) expect(part).not.toMatch(/requisition|requested|approv|purchasing|buyer turns|\btotal\b/i);
      expect(line).toContain('PO-2026-0007 Bench supplies Q1');
      expect(html).toContain('>Purchase order</td>');
      expect(html).toContain('>Müller &amp; Söhne &lt;GmbH&gt;</td>');
      expect(html).toMatch(/>Net amount<\/td>\s*<td valign="top" style="padding:4px 0; font-size:16px; font-weight:700;">\$48,200.00<\/td>/);
      expect(html).toContain('>Tue 15 Dec 2026</td>');
      expect(html).toContain('>Fri 20 Nov 2026, 08:15 UTC</td>');
      expect(html).toContain('>Incoterms</td>\n          <td valign="top" style="padding:4px 0;">&ndash;</td>');
      expect(text).toContain(
        [
          '  Purchase order: PO-2026-0007',
          '  Title:         Bench supplies Q1',
          '  Supplier:      Müller & Söhne <GmbH>',
          '  Net amount:    $48,200.00',
          '  Delivery by:   Tue 15 Dec 2026',
          '  Ordered:       Fri 20 Nov 2026, 08:15 UTC',
          '  Incoterms:     -',
        ].join('\n'),
      );
    }
    const [assigned, , , previous, decided, questioned, alert] = mails;
    expect(assigned!.subject).toBe('Purchase order release: PO-2026-0007 Bench supplies Q1');
    expect(assigned!.html).toContain('Purchase order PO-2026-0007 needs you: the step <em>Release PO-2026-0007</em> is yours to decide. Bo Buyer orders for $48,200.00 from Müller &amp; Söhne.');
    expect(assigned!.text).toContain('Release:\nhttps://p2p.example.com/action/release-token\n');
    expect(buttonColour(assigned!.html, 'Release')).toBe('#ffffff');
    expect(assigned!.html).toMatch(/bgcolor="#15803d"[^]*?>Release<\/a>/);
    expect(buttonColour(assigned!.html, 'Send back')).toBe('#b91c1c');
    expect(previous!.text).toContain('You keep read access to the purchase order.');
    expect(previous!.text).toContain('View the purchase order:\nhttps://p2p.example.com/purchase-orders/p7');
    expect(decided!.subject).toBe('Released: PO-2026-0007 Bench supplies Q1');
    expect(decided!.html).toContain('Your purchase order was released</h1>');
    expect(questioned!.html).toContain('A question about your purchase order</h1>');
    expect(alert!.text).toContain('Purchase order PO-2026-0007 has a step nobody may take');
    expect(alert!.text).toContain('Open the purchase order:\nhttps://p2p.example.com/purchase-orders/p7');
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
    // A calendar day (a record's due date) has no time to show.
    expect(formatMailDate('2026-12-15')).toBe('Tue 15 Dec 2026');
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

/** The text colour of the button labelled `label`. */
function buttonColour(html: string, label: string): string | undefined {
  return new RegExp(`color:(#[0-9a-f]{6}); text-decoration:none; border-radius:8px;">${label}</a>`).exec(html)?.[1];
}

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
