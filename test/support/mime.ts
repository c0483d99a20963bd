import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The attachments of a raw MIME message as received over SMTP: filename, content type and decoded bytes. */
export function mimeAttachments(raw: string): { filename: string; contentType: string; content: Buffer }[] {
  const found: { filename: string; contentType: string; content: Buffer }[] = [];
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = part.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
    const disposition = /content-disposition:\s*attachment[^\n]*filename="?([^";\r\n]+)"?/i.exec(headers);
    if (!disposition) continue;
    const contentType = /content-type:\s*([^;\r\n]+)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
    const body = part.slice(split).replace(/\r?\n--[^\r\n]*--\s*$/, '').replace(/\s+/g, '');
    found.push({ filename: disposition[1]!, contentType, content: Buffer.from(body, 'base64') });
  }
  return found;
}

/** The text of a PDF as poppler's pdftotext reads it (layout kept). */
export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    const result = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`);
    return result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
