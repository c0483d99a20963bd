import PDFDocument from 'pdfkit';
import { sumMoney } from '@p2p/domain/decimal';
import type { RevisionLine } from '@p2p/domain/purchase-orders';
import { formatMailDate, formatMoney, formatQuantity } from '../mail/format.ts';
import { paymentTerms } from '../mail/subjects.ts';
import type { CompanyProfile } from './company.ts';
import { bold, collect, contentWidth, ink, measure, page, regular, room, rule, write, type Pdf, type TextStyle } from './pdf-layout.ts';
import { formatPercent, formatUnitPrice, isZero, pdfText, percentKey, remainingQuantity } from './pdf-text.ts';

/** A line as the issued revision keeps it (domain RevisionLine): what is still ordered is quantity minus cancelledQuantity; amounts in cents. */
export type PurchaseOrderDocumentLine = Omit<RevisionLine, 'id'>;

/** Everything the PDF prints: one revision of an order as it was issued. */
export interface PurchaseOrderDocument {
  company: CompanyProfile;
  /** PO-2026-00001 */
  number: string;
  /** 0 = the original; above 0 prints "Revision N" in the title, on every page and with its reason. */
  revision: number;
  revisionReason?: string | null;
  /** ISO instant; also the PDF's CreationDate, so one revision renders the same bytes every time. */
  issuedAt: string;
  supplier: { name: string; address: string | null; email: string; taxId: string | null };
  buyer: { name: string; email: string };
  /** ISO day. */
  deliveryDate: string | null;
  deliveryAddress: string | null;
  paymentTermsDays: number;
  /** ISO 4217 */
  currency: string;
  note: string | null;
  lines: PurchaseOrderDocumentLine[];
  /** Decimal strings, exact. */
  subtotal: string;
  taxTotal: string;
  total: string;
}

/** "PO-2026-00001.pdf", "PO-2026-00001-rev1.pdf": one file name per revision. */
export function purchaseOrderPdfFilename(number: string, revision: number): string {
  return `${number}${revision > 0 ? `-rev${revision}` : ''}.pdf`;
}

/** The lines table: x offset and width per column; description takes what the numbers leave. */
const columns = {
  no: { x: 0, width: 26, align: 'left' as const, title: 'No.' },
  description: { x: 30, width: 175, align: 'left' as const, title: 'Description' },
  quantity: { x: 209, width: 50, align: 'right' as const, title: 'Qty' },
  unit: { x: 265, width: 38, align: 'left' as const, title: 'Unit' },
  unitPrice: { x: 305, width: 68, align: 'right' as const, title: 'Unit price' },
  taxRate: { x: 377, width: 38, align: 'right' as const, title: 'Tax' },
  amount: { x: 419, width: contentWidth - 419, align: 'right' as const, title: 'Net amount' },
};

/**
 * Renders one revision of a purchase order as an A4 PDF: letterhead, title
 * with revision, supplier, delivery and buyer, the lines (wrapped, across
 * pages with the table header repeated), totals with tax per rate, terms,
 * and on every page a header with number and revision and "Page x of y".
 * Every piece of user text is drawn as text; nothing in it is interpreted.
 */
export async function renderPurchaseOrderPdf(doc: PurchaseOrderDocument): Promise<Buffer> {
  const issuedAt = new Date(doc.issuedAt);
  if (Number.isNaN(issuedAt.getTime())) throw new RangeError(`not an instant: ${doc.issuedAt}`);
  const title = `Purchase order ${doc.number}`;
  const revisionLabel = doc.revision > 0 ? `Revision ${doc.revision}` : null;
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: page.top, bottom: page.height - page.bottom, left: page.left, right: 595.28 - page.right },
    bufferPages: true,
    info: {
      Title: pdfText(revisionLabel ? `${title}, ${revisionLabel.toLowerCase()}` : title),
      Author: pdfText(doc.company.name),
      Subject: pdfText(`Purchase order to ${doc.supplier.name}`),
      Creator: 'Procurement',
      Producer: 'Procurement (PDFKit)',
      CreationDate: issuedAt,
      ModDate: issuedAt,
    },
  });
  const bytes = collect(pdf);

  let y = letterhead(pdf, doc.company);
  y = titleBlock(pdf, doc, title, revisionLabel, y);
  y = partiesBlock(pdf, doc, y);
  y = linesTable(pdf, doc, y);
  y = totalsBlock(pdf, doc, y);
  termsBlock(pdf, doc, y);
  pageFurniture(pdf, doc, title, revisionLabel);

  pdf.end();
  return bytes;
}

