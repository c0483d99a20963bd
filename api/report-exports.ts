import { PassThrough, type Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import type { Report, ReportCell, ReportColumn, ReportFormat, ReportSection } from '@p2p/domain';
import { csvCell } from './csv.ts';

/**
 * A report as a file (issue #16): CSV (safe against formula injection),
 * XLSX with typed cells (numbers as numbers with their format, dates as
 * dates, text as text) and a printable PDF. Each is stamped with the
 * report, its filters, when and by whom it was exported.
 *
 * The file is written as its rows arrive and sent as a stream: a section
 * with no bound on its rows (every record of a project) is read a page at a
 * time, and the next page is asked for only once the client has taken what
 * the pages before made, so an export never holds more than a page and what
 * the writer has in hand, however large it is.
 */

export interface ExportStamp {
  exportedAt: Date;
  exportedBy: string;
}

export type ReportRow = ReportSection['rows'][number];

/**
 * The rows of an unbounded section, a page at a time. Called once per
 * export with the signal the stream aborts when the client goes away: no
 * page may be read after it.
 */
export type RowPages = (signal: AbortSignal) => AsyncIterable<readonly ReportRow[]>;

/** A section as an export reads it: its rows at hand (bounded by its groups) or in pages (unbounded). */
export interface ExportSection extends Omit<ReportSection, 'rows'> {
  rows: readonly ReportRow[] | RowPages;
}

export interface ExportReport extends Omit<Report, 'sections'> {
  sections: ExportSection[];
}

export interface ReportFile {
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

const contentTypes: Record<Exclude<ReportFormat, 'json'>, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** The filters in words, as every export prints them. */
export function describeFilters(report: Pick<Report, 'filters' | 'scope'>, names: { supplier?: string | undefined; project?: string | undefined } = {}): string {
  const parts = [`${report.filters.from} to ${report.filters.to}`];
  if (report.filters.supplierId) parts.push(`supplier ${names.supplier ?? report.filters.supplierId}`);
  if (report.filters.projectId) parts.push(`project ${names.project ?? report.filters.projectId}`);
  if (report.filters.department) parts.push(`department ${report.filters.department}`);
  if (report.filters.glCode) parts.push(`GL code ${report.filters.glCode}`);
  if (report.scope) parts.push(report.scope);
  return parts.join('; ');
}

const stampLines = (report: ExportReport, stamp: ExportStamp, filters: string) => [
  ['Report', report.title],
  ['Filters', filters],
  ['Exported', `${stamp.exportedAt.toISOString()} by ${stamp.exportedBy}`],
];

/** A section's rows as pages, whether they are at hand (one page) or read as they come. */
async function* pagesOf(rows: ExportSection['rows'], signal: AbortSignal): AsyncIterable<readonly ReportRow[]> {
  if (typeof rows === 'function') yield* rows(signal);
  else yield rows;
}

/** Every section's rows at hand: what the JSON report answers (it is one document, built in memory). */
export async function collectRows(rows: ExportSection['rows']): Promise<ReportRow[]> {
  const all: ReportRow[] = [];
  for await (const page of pagesOf(rows, new AbortController().signal)) all.push(...page);
  return all;
}

function cellText(value: ReportCell, column: ReportColumn): string {
  if (value === null) return '';
  if (column.type === 'percent') return `${value} %`;
  return String(value);
}

// ---- CSV ----

const csvLine = (cells: readonly unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

async function* csvChunks(report: ExportReport, stamp: ExportStamp, filters: string, signal: AbortSignal): AsyncGenerator<string> {
  yield stampLines(report, stamp, filters).map(csvLine).join('');
  for (const section of report.sections) {
    yield `\r\n${csvLine([section.title])}${csvLine(section.columns.map((column) => column.label))}`;
    for await (const page of pagesOf(section.rows, signal)) yield page.map((row) => csvLine(section.columns.map((column) => row[column.key] ?? ''))).join('');
    if (section.totals) yield csvLine(section.columns.map((column) => section.totals![column.key] ?? ''));
  }
}

// ---- the bytes a Node writer makes, taken as they come ----

/**
 * What a Node stream writes (the zip ExcelJS makes, pdfkit's document),
 * queued as it comes. `ready()` gives what is there after the writer's
 * pending callbacks ran, so the caller can hand it on before it reads more;
 * `rest()` everything until the writer ends. A writer's error is thrown by
 * either.
 */
function chunksOf(source: Readable) {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  source.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    wake?.();
  });
  source.on('end', () => {
    ended = true;
    wake?.();
  });
  source.on('error', (error: Error) => {
    failure = error;
    wake?.();
  });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    async *ready(): AsyncGenerator<Buffer> {
      await nextTurn();
      check();
      while (queue.length) yield queue.shift()!;
    },
    async *rest(): AsyncGenerator<Buffer> {
      for (;;) {
        check();
        if (queue.length) yield queue.shift()!;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

// ---- XLSX ----

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

/** Rows a column's width is taken from. */
const WIDTH_SAMPLE = 200;

async function* xlsxChunks(report: ExportReport, stamp: ExportStamp, filters: string, signal: AbortSignal): AsyncGenerator<Buffer> {
  const out = new PassThrough();
  const zip = chunksOf(out);
  // Inline strings (no shared-strings table held to the end); styles for the number formats and bold rows.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  try {
    workbook.creator = stamp.exportedBy;
    workbook.created = stamp.exportedAt;
    const about = workbook.addWorksheet('About');
    about.columns = [{ width: 12 }, { width: 80 }];
    for (const row of stampLines(report, stamp, filters)) about.addRow(row).commit();
    about.commit();
    yield* zip.ready();
    const names = new Set<string>();
    for (const section of report.sections) {
      // Sheet names: at most 31 characters, no []:*?/\ and unique.
      let name = section.title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);
      for (let n = 2; names.has(name); n += 1) name = `${section.title.slice(0, 28)} ${n}`;
      names.add(name);
      const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
      sheet.addRow(section.columns.map((column) => column.label)).font = { bold: true };
      const write = (values: ReportRow, bold = false) => {
        const row = sheet.addRow([]);
        section.columns.forEach((column, index) => {
          const cell = row.getCell(index + 1);
          const typed = typedCell(values[column.key] ?? null, column);
          cell.value = typed.value;
          if (typed.numFmt) cell.numFmt = typed.numFmt;
        });
        if (bold) row.font = { bold: true };
        row.commit();
      };
      // The widths come before the first row in the file: taken from the first page (its first 200 rows, as a whole report's were), nothing read ahead for them.
      let widthsSet = false;
      const setWidths = (rows: readonly ReportRow[]) => {
        sheet.columns = section.columns.map((column) => ({
          width: Math.min(60, Math.max(12, column.label.length + 2, ...rows.slice(0, WIDTH_SAMPLE).map((values) => String(values[column.key] ?? '').length + 2))),
        }));
        widthsSet = true;
      };
      for await (const page of pagesOf(section.rows, signal)) {
        if (!widthsSet) setWidths(page);
        for (const values of page) write(values);
        yield* zip.ready();
      }
      if (!widthsSet) setWidths([]);
      if (section.totals) write(section.totals, true);
      sheet.commit();
      yield* zip.ready();
    }
    // The zip's directory and the workbook's parts come last; the writer resolves once they are out.
    const committed = workbook.commit();
    committed.catch(() => undefined);
    yield* zip.rest();
    await committed;
  } finally {
    // Stopped early (the client left, a page failed): drop what the zip still holds.
    out.destroy();
  }
}

// ---- PDF ----

async function* pdfChunks(report: ExportReport, stamp: ExportStamp, filters: string, signal: AbortSignal): AsyncGenerator<Buffer> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, info: { Title: report.title, Author: stamp.exportedBy, CreationDate: stamp.exportedAt } });
  const pdf = chunksOf(doc);
  try {
    doc.font('Helvetica-Bold').fontSize(16).text(report.title);
    doc.font('Helvetica').fontSize(9).fillColor('#444').text(`Filters: ${filters}`).text(`Exported ${stamp.exportedAt.toISOString()} by ${stamp.exportedBy}`).fillColor('#000');
    // The document's start goes out before the first rows are read.
    yield* pdf.ready();
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
      let rows = 0;
      for await (const page of pagesOf(section.rows, signal)) {
        for (const values of page) line(section.columns.map((column) => cellText(values[column.key] ?? null, column)), false);
        rows += page.length;
        // pdfkit writes a page of the document when it is full: what is done goes out before the next rows are read.
        yield* pdf.ready();
      }
      if (rows === 0) doc.font('Helvetica-Oblique').fontSize(8).text('Nothing in this range.', 36);
      if (section.totals) line(section.columns.map((column) => cellText(section.totals![column.key] ?? null, column)), true);
    }
    doc.end();
    yield* pdf.rest();
  } finally {
    doc.destroy();
  }
}

