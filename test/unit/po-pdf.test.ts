import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poLineMoney, poTotals } from '@p2p/domain/purchase-orders';
import { formatMoney } from '../../activities/mail/format.ts';
import { companyProfileFromEnv, demoCompanyProfile } from '../../activities/documents/company.ts';
import { purchaseOrderPdfFilename, renderPurchaseOrderPdf, type PurchaseOrderDocument } from '../../activities/documents/po-pdf.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'po-pdf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The PDF's text as Debian's poppler-utils reads it (the real binary, not our own parser). */
async function pdfToText(pdf: Buffer, name: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, pdf);
  const { stdout } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Lines priced with the domain's own money rules, so the document's figures are the ones an order would carry. */
function order(lines: { description: string; quantity: string; cancelledQuantity?: string; unitPrice: string; taxRate: string; unit?: string }[], overrides: Partial<PurchaseOrderDocument> = {}): PurchaseOrderDocument {
  const priced = lines.map((line, index) => {
    const cancelledQuantity = line.cancelledQuantity ?? '0';
    return { lineNo: index + 1, unit: line.unit ?? 'pcs', ...line, cancelledQuantity, ...poLineMoney({ ...line, cancelledQuantity }) };
  });
  return {
    company: demoCompanyProfile,
    number: 'PO-2026-00017',
    revision: 0,
    revisionReason: null,
    issuedAt: '2026-11-24T14:00:00.000Z',
    supplier: { name: 'Bolt & Nut Supplies Ltd', address: '1 Harbour Road\nBristol BS1 4XX\nUnited Kingdom', email: 'orders@boltnut.example', taxId: 'GB123456789' },
    buyer: { name: 'Bea Buyer', email: 'buyer@demo.local' },
    deliveryDate: '2026-12-15',
    deliveryAddress: 'Goods receiving, Dock 2, 1 Industrial Way, Springfield',
    paymentTermsDays: 30,
    currency: 'EUR',
    note: null,
    lines: priced,
    ...poTotals(priced),
    ...overrides,
  };
}

/** pdftotext -layout keeps columns apart with runs of spaces: one space is enough to compare. */
const squash = (text: string) => text.replace(/[ \t]+/g, ' ');

/**
 * A table row: its number at the start of a line right before the first
 * word of its description; a wrapped description comes out over several
 * lines, between other columns' text, so the rest is its words in order.
 */