function letterhead(pdf: Pdf, company: CompanyProfile): number {
  let left = write(pdf, company.name, page.left, page.top, { font: bold, size: 15, width: 300 });
  for (const line of company.addressLines) left = write(pdf, line, page.left, left + 1, { color: ink.muted, width: 300 });
  const contact = [
    company.taxId ? `Tax ID ${company.taxId}` : null,
    company.email ? `E-mail ${company.email}` : null,
    company.phone ? `Phone ${company.phone}` : null,
  ].filter((line): line is string => line !== null);
  let right = page.top + 4;
  for (const line of contact) right = write(pdf, line, page.right - 190, right + 1, { color: ink.muted, width: 190, align: 'right' });
  const bottom = Math.max(left, right) + 12;
  rule(pdf, bottom, ink.text);
  return bottom + 14;
}

function titleBlock(pdf: Pdf, doc: PurchaseOrderDocument, title: string, revisionLabel: string | null, top: number): number {
  let y = write(pdf, title, page.left, top, { font: bold, size: 20, width: 340 });
  if (revisionLabel) {
    // A badge beside the title: the supplier must not mistake a change order for a new order.
    pdf.font(bold).fontSize(12);
    const badgeWidth = pdf.widthOfString(revisionLabel) + 20;
    pdf.roundedRect(page.right - badgeWidth, top + 1, badgeWidth, 22, 4).lineWidth(1.2).strokeColor(ink.revision).stroke();
    write(pdf, revisionLabel, page.right - badgeWidth, top + 6, { font: bold, size: 12, color: ink.revision, width: badgeWidth, align: 'center' });
    const replaces = `This ${revisionLabel.toLowerCase()} replaces every earlier version of ${doc.number}.`;
    y = write(pdf, doc.revisionReason ? `${replaces} Reason: ${doc.revisionReason}` : replaces, page.left, y + 4, { font: bold, size: 9.5, color: ink.revision });
  }
  const facts = [
    ['Order date', formatMailDate(new Date(doc.issuedAt).toISOString().slice(0, 10))],
    ['Currency', doc.currency.toUpperCase()],
    ['Payment terms', paymentTerms(doc.paymentTermsDays)],
  ];
  y += 8;
  let x = page.left;
  for (const [label, value] of facts) {
    write(pdf, label!, x, y, { size: 7.5, color: ink.muted, width: 160 });
    write(pdf, value!, x, y + 10, { font: bold, size: 10, width: 160 });
    x += 165;
  }
  return y + 36;
}

function partiesBlock(pdf: Pdf, doc: PurchaseOrderDocument, top: number): number {
  const width = 155;
  const blocks: { heading: string; lines: { text: string; strong?: boolean; muted?: boolean }[] }[] = [
    {
      heading: 'Supplier',
      lines: [
        { text: doc.supplier.name, strong: true },
        ...(doc.supplier.address ? [{ text: doc.supplier.address }] : []),
        { text: doc.supplier.email, muted: true },
        ...(doc.supplier.taxId ? [{ text: `Tax ID ${doc.supplier.taxId}`, muted: true }] : []),
      ],
    },
    {
      heading: 'Deliver to',
      lines: [
        { text: doc.deliveryAddress ?? 'Address to be agreed' },
        { text: `Delivery date: ${doc.deliveryDate ? formatMailDate(doc.deliveryDate) : 'to be agreed'}`, strong: true },
      ],
    },
    {
      heading: 'Your contact',
      lines: [
        { text: doc.buyer.name, strong: true },
        { text: doc.buyer.email, muted: true },
        { text: 'Please quote the order number on every delivery note and invoice.', muted: true },
      ],
    },
  ];
  let bottom = top;
  blocks.forEach((block, index) => {
    const x = page.left + index * (width + 15);
    let y = write(pdf, block.heading.toUpperCase(), x, top, { font: bold, size: 7.5, color: ink.muted, width });
    y += 3;
    for (const line of block.lines) y = write(pdf, line.text, x, y, { font: line.strong ? bold : regular, color: line.muted ? ink.muted : ink.text, width }) + 2;
    bottom = Math.max(bottom, y);
  });
  let y = bottom + 10;
  if (doc.note) {
    y = room(pdf, y, 40);
    y = write(pdf, 'NOTE', page.left, y, { font: bold, size: 7.5, color: ink.muted });
    y = write(pdf, doc.note, page.left, y + 3) + 10;
  }
  return y;
}

