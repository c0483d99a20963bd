import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoCompanyProfile } from '../../activities/documents/company.ts';
import { purchaseOrderPdfFilename, renderPurchaseOrderPdf } from '../../activities/documents/po-pdf.ts';
import { createMailer, findMail, listOutbox, messageIdFor } from '../../activities/mail/mailer.ts';
import { renderMail } from '../../activities/mail/render.ts';
import { purchaseOrderMailSubject } from '../../activities/mail/subjects.ts';
import type { MailTemplates, PurchaseOrderMail } from '../../activities/mail/templates.ts';
import { createMailTransport, type MailTransport } from '../../activities/mail/transport.ts';
import { documents, mailOutbox } from '../../db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { startSmtpServer } from '../support/smtp.ts';

const hostile = '<script>alert("x")</script> & <b>bold</b>';
const escapedHostile = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;';
const poNumber = 'PO-2026-00042';

function purchaseOrderMail(overrides: Partial<PurchaseOrderMail> = {}): PurchaseOrderMail {
  return {
    supplierName: 'Bolt & Nut Supplies Ltd',
    companyName: 'Acme Manufacturing GmbH',
    subject: purchaseOrderMailSubject({ number: poNumber, supplierName: 'Bolt & Nut Supplies Ltd', total: '3007.55', currency: 'EUR', deliveryDate: '2026-12-15', revision: 0, url: null, deliveryAddress: 'Dock 2, 1 Industrial Way', paymentTermsDays: 30 }),
    revision: 0,
    revisionReason: null,
    buyerName: 'Bea Buyer',
    buyerEmail: 'buyer@demo.local',
    confirmUrl: 'https://p2p.example.com/supplier/token-1?action=confirm',
    proposeDateUrl: 'https://p2p.example.com/supplier/token-1?action=propose_date',
    linksExpireAt: '2026-12-08T14:00:00.000Z',
    ...overrides,
  };
}