// ---- the response body ----

/**
 * The chunks as a byte stream that pulls: a chunk is made only when the
 * reader asks for one (high-water mark 0, nothing read ahead), so the next
 * page is read only after the client took the previous ones. Cancelling it
 * (the client went away) aborts the signal the pages check before each read
 * and closes the generator; a failure (a page query) errors the stream, and
 * the server then breaks the connection off rather than end the file as if
 * it were whole.
 */
function pullStream(chunks: (signal: AbortSignal) => AsyncGenerator<string | Uint8Array>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  const iterator = chunks(stop.signal);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // An empty chunk is no answer to a read: keep going until there are bytes or the end.
          for (;;) {
            const next = await iterator.next();
            // Cancelled while this read was on its way: nobody is there to take it.
            if (stop.signal.aborted) return;
            if (next.done) return controller.close();
            const bytes = typeof next.value === 'string' ? encoder.encode(next.value) : next.value;
            if (bytes.byteLength > 0) return controller.enqueue(bytes);
          }
        } catch (error) {
          if (!stop.signal.aborted) onError(error);
          throw error;
        }
      },
      async cancel(reason) {
        stop.abort(reason);
        await iterator.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

export interface RenderOptions {
  /** Told of a failure once the file has started (the answer's status is sent by then): for the log. */
  onError?: (error: unknown) => void;
}

/** The report as a file, written as it is read. */
export function renderReport(report: ExportReport, format: Exclude<ReportFormat, 'json'>, stamp: ExportStamp, filters: string, options: RenderOptions = {}): ReportFile {
  const chunks = format === 'csv' ? csvChunks : format === 'xlsx' ? xlsxChunks : pdfChunks;
  return {
    filename: `${report.report}-${report.filters.from}-${report.filters.to}.${format}`,
    contentType: contentTypes[format],
    body: pullStream((signal) => chunks(report, stamp, filters, signal), options.onError ?? (() => undefined)),
  };
}