function tableHeader(pdf: Pdf, y: number): number {
  pdf.rect(page.left, y, contentWidth, 18).fill(ink.fill);
  for (const column of Object.values(columns)) {
    write(pdf, column.title, page.left + column.x + (column.align === 'right' ? 0 : 3), y + 5.5, { font: bold, size: 8, color: ink.muted, width: column.width - 3, align: column.align });
  }
  return y + 22;
}

function linesTable(pdf: Pdf, doc: PurchaseOrderDocument, top: number): number {
  let y = tableHeader(pdf, room(pdf, top, 60));
  const descriptionStyle = { width: columns.description.width - 3 };
  // A description longer than a whole page is cut with an ellipsis rather than pushed onto pages of its own.
  const maxDescription = page.bottom - page.top - 60;
  for (const line of doc.lines) {
    const cancelled = !isZero(line.cancelledQuantity);
    const ordered = remainingQuantity(line.quantity, line.cancelledQuantity);
    const cancelNote = cancelled ? `Cancelled: ${formatQuantity(line.cancelledQuantity)} of ${formatQuantity(line.quantity)} ${line.unit}` : null;
    const descriptionHeight = Math.min(measure(pdf, line.description, descriptionStyle), maxDescription);
    const height = descriptionHeight + (cancelNote ? measure(pdf, cancelNote, { ...descriptionStyle, size: 8 }) + 2 : 0) + 8;
    if (y + height > page.bottom) {
      pdf.addPage();
      y = tableHeader(pdf, page.top);
    }
    const cell = (column: (typeof columns)[keyof typeof columns], value: string, style: TextStyle = {}) =>
      write(pdf, value, page.left + column.x + (column.align === 'right' ? 0 : 3), y, { width: column.width - 3, align: column.align, ...style });
    cell(columns.no, String(line.lineNo));
    const below = cell(columns.description, line.description, { height: maxDescription });
    if (cancelNote) write(pdf, cancelNote, page.left + columns.description.x + 3, below + 2, { ...descriptionStyle, size: 8, color: ink.revision });
    cell(columns.quantity, formatQuantity(ordered));
    cell(columns.unit, line.unit);
    cell(columns.unitPrice, formatUnitPrice(line.unitPrice, doc.currency));
    cell(columns.taxRate, formatPercent(line.taxRate));
    cell(columns.amount, formatMoney(line.amount, doc.currency));
    y += height;
    pdf.moveTo(page.left, y - 4).lineTo(page.right, y - 4).lineWidth(0.4).strokeColor(ink.rule).stroke();
  }
  return y + 6;
}

/** Net and tax per tax rate, in the order the rates first appear; rates whose lines are wholly cancelled are left out. */
function taxByRate(lines: readonly PurchaseOrderDocumentLine[]) {
  const groups = new Map<string, { rate: string; net: string[]; tax: string[] }>();
  for (const line of lines) {
    const key = percentKey(line.taxRate);
    const group = groups.get(key) ?? { rate: line.taxRate, net: [], tax: [] };
    group.net.push(line.amount);
    group.tax.push(line.taxAmount);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({ rate: group.rate, net: sumMoney(group.net), tax: sumMoney(group.tax) }))
    .filter((group) => !isZero(group.net) || !isZero(group.tax));
}