describe('mail attachments over real SMTP', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let transport: MailTransport;
  let pdf: Buffer;
  const now = new Date('2026-11-24T14:00:00Z');
  const from = 'Procurement <procurement@example.com>';
  const to = { address: 'orders@boltnut.example', name: 'Bolt & Nut Supplies Ltd' };

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    transport = createMailTransport(`smtp://127.0.0.1:${smtp.port}`)!;
    pdf = await renderPurchaseOrderPdf({
      company: demoCompanyProfile,
      number: poNumber,
      revision: 0,
      issuedAt: now.toISOString(),
      supplier: { name: 'Bolt & Nut Supplies Ltd', address: '1 Harbour Road\nBristol', email: to.address, taxId: null },
      buyer: { name: 'Bea Buyer', email: 'buyer@demo.local' },
      deliveryDate: '2026-12-15',
      deliveryAddress: 'Dock 2, 1 Industrial Way',
      paymentTermsDays: 30,
      currency: 'EUR',
      note: null,
      lines: [{ lineNo: 1, description: 'Digital oscilloscope', unit: 'pcs', quantity: '2.0000', cancelledQuantity: '0.0000', unitPrice: '1249.9000', taxRate: '19.0000', amount: '2499.80', taxAmount: '474.96' }],
      subtotal: '2499.80',
      taxTotal: '474.96',
      total: '2974.76',
    });
  });
  afterAll(async () => {
    await smtp?.close();
    await database?.drop();
  });
  beforeEach(() => {
    smtp.received.length = 0;
  });

  /** The PO's PDF as the issuing step stores it: one `documents` row per order and revision. */
  async function storePdf(revision: number) {
    const subjectId = crypto.randomUUID();
    const filename = purchaseOrderPdfFilename(poNumber, revision);
    const [row] = await database.db
      .insert(documents)
      .values({ kind: 'po_pdf', subjectType: 'PurchaseOrder', subjectId, revision, filename, contentType: 'application/pdf', content: pdf, sha256: createHash('sha256').update(pdf).digest('hex') })
      .returning({ id: documents.id });
    return { documentId: row!.id, filename, contentType: 'application/pdf' };
  }

  it('sends the purchase-order mail with its PDF: file name, type and the very bytes stored; a retry sends nothing more', async () => {
    const attachment = await storePdf(0);
    const mailer = createMailer({ db: database.db, transport, from, clock: () => now });
    const params = { key: 'po-1:issue:r0', template: 'purchase-order', to, processId: 'po-1', data: purchaseOrderMail(), attachments: [attachment] } as const;

    expect(await mailer.send(params)).toMatchObject({ status: 'sent', duplicate: false });
    expect(smtp.received).toHaveLength(1);
    const message = parseMime(smtp.received[0]!.raw);
    expect(message.headers.get('subject')).toBe(`Purchase order ${poNumber}`);
    expect(message.headers.get('message-id')).toBe(messageIdFor(params.key));
    const leaves = message.leaves();
    const file = leaves.find((part) => /attachment/i.test(part.headers.get('content-disposition') ?? ''));
    expect(file).toBeDefined();
    expect(file!.headers.get('content-type')).toMatch(/^application\/pdf; name="?PO-2026-00042\.pdf"?$/);
    expect(file!.headers.get('content-disposition')).toMatch(/filename="?PO-2026-00042\.pdf"?/);
    expect(file!.body().equals(pdf)).toBe(true);
    // The text and HTML parts still travel beside it.
    expect(leaves.find((part) => part.type === 'text/plain')!.body().toString('utf8')).toContain('Please find attached our purchase order PO-2026-00042 as a PDF.');
    expect(leaves.find((part) => part.type === 'text/html')!.body().toString('utf8')).toContain('Bolt &amp; Nut Supplies Ltd');

    // Temporal retries the activity: same key, nothing more leaves.
    expect(await mailer.send(params)).toMatchObject({ status: 'sent', duplicate: true });
    expect(smtp.received).toHaveLength(1);
  });

  it('queues once per key in the step\'s transaction however often the step runs, and delivers that one mail once', async () => {
    const attachment = await storePdf(1);
    const mailer = createMailer({ db: database.db, transport, from, clock: () => now });
    const params = { key: 'po-2:issue:r1', template: 'purchase-order', to, processId: 'po-2', data: purchaseOrderMail({ revision: 1, revisionReason: 'Delivery moved' }), attachments: [attachment] } as const;

    const written = [];
    for (let attempt = 0; attempt < 3; attempt += 1) written.push(await database.db.transaction((tx) => mailer.enqueue(tx, params)));
    expect(written).toEqual([true, false, false]);
    await Promise.all([mailer.deliverPending('po-2'), mailer.deliverPending('po-2')]);
    await mailer.deliverPending('po-2');
    expect(smtp.received).toHaveLength(1);
    const message = parseMime(smtp.received[0]!.raw);
    expect(message.headers.get('subject')).toBe(`Purchase order ${poNumber} revision 1`);
    const file = message.leaves().find((part) => part.type === 'application/pdf')!;
    expect(file.headers.get('content-disposition')).toMatch(/filename="?PO-2026-00042-rev1\.pdf"?/);
    expect(file.body().equals(pdf)).toBe(true);
  });

  it('shows the attachments in the outbox; a mail without any lists none', async () => {
    const attachment = await storePdf(2);
    const devMailer = createMailer({ db: database.db, transport: undefined, from, clock: () => now });
    const sent = await devMailer.send({ key: 'po-3:issue:r2', template: 'purchase-order', to, processId: 'po-3', data: purchaseOrderMail({ revision: 2 }), attachments: [attachment] });
    expect(sent).toMatchObject({ status: 'stored' });
    const [listed] = await listOutbox(database.db, { limit: 1, processId: 'po-3' });
    expect(listed!.attachments).toEqual([attachment]);
    expect(listed).not.toHaveProperty('html');
    expect((await findMail(database.db, sent.id))!.attachments.map((file) => file.filename)).toEqual(['PO-2026-00042-rev2.pdf']);

    const plain = await devMailer.send({ key: 'po-3:reminder', template: 'acknowledgement-reminder', to, processId: 'po-3', data: { recipientName: 'Bea', number: poNumber, supplierName: 'Bolt', issuedAt: null, businessDays: 3, url: 'https://p2p.example.com/purchase-orders/1' } });
    expect((await findMail(database.db, plain.id))!.attachments).toEqual([]);
  });

  it('refuses to queue a mail whose document does not exist, and writes no row', async () => {
    const mailer = createMailer({ db: database.db, transport, from, clock: () => now });
    const ghost = { documentId: crypto.randomUUID(), filename: 'ghost.pdf', contentType: 'application/pdf' };
    await expect(mailer.send({ key: 'po-4:issue:r0', template: 'purchase-order', to, data: purchaseOrderMail(), attachments: [ghost] })).rejects.toThrow('no document for attachment ghost.pdf');
    expect(await database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, 'po-4:issue:r0'))).toEqual([]);
  });

  it('a document gone before the hand-off fails the attempt before SMTP has anything; the mail stays failed for a retry', async () => {
    const attachment = await storePdf(3);
    const mailer = createMailer({ db: database.db, transport, from, clock: () => now });
    const params = { key: 'po-5:issue:r3', template: 'purchase-order', to, processId: 'po-5', data: purchaseOrderMail({ revision: 3 }), attachments: [attachment] } as const;
    await database.db.transaction((tx) => mailer.enqueue(tx, params));
    await database.db.delete(documents).where(eq(documents.id, attachment.documentId));
    await expect(mailer.deliverPending('po-5')).rejects.toThrow(`document ${attachment.documentId} does not exist`);
    expect(smtp.received).toHaveLength(0);
    const [row] = await listOutbox(database.db, { limit: 1, processId: 'po-5' });
    expect(row).toMatchObject({ status: 'failed', sentAt: null });
  });
});