function row(lineNo: number, description: string): RegExp {
  const words = description.split(' ').map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?:^|\\n) ?${lineNo} ${words.join('\\s+(?:\\S+\\s+)*?')}`);
}

describe('purchase order PDF', () => {
  it('prints a two-line order: letterhead, title, parties, lines, totals per tax rate, terms, page numbers', async () => {
    const doc = order([
      { description: 'Digital oscilloscope, 4 channels, 200 MHz', quantity: '2', unitPrice: '1249.9', taxRate: '19' },
      { description: 'Probe set <script>alert("x")</script> & adapters', quantity: '10.5', cancelledQuantity: '0.5', unitPrice: '3.1234', taxRate: '5', unit: 'kg' },
    ], { note: 'Call the dock 30 minutes ahead.' });
    expect(doc).toMatchObject({ subtotal: '2531.03', taxTotal: '476.52', total: '3007.55' });
    const pdf = await renderPurchaseOrderPdf(doc);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = squash(await pdfToText(pdf, 'two-lines.pdf'));

    for (const expected of [
      'Acme Manufacturing GmbH',
      'Industriestrasse 12',
      'Tax ID DE123456789',
      'E-mail purchasing@acme.example',
      'Purchase order PO-2026-00017',
      'Tue 24 Nov 2026',
      'Net 30 days',
      'Bolt & Nut Supplies Ltd',
      'Bristol BS1 4XX',
      'orders@boltnut.example',
      'Tax ID GB123456789',
      'Goods receiving, Dock 2',
      'Delivery date: Tue 15 Dec 2026',
      'Bea Buyer',
      'buyer@demo.local',
      'Call the dock 30 minutes ahead.',
      'No. Description Qty Unit Unit price Tax Net amount',
      '1 Digital oscilloscope, 4 channels, 200 MHz 2 pcs €1,249.90 19% €2,499.80',
      // 10.5 ordered, 0.5 cancelled: 10 still ordered at the exact 4-decimal price.
      '10 kg €3.1234 5% €31.23',
      'Cancelled: 0.5 of 10.5 kg',
      'Subtotal (net) €2,531.03',
      'Tax 19% on €2,499.80 €474.96',
      'Tax 5% on €31.23 €1.56',
      'Tax total €476.52',
      'Total EUR €3,007.55',
      'TERMS AND CONDITIONS',
      'Page 1 of 1',
    ]) expect(text).toContain(expected);
    // User text is drawn as text, markup and all.
    expect(text).toMatch(row(2, 'Probe set <script>alert("x")</script> & adapters'));
    expect(text).not.toMatch(/Revision/);
  });

  it('marks a revision in the title, on every page, with its reason, and breaks 60 lines across pages with the header repeated', async () => {
    const lines = Array.from({ length: 60 }, (_, index) => ({
      description: index % 9 === 4 ? `Hex bolt M${index} x 40, zinc plated, DIN 933, packed in boxes of one hundred and labelled with the order number and line ${index + 1}` : `Spare part ${index + 1}`,
      quantity: String(index + 1),
      unitPrice: '0.99',
      taxRate: index % 2 ? '19' : '5',
    }));
    const doc = order(lines, { revision: 2, revisionReason: 'Quantities raised for the spring build' });
    const pdf = await renderPurchaseOrderPdf(doc);
    const text = await pdfToText(pdf, 'sixty-lines.pdf');
    const pages = text.split('\f').filter((page) => page.trim().length > 0);
    expect(pages.length).toBeGreaterThanOrEqual(3);

    pages.forEach((page, index) => {
      const flat = squash(page);
      expect(flat).toContain('Purchase order PO-2026-00017 · Revision 2');
      expect(flat).toContain(`Page ${index + 1} of ${pages.length}`);
      expect(flat).toContain('No. Description Qty Unit Unit price Tax Net amount');
    });
    const flat = squash(text);
    expect(flat).toContain('This revision 2 replaces every earlier version of PO-2026-00017. Reason: Quantities raised for the spring build');
    expect(flat).toContain('Page 2 of');
    for (const [index, line] of lines.entries()) {
      expect(flat).toMatch(row(index + 1, line.description));
    }
    expect(flat).toContain(`Total EUR ${formatMoney(doc.total, 'EUR')}`);
    expect(squash(pages.at(-1)!)).toContain('TERMS AND CONDITIONS');
  });

  it('renders the same bytes for the same order (CreationDate and ID come from issuedAt)', async () => {
    const doc = order([{ description: 'Widget', quantity: '1', unitPrice: '1', taxRate: '5' }]);
    const [first, second] = await Promise.all([renderPurchaseOrderPdf(doc), renderPurchaseOrderPdf(doc)]);
    expect(first.equals(second)).toBe(true);
    // The info dictionary's strings are objects of their own, uncompressed.
    const raw = first.toString('latin1');
    for (const value of ['(Purchase order PO-2026-00017)', '(Acme Manufacturing GmbH)', '(D:20261124140000Z)']) expect(raw).toContain(`obj\n${value}\nendobj`);
    const later = await renderPurchaseOrderPdf({ ...doc, issuedAt: '2026-11-25T09:00:00.000Z' });
    expect(later.equals(first)).toBe(false);
  });

  it('keeps text outside the built-in fonts readable rather than garbled', async () => {
    const doc = order([{ description: 'Schraube für Łódź — “Größe” 5 € 中', quantity: '1', unitPrice: '1', taxRate: '5' }], { supplier: { name: 'Őrség Kft.', address: null, email: 'rendeles@orseg.example', taxId: null }, deliveryDate: null, deliveryAddress: null });
    const text = squash(await pdfToText(await renderPurchaseOrderPdf(doc), 'unicode.pdf'));
    expect(text).toContain('Schraube für Lódz — “Größe” 5 € ?');
    expect(text).toContain('Orség Kft.');
    expect(text).toContain('Delivery date: to be agreed');
    expect(text).toContain('Address to be agreed');
  });

  it('names each revision\'s file', () => {
    expect(purchaseOrderPdfFilename('PO-2026-00017', 0)).toBe('PO-2026-00017.pdf');
    expect(purchaseOrderPdfFilename('PO-2026-00017', 3)).toBe('PO-2026-00017-rev3.pdf');
  });
});

describe('company profile from the environment', () => {
  it('uses the demo company when COMPANY_NAME is unset', () => {
    expect(companyProfileFromEnv({})).toEqual(demoCompanyProfile);
  });

  it('reads every field, the address split on "|" or line breaks', () => {
    expect(
      companyProfileFromEnv({ COMPANY_NAME: ' Globex AG ', COMPANY_ADDRESS: 'Hauptstrasse 1 | 8000 Zürich\nSwitzerland', COMPANY_TAX_ID: 'CHE-123.456.789', COMPANY_EMAIL: 'buy@globex.example', COMPANY_PHONE: '+41 44 000 00 00' }),
    ).toEqual({ name: 'Globex AG', addressLines: ['Hauptstrasse 1', '8000 Zürich', 'Switzerland'], taxId: 'CHE-123.456.789', email: 'buy@globex.example', phone: '+41 44 000 00 00' });
    expect(companyProfileFromEnv({ COMPANY_NAME: 'Globex AG', COMPANY_TAX_ID: '  ' })).toEqual({ name: 'Globex AG', addressLines: [], taxId: null, email: null, phone: null });
  });
});