function totalsBlock(pdf: Pdf, doc: PurchaseOrderDocument, top: number): number {
  const rates = taxByRate(doc.lines);
  const rows: [string, string][] = [
    ['Subtotal (net)', doc.subtotal],
    ...rates.map((group): [string, string] => [`Tax ${formatPercent(group.rate)} on ${formatMoney(group.net, doc.currency)}`, group.tax]),
  ];
  if (rates.length !== 1) rows.push(['Tax total', doc.taxTotal]);
  const width = 250;
  const x = page.right - width;
  let y = room(pdf, top, rows.length * 15 + 36);
  for (const [label, amount] of rows) {
    write(pdf, label, x, y, { color: ink.muted, width: 160 });
    write(pdf, formatMoney(amount, doc.currency), x + 150, y, { width: width - 150, align: 'right' });
    y += 15;
  }
  pdf.moveTo(x, y).lineTo(page.right, y).lineWidth(1).strokeColor(ink.text).stroke();
  y += 6;
  write(pdf, `Total ${doc.currency.toUpperCase()}`, x, y, { font: bold, size: 12, width: 140 });
  write(pdf, formatMoney(doc.total, doc.currency), x + 100, y, { font: bold, size: 12, width: width - 100, align: 'right' });
  return y + 30;
}

function termsBlock(pdf: Pdf, doc: PurchaseOrderDocument, top: number) {
  const terms = [
    `Payment: ${paymentTerms(doc.paymentTermsDays).toLowerCase()} from receipt of a correct invoice quoting ${doc.number}.`,
    'Please confirm this order, or propose another delivery date, through the link in the e-mail that brought it.',
    'Deliver the quantities ordered by the delivery date to the address above; quantities beyond the order are not accepted.',
    'Goods are inspected on receipt, and rejected goods are returned at the supplier\'s cost.',
    `Prices are fixed for this order. Changes are valid only as a revision of ${doc.number} issued by ${doc.company.name}.`,
  ].join(' ');
  let y = room(pdf, top, measure(pdf, terms, { size: 8 }) + 20);
  y = write(pdf, 'TERMS AND CONDITIONS', page.left, y, { font: bold, size: 7.5, color: ink.muted });
  write(pdf, terms, page.left, y + 3, { size: 8, color: ink.muted });
}

/** Drawn last, on every buffered page: the running header (number, revision) and "Page x of y". */
function pageFurniture(pdf: Pdf, doc: PurchaseOrderDocument, title: string, revisionLabel: string | null) {
  const { start, count } = pdf.bufferedPageRange();
  for (let index = 0; index < count; index += 1) {
    pdf.switchToPage(start + index);
    // Header and footer sit in the margins: with the margins lifted, pdfkit does not start a new page for them.
    const margins = pdf.page.margins;
    pdf.page.margins = { ...margins, top: 0, bottom: 0 };
    write(pdf, doc.company.name, page.left, 36, { size: 8, color: ink.muted, width: 240 });
    const header = revisionLabel ? `${title} · ${revisionLabel}` : title;
    write(pdf, header, page.right - 280, 36, { font: bold, size: 8, color: revisionLabel ? ink.revision : ink.text, width: 280, align: 'right' });
    pdf.moveTo(page.left, 50).lineTo(page.right, 50).lineWidth(0.4).strokeColor(ink.rule).stroke();
    const footerY = page.bottom + 22;
    pdf.moveTo(page.left, footerY - 6).lineTo(page.right, footerY - 6).lineWidth(0.4).strokeColor(ink.rule).stroke();
    write(pdf, `${doc.number}${revisionLabel ? ` ${revisionLabel.toLowerCase()}` : ''} · ${doc.supplier.name}`, page.left, footerY, { size: 8, color: ink.muted, width: 360, height: 10 });
    write(pdf, `Page ${index + 1} of ${count}`, page.right - 120, footerY, { size: 8, color: ink.muted, width: 120, align: 'right' });
    pdf.page.margins = margins;
  }
}
