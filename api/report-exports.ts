import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import type { Report, ReportCell, ReportColumn, ReportFormat } from '@p2p/domain';
import { csvCell } from './csv.ts';

/**
 * A report as a file (issue #16): CSV (safe against formula injection),
 * XLSX with typed cells (numbers as numbers with their format, dates as
 * dates, text as text) and a printable PDF. Each is stamped with the
 * report, its filters, when and by whom it was exported.
 */

export interface ExportStamp {
  exportedAt: Date;
  exportedBy: string;
}

export interface ReportFile {
  filename: string;
  contentType: string;
  body: Uint8Array | string;
}

const contentTypes: Record<Exclude<ReportFormat, 'json'>, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** The filters in words, as every export prints them. */
export function describeFilters(report: Report, names: { supplier?: string | undefined; project?: string | undefined } = {}): string {
  const parts = [`${report.filters.from} to ${report.filters.to}`];
  if (report.filters.supplierId) parts.push(`supplier ${names.supplier ?? report.filters.supplierId}`);
  if (report.filters.projectId) parts.push(`project ${names.project ?? report.filters.projectId}`);
  if (report.filters.department) parts.push(`department ${report.filters.department}`);
  if (report.filters.glCode) parts.push(`GL code ${report.filters.glCode}`);
  if (report.scope) parts.push(report.scope);
  return parts.join('; ');
}

const stampLines = (report: Report, stamp: ExportStamp, filters: string) => [
  ['Report', report.title],
  ['Filters', filters],
  ['Exported', `${stamp.exportedAt.toISOString()} by ${stamp.exportedBy}`],
];

function cellText(value: ReportCell, column: ReportColumn): string {
  if (value === null) return '';
  if (column.type === 'percent') return `${value} %`;
  return String(value);
}

function toCsvFile(report: Report, stamp: ExportStamp, filters: string): string {
  const lines: string[] = stampLines(report, stamp, filters).map((row) => row.map(csvCell).join(','));
  for (const section of report.sections) {
    lines.push('', csvCell(section.title), section.columns.map((column) => csvCell(column.label)).join(','));
    for (const row of section.rows) lines.push(section.columns.map((column) => csvCell(row[column.key] ?? '')).join(','));
    if (section.totals) lines.push(section.columns.map((column) => csvCell(section.totals![column.key] ?? '')).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** An XLSX cell of the column's type: money and counts as numbers, dates as dates, the rest as text. */
function typedCell(value: ReportCell, column: ReportColumn): { value: ExcelJS.CellValue; numFmt?: string } {
  if (value === null || value === '') return { value: null };
  switch (column.type) {
    case 'money':
      return { value: Number(value), numFmt: '#,##0.00' };
    case 'int':
      return { value: Number(value), numFmt: '0' };
    case 'percent':
      return { value: Number(value) / 100, numFmt: '0.0%' };
    case 'days':
      return { value: Number(value), numFmt: '0.00' };
    case 'date':
      return { value: new Date(`${String(value)}T00:00:00Z`), numFmt: 'yyyy-mm-dd' };
    default:
      return { value: String(value) };
  }
}

async function toXlsx(report: Report, stamp: ExportStamp, filters: string): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = stamp.exportedBy;
  workbook.created = stamp.exportedAt;
  const about = workbook.addWorksheet('About');
  for (const row of stampLines(report, stamp, filters)) about.addRow(row);
  about.getColumn(1).width = 12;
  about.getColumn(2).width = 80;
  const names = new Set<string>();
  for (const section of report.sections) {
    // Sheet names: at most 31 characters, no []:*?/\ and unique.
    let name = section.title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);
    for (let n = 2; names.has(name); n += 1) name = `${section.title.slice(0, 28)} ${n}`;
    names.add(name);
    const sheet = workbook.addWorksheet(name);
    sheet.addRow(section.columns.map((column) => column.label)).font = { bold: true };
    const write = (values: Record<string, ReportCell>, bold = false) => {
      const row = sheet.addRow([]);
      section.columns.forEach((column, index) => {
        const cell = row.getCell(index + 1);
        const typed = typedCell(values[column.key] ?? null, column);
        cell.value = typed.value;
        if (typed.numFmt) cell.numFmt = typed.numFmt;
      });
      if (bold) row.font = { bold: true };
    };
    for (const values of section.rows) write(values);
    if (section.totals) write(section.totals, true);
    section.columns.forEach((column, index) => {
      sheet.getColumn(index + 1).width = Math.min(60, Math.max(12, column.label.length + 2, ...section.rows.slice(0, 200).map((values) => String(values[column.key] ?? '').length + 2)));
    });
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

function toPdf(report: Report, stamp: ExportStamp, filters: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, info: { Title: report.title, Author: stamp.exportedBy, CreationDate: stamp.exportedAt } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
    doc.font('Helvetica-Bold').fontSize(16).text(report.title);
    doc.font('Helvetica').fontSize(9).fillColor('#444').text(`Filters: ${filters}`).text(`Exported ${stamp.exportedAt.toISOString()} by ${stamp.exportedBy}`).fillColor('#000');
    const width = doc.page.width - 72;
    for (const section of report.sections) {
      doc.moveDown(1).font('Helvetica-Bold').fontSize(12).text(section.title, 36);
      const columnWidth = width / section.columns.length;
      const line = (cells: string[], bold: boolean) => {
        if (doc.y > doc.page.height - 60) doc.addPage();
        const y = doc.y + 2;
        doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
        let height = 0;
        cells.forEach((text, index) => {
          const numeric = index > 0 && ['money', 'int', 'percent', 'days'].includes(section.columns[index]!.type);
          const options = { width: columnWidth - 6, align: numeric ? ('right' as const) : ('left' as const) };
          height = Math.max(height, doc.heightOfString(text, options));
          doc.text(text, 36 + index * columnWidth, y, options);
        });
        doc.x = 36;
        doc.y = y + height + 2;
        doc.moveTo(36, doc.y).lineTo(36 + width, doc.y).strokeColor('#ddd').stroke();
      };
      line(section.columns.map((column) => column.label), true);
      if (section.rows.length === 0) doc.font('Helvetica-Oblique').fontSize(8).text('Nothing in this range.', 36);
      for (const values of section.rows) line(section.columns.map((column) => cellText(values[column.key] ?? null, column)), false);
      if (section.totals) line(section.columns.map((column) => cellText(section.totals![column.key] ?? null, column)), true);
    }
    doc.end();
  });
}

export async function renderReport(report: Report, format: Exclude<ReportFormat, 'json'>, stamp: ExportStamp, filters: string): Promise<ReportFile> {
  const base = `${report.report}-${report.filters.from}-${report.filters.to}`;
  const body = format === 'csv' ? toCsvFile(report, stamp, filters) : format === 'xlsx' ? await toXlsx(report, stamp, filters) : await toPdf(report, stamp, filters);
  return { filename: `${base}.${format}`, contentType: contentTypes[format], body };
}