describe('purchasing mail templates', () => {
  const buyer = { buyerName: 'Bea Buyer', buyerEmail: 'buyer@demo.local' };
  const toSupplier = { supplierName: `Bolt ${hostile}`, companyName: 'Acme Manufacturing GmbH', ...buyer };
  /** The supplier's invoice as the match left it: two named holds, one detail quoting a line description the buyer typed. */
  const invoice = {
    invoiceNumber: 'INV-88123',
    invoiceDate: '2026-11-20',
    purchaseOrderNumber: poNumber,
    total: '3120',
    currency: 'EUR',
    holds: [
      { label: 'Price above tolerance', detail: 'line 1 (Digital oscilloscope): invoiced at 1300 per pcs, PO price 1249.9' },
      { label: 'More invoiced than received', detail: `line 2 (Probe set ${hostile}): 4 pcs invoiced in all, 2 accepted` },
    ],
  };
  const samples: { [T in Exclude<keyof MailTemplates, 'task-assigned' | 'reminder' | 'escalation' | 'decision' | 'questioned' | 'admin-alert'>]: MailTemplates[T] } = {
    'purchase-order': { ...purchaseOrderMail({ revision: 2, revisionReason: `Quantities raised ${hostile}` }), supplierName: `Bolt ${hostile}` },
    'purchase-order-cancelled': { ...toSupplier, number: poNumber, reason: `Project stopped ${hostile}`, whole: false, lines: [{ description: `Probe set ${hostile}`, quantity: '4.5000', unit: 'kg' }] },
    'return-to-vendor': { ...toSupplier, returnNumber: 'RTV-2026-00003', purchaseOrderNumber: poNumber, receiptNumber: 'GR-2026-00007', reason: `Damaged ${hostile}`, lines: [{ description: 'Digital oscilloscope', quantity: '1.0000', unit: 'pcs' }] },
    'goods-arrived': {
      recipientName: 'Rita Reyes',
      receiptNumber: 'GR-2026-00007',
      purchaseOrderNumber: poNumber,
      requisitionNumber: 'REQ-2026-0042',
      requisitionTitle: `Lab kit ${hostile}`,
      url: 'https://p2p.example.com/requisitions/r1',
      lines: [{ description: 'Digital oscilloscope', unit: 'pcs', quantityNow: '2.0000', acceptedSoFar: '1.0000', ordered: '2.0000', location: `Shelf ${hostile}` }],
    },
    'acknowledgement-reminder': { recipientName: 'Bea Buyer', number: poNumber, supplierName: `Bolt ${hostile}`, supplierEmail: 'orders@boltnut.example', issuedAt: '2026-11-24T14:00:00Z', businessDays: 3, url: 'https://p2p.example.com/purchase-orders/po1' },
    'supplier-response': { recipientName: 'Bea Buyer', number: poNumber, supplierName: `Bolt ${hostile}`, confirmed: false, currentDate: '2026-12-15', proposedDate: '2026-12-22', comment: `Stock arrives late ${hostile}`, url: 'https://p2p.example.com/purchase-orders/po1' },
    'delivery-date-decision': { ...toSupplier, number: poNumber, accepted: false, proposedDate: '2026-12-22', deliveryDate: '2026-12-15', comment: `Line stops ${hostile}` },
    'invoice-credit-note-request': { ...toSupplier, ...invoice, reason: `Please credit the price difference.\nOnly line 1 ${hostile}` },
    'invoice-rejected': { ...toSupplier, ...invoice, reason: `Not our order ${hostile}` },
    'invoice-on-hold': { recipientName: 'Bea Buyer', supplierName: `Bolt ${hostile}`, ...invoice, waitDays: 14, url: 'https://p2p.example.com/invoices/i1', purchaseOrderUrl: 'https://p2p.example.com/purchase-orders/po1' },
  };
  const cases = Object.entries(samples).map(([template, data]) => ({ template: template as keyof typeof samples, data }));

  it.each(cases)('$template renders both parts in the layout and escapes user text in the HTML', ({ template, data }) => {
    const mail = renderMail(template, data as never);
    expect(mail.subject).toContain(template === 'goods-arrived' ? 'REQ-2026-0042' : template === 'return-to-vendor' ? 'RTV-2026-00003' : poNumber);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain('You get this because');
    expect(mail.text).toContain('You get this because');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>bold</b>');
    expect(mail.html).toContain(escapedHostile);
    // Plain text is not HTML: the reader sees what was typed.
    expect(mail.text).toContain(hostile);
    expect(mail.text).not.toMatch(/&amp;|&lt;|&quot;|&ndash;/);
    expect(mail.text).not.toMatch(/\n{3,}/);
  });

  it('purchase-order: a revision says so in the subject, badge and text, with its reason, links, expiry and the buyer to ask', () => {
    const { subject, html, text } = renderMail('purchase-order', samples['purchase-order']);
    expect(subject).toBe(`Purchase order ${poNumber} revision 2`);
    expect(renderMail('purchase-order', purchaseOrderMail()).subject).toBe(`Purchase order ${poNumber}`);
    expect(html).toContain('>Revision 2</span>');
    expect(text).toContain(`Please find attached revision 2 of our purchase order ${poNumber} as a PDF.`);
    expect(text).toContain(`What changed and why:\nQuantities raised ${hostile}`);
    expect(text).toContain('Confirm the order:\nhttps://p2p.example.com/supplier/token-1?action=confirm');
    expect(text).toContain('Propose another delivery date:\nhttps://p2p.example.com/supplier/token-1?action=propose_date');
    expect(html).toContain('href="https://p2p.example.com/supplier/token-1?action&#x3D;confirm"');
    expect(text).toContain('The links work until Tue 8 Dec 2026, 14:00 UTC');
    expect(text).toContain('Questions? Please write to Bea Buyer at buyer@demo.local');
    expect(html).toContain('href="mailto:buyer@demo.local"');
    for (const row of ['  Purchase order: PO-2026-00042', '  Title:         Order to Bolt & Nut Supplies Ltd', '  Total:         €3,007.55', '  Delivery date: Tue 15 Dec 2026', '  Deliver to:    Dock 2, 1 Industrial Way', '  Payment terms: Net 30 days']) expect(text).toContain(row);
    expect(html).toMatch(/>Total<\/td>\s*<td valign="top" style="padding:4px 0; font-size:16px; font-weight:700;">€3,007.55<\/td>/);
  });

  it('purchase-order-cancelled tells the whole order from its open quantities', () => {
    const remaining = renderMail('purchase-order-cancelled', samples['purchase-order-cancelled']);
    expect(remaining.subject).toBe(`Open quantities cancelled: purchase order ${poNumber}`);
    expect(remaining.text).toContain('cancels the quantities of purchase order PO-2026-00042 that have not been delivered yet');
    expect(remaining.text).toContain(`Cancelled:\n  - Probe set ${hostile}: 4.5 kg`);
    const whole = renderMail('purchase-order-cancelled', { ...samples['purchase-order-cancelled'], whole: true, lines: [] });
    expect(whole.subject).toBe(`Cancelled: purchase order ${poNumber}`);
    expect(whole.text).toContain('cancels purchase order PO-2026-00042 as a whole. Please do not deliver any of it.');
    expect(whole.text).not.toContain('Cancelled:\n');
  });

  it('return-to-vendor names the return, order and receipt and lists what comes back', () => {
    const { subject, text } = renderMail('return-to-vendor', samples['return-to-vendor']);
    expect(subject).toBe(`Return RTV-2026-00003 for purchase order ${poNumber}`);
    expect(text).toContain('  Return:        RTV-2026-00003\n  Purchase order: PO-2026-00042\n  Goods receipt: GR-2026-00007');
    expect(text).toContain('Returned:\n  - Digital oscilloscope: 1 pcs');
    expect(text).toContain(`Reason:\nDamaged ${hostile}`);
  });

  it('goods-arrived shows each line received now, accepted so far of ordered, and where it is', () => {
    const { subject, html, text } = renderMail('goods-arrived', samples['goods-arrived']);
    expect(subject).toBe(`Arrived: REQ-2026-0042 Lab kit ${hostile} (GR-2026-00007)`);
    expect(text).toContain(`  - Digital oscilloscope: 2 pcs received now, 1 of 2 pcs accepted so far, at Shelf ${hostile}`);
    expect(html).toContain('>1 of 2 pcs</td>');
    expect(text).toContain('View the requisition:\nhttps://p2p.example.com/requisitions/r1');
  });

  it('acknowledgement-reminder, supplier-response and delivery-date-decision say what happened and what is next', () => {
    const reminder = renderMail('acknowledgement-reminder', samples['acknowledgement-reminder']);
    expect(reminder.subject).toBe(`Not confirmed yet: ${poNumber} to Bolt ${hostile}`);
    expect(reminder.text).toContain('issued Tue 24 Nov 2026, 14:00 UTC, has waited 3 business days');
    expect(renderMail('acknowledgement-reminder', { ...samples['acknowledgement-reminder'], businessDays: 1 }).text).toContain('has waited 1 business day without');

    const proposed = renderMail('supplier-response', samples['supplier-response']);
    expect(proposed.subject).toBe(`New delivery date proposed by Bolt ${hostile}: ${poNumber}`);
    expect(proposed.text).toContain('  Ordered for:   Tue 15 Dec 2026\n  Proposed:      Tue 22 Dec 2026');
    expect(proposed.text).toContain('A task in your inbox asks you to accept or reject it');
    const confirmed = renderMail('supplier-response', { ...samples['supplier-response'], confirmed: true, proposedDate: null, comment: null });
    expect(confirmed.subject).toBe(`Confirmed by Bolt ${hostile}: ${poNumber}`);
    expect(confirmed.text).toContain(`confirmed purchase order ${poNumber} for delivery on Tue 15 Dec 2026.`);

    const rejected = renderMail('delivery-date-decision', samples['delivery-date-decision']);
    expect(rejected.subject).toBe(`Delivery date not accepted: ${poNumber}`);
    expect(rejected.text).toContain('cannot accept Tue 22 Dec 2026 for purchase order PO-2026-00042. Please deliver on Tue 15 Dec 2026, as ordered.');
    expect(rejected.text).toContain(`Comment from Bea Buyer:\nLine stops ${hostile}`);
    const accepted = renderMail('delivery-date-decision', { ...samples['delivery-date-decision'], accepted: true, deliveryDate: '2026-12-22', comment: null, buyerName: null, buyerEmail: null });
    expect(accepted.subject).toBe(`Delivery date accepted: ${poNumber}`);
    expect(accepted.text).toContain('please deliver on Tue 22 Dec 2026.');
    expect(accepted.text).toContain('Questions? Please write to Acme Manufacturing GmbH purchasing, quoting the order number.');
  });

  /** Each hold as the text part lists it: its label, then its detail indented beneath. */
  const holdLines = `  - Price above tolerance\n    line 1 (Digital oscilloscope): invoiced at 1300 per pcs, PO price 1249.9\n  - More invoiced than received\n    line 2 (Probe set ${hostile}): 4 pcs invoiced in all, 2 accepted\n`;

  it('invoice-credit-note-request names the invoice and order, quotes what to credit, lists the holds and keeps the invoice unpaid until then', () => {
    const { subject, html, text } = renderMail('invoice-credit-note-request', samples['invoice-credit-note-request']);
    expect(subject).toBe(`Credit note requested: invoice INV-88123 on ${poNumber}`);
    expect(text).toContain(`your invoice INV-88123 of Fri 20 Nov 2026 on purchase order ${poNumber} (€3,120.00)`);
    expect(text).toContain('The invoice stays unpaid until the credit note arrives.');
    expect(text).toContain(`What the credit note should cover:\nPlease credit the price difference.\nOnly line 1 ${hostile}`);
    expect(html).toContain(`Please credit the price difference.<br>Only line 1 ${escapedHostile}`);
    expect(text).toContain(`  Your invoice:  INV-88123\n  Invoice date:  Fri 20 Nov 2026\n  Purchase order: ${poNumber}\n  Total:         €3,120.00`);
    expect(text).toContain(`What does not match:\n${holdLines}`);
    expect(html).toMatch(/font-weight:600;">Price above tolerance<\/td>\s*<td[^>]*>line 1 \(Digital oscilloscope\)/);
    expect(text).toContain('Please quote your invoice number INV-88123 on the credit note');
    expect(text).toContain('Questions? Please write to Bea Buyer at buyer@demo.local');
  });

  it('invoice-rejected says it will not be paid, why, what did not match, and to invoice again under a new number', () => {
    const { subject, html, text } = renderMail('invoice-rejected', samples['invoice-rejected']);
    expect(subject).toBe(`Rejected: invoice INV-88123 on ${poNumber}`);
    expect(html).toContain('>Rejected</span>');
    expect(text).toContain(`rejects your invoice INV-88123 of Fri 20 Nov 2026 on purchase order ${poNumber} (€3,120.00). It will not be paid.`);
    expect(text).toContain(`Reason:\nNot our order ${hostile}`);
    expect(text).toContain(`What does not match:\n${holdLines}`);
    expect(text).toContain('please send a corrected invoice under a new invoice number. Invoice INV-88123 stays rejected');
    const withoutHolds = renderMail('invoice-rejected', { ...samples['invoice-rejected'], holds: [], buyerName: null, buyerEmail: null });
    expect(withoutHolds.text).not.toContain('What does not match');
    expect(withoutHolds.html).not.toContain('What does not match');
    expect(withoutHolds.text).toContain('Questions? Please write to Acme Manufacturing GmbH purchasing');
  });

  it('invoice-on-hold tells the buyer which invoice waits for goods, for how long, and links the order to receive them and the invoice', () => {
    const { subject, html, text } = renderMail('invoice-on-hold', samples['invoice-on-hold']);
    expect(subject).toBe(`Invoice INV-88123 from Bolt ${hostile} waits for goods on ${poNumber}`);
    expect(text).toContain(`Bolt ${hostile} invoiced goods on purchase order ${poNumber} that have not been received yet. Their invoice INV-88123 waits`);
    expect(text).toContain('If nothing is received within 14 days, the invoice goes to accounting as an exception.');
    expect(renderMail('invoice-on-hold', { ...samples['invoice-on-hold'], waitDays: 1 }).text).toContain('within 1 day,');
    expect(text).toContain(`Holds:\n${holdLines}`);
    expect(text).toContain('Receive the goods on the purchase order:\nhttps://p2p.example.com/purchase-orders/po1');
    expect(text).toContain('Open the invoice:\nhttps://p2p.example.com/invoices/i1');
    expect(html).toMatch(/href="https:\/\/p2p\.example\.com\/purchase-orders\/po1"[^>]*>Receive the goods<\/a>/);
    expect(html).toMatch(/href="https:\/\/p2p\.example\.com\/invoices\/i1"[^>]*>Open the invoice<\/a>/);
    expect(text).toContain(`You get this because you are the buyer of ${poNumber}.`);
  });
});

interface MimePart {
  headers: Map<string, string>;
  type: string;
  body(): Buffer;
  leaves(): MimePart[];
}

/** Enough MIME to read what nodemailer writes, nested multiparts included: headers unfolded, base64 and quoted-printable bodies decoded to bytes. */
function parseMime(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const content = raw.slice(split + 4);
  const type = (headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  const children = type.startsWith('multipart/') && boundary ? content.split(`--${boundary}`).slice(1, -1).map((chunk) => parseMime(chunk.replace(/^\r\n/, ''))) : [];
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const part: MimePart = {
    headers,
    type,
    body: () => {
      if (encoding === 'base64') return Buffer.from(content.replace(/\s+/g, ''), 'base64');
      if (encoding === 'quoted-printable') {
        const joined = content.replace(/=\r\n/g, '');
        return Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      }
      return Buffer.from(content, 'utf8');
    },
    leaves: () => (children.length > 0 ? children.flatMap((child) => child.leaves()) : [part]),
  };
  return part;
}
