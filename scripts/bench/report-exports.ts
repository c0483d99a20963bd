import { sql } from 'drizzle-orm';
import { rows } from '../../db/queries/reports.ts';
import type { BenchStack } from './stack.ts';
import { say } from './support.ts';

export interface ExportTiming {
  format: 'csv' | 'xlsx' | 'pdf';
  /** Request sent to the first byte of the file. */
  firstByteMs: number;
  totalMs: number;
  bytes: number;
  /** The API's resident set at its highest during the export, above where it was when the export began. */
  rssGrowthMb: number;
  /** The same for its V8 heap; null when the API runs in a process of its own (its heap is not visible from here). */
  heapGrowthMb: number | null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** The project with the most records (requisitions, orders, receipts and invoices): the largest project details report. */
export async function largestProject(stack: BenchStack): Promise<{ id: string; code: string; records: number }> {
  const [largest] = await rows<{ id: string; code: string; records: number }>(
    stack.database.db,
    sql`select p.id::text as id, p.code, count(*)::int as records from (
        select r.project_id from requisitions r where r.project_id is not null
        union all select r.project_id from purchase_orders po join requisitions r on r.id = po.requisition_id where r.project_id is not null
        union all select r.project_id from goods_receipts g join purchase_orders po on po.id = g.purchase_order_id join requisitions r on r.id = po.requisition_id where r.project_id is not null
        union all select r.project_id from invoices i join purchase_orders po on po.id = i.purchase_order_id join requisitions r on r.id = po.requisition_id where r.project_id is not null
      ) records join projects p on p.id = records.project_id
      group by p.id, p.code order by records desc, p.code limit 1`,
  );
  if (!largest) throw new Error('no project has records');
  return largest;
}

/**
 * One export of a report, downloaded over HTTP as a client would (the body
 * read and dropped chunk by chunk), with the API's memory sampled every
 * 10 ms while it runs. The growth is of the whole API process (other work
 * in it counts too: none runs during the benchmark's exports) and, in
 * process, of the one heap the API shares with this script's download.
 */
export async function timeExport(stack: BenchStack, path: string, token: string, format: ExportTiming['format']): Promise<ExportTiming> {
  const start = stack.apiMemoryMb();
  let peak = start;
  const sample = () => {
    const now = stack.apiMemoryMb();
    peak = { rss: Math.max(peak.rss, now.rss), heapUsed: now.heapUsed === null || peak.heapUsed === null ? null : Math.max(peak.heapUsed, now.heapUsed) };
  };
  const sampler = setInterval(sample, 10);
  try {
    const begun = performance.now();
    const response = await fetch(`${stack.apiUrl}${path}&format=${format}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200 || !response.body) throw new Error(`${path} (${format}) answered ${response.status}: ${await response.text()}`);
    let firstByteMs = 0;
    let bytes = 0;
    for await (const chunk of response.body) {
      if (bytes === 0) firstByteMs = performance.now() - begun;
      bytes += (chunk as Uint8Array).byteLength;
    }
    const totalMs = performance.now() - begun;
    sample();
    return {
      format,
      firstByteMs: round1(firstByteMs),
      totalMs: round1(totalMs),
      bytes,
      rssGrowthMb: round1(peak.rss - start.rss),
      heapGrowthMb: peak.heapUsed === null || start.heapUsed === null ? null : round1(peak.heapUsed - start.heapUsed),
    };
  } finally {
    clearInterval(sampler);
  }
}

/** The largest project's details exported in each format, one after another. */
export async function timeProjectExports(stack: BenchStack, token: string): Promise<{ project: { code: string; records: number }; exports: ExportTiming[] }> {
  const project = await largestProject(stack);
  say(`  exporting project-details of ${project.code} (${project.records} records), API ${stack.mode === 'processes' ? 'in its own process (RSS only)' : 'in this process (RSS and heap)'}`);
  const exports: ExportTiming[] = [];
  for (const format of ['csv', 'xlsx', 'pdf'] as const) {
    const timing = await timeExport(stack, `/reports/project-details?projectId=${project.id}`, token, format);
    exports.push(timing);
    say(
      `  export ${format.padEnd(4)} first byte ${String(timing.firstByteMs).padStart(7)} ms   total ${String(timing.totalMs).padStart(8)} ms   ${String(timing.bytes).padStart(10)} bytes   ` +
        `API RSS +${timing.rssGrowthMb} MB${timing.heapGrowthMb === null ? '' : `, heap +${timing.heapGrowthMb} MB`}`,
    );
  }
  return { project: { code: project.code, records: project.records }, exports };
}
