import { pdfText } from './pdf-text.ts';

/** A4 in points, and the drawing helpers every document shares: text as text, clipped or measured, and page breaks by hand. */
/** pdfkit's document (its types declare it in the global PDFKit namespace). */
export type Pdf = PDFKit.PDFDocument;

export const page = { left: 50, right: 545.28, top: 72, bottom: 777.89, height: 841.89 };
export const contentWidth = page.right - page.left;
export const ink = { text: '#0f172a', muted: '#64748b', rule: '#cbd5e1', fill: '#f1f5f9', revision: '#b45309' };
export const regular = 'Helvetica';
export const bold = 'Helvetica-Bold';

export function collect(pdf: Pdf): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

export interface TextStyle {
  font?: string;
  size?: number;
  color?: string;
  width?: number;
  align?: 'left' | 'right' | 'center';
  /** Clip to this height (with an ellipsis) instead of flowing onto another page. */
  height?: number;
}

/** Draws user or fixed text at (x, y) and returns the y below it. */
export function write(pdf: Pdf, value: string, x: number, y: number, style: TextStyle = {}): number {
  const options = { width: style.width ?? contentWidth, align: style.align ?? 'left', ...(style.height ? { height: style.height, ellipsis: true } : {}) };
  pdf.font(style.font ?? regular).fontSize(style.size ?? 9).fillColor(style.color ?? ink.text);
  const text = pdfText(value);
  pdf.text(text, x, y, options);
  return y + Math.min(pdf.heightOfString(text, options), style.height ?? Infinity);
}

export function measure(pdf: Pdf, value: string, style: TextStyle): number {
  pdf.font(style.font ?? regular).fontSize(style.size ?? 9);
  return pdf.heightOfString(pdfText(value), { width: style.width ?? contentWidth });
}

export function rule(pdf: Pdf, y: number, color = ink.rule) {
  pdf.moveTo(page.left, y).lineTo(page.right, y).lineWidth(0.6).strokeColor(color).stroke();
}

/** A new page when `height` does not fit below y; the y to continue at. */
export function room(pdf: Pdf, y: number, height: number): number {
  if (y + height <= page.bottom) return y;
  pdf.addPage();
  return page.top;
}
