import { ForbiddenError, subject } from '@casl/ability';
import { sql } from 'drizzle-orm';
import { parseBudgetPeriod, reportTitles, type Budget, type PutBudgetBody, type Report, type ReportFormat, type ReportName, type ReportQuery } from '@p2p/domain';
import { appendAudit } from '../../db/queries/audit.ts';
import { addMoney, budgetFigures, deleteBudget, findBudget, listBudgets, openProjectRecords, projectRecordsSection, reportQueries, subtractMoney, upsertBudget, type ReportScope } from '../../db/queries/reports.ts';
import { findProjectName, findSupplierName } from '../../db/queries/retention.ts';
import type { BudgetRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError } from '../errors.ts';
import { collectRows, describeFilters, renderReport, type ExportReport, type ExportSection, type RenderOptions, type ReportFile, type RowPages } from '../report-exports.ts';
import type { AuditContext } from './audit-context.ts';

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export type ReportService = ReturnType<typeof createReportService>;

/**
 * How an unbounded report is read: a cursor fetching pages of 1,000 records
 * from one snapshot, let go after 30 s without a read. Injected
 * (ApiDeps.reportPaging) so a test can make pages small and count, slow or
 * fail the page reads.
 */
export interface ReportPaging {
  pageSize: number;
  idleTimeoutMs: number;
  open: typeof openProjectRecords;
}
export const defaultReportPaging: ReportPaging = { pageSize: 1_000, idleTimeoutMs: 30_000, open: openProjectRecords };

/**
 * The reports and budgets (issue #16). Reports read from the read replica
 * when one is configured. Who sees what: buyers, procurement managers,
 * finance directors, accountants and auditors see everything; a manager sees
 * the spend of their reports only (every figure narrowed to their
 * requisitions) and may not ask for another department.
 */
export function createReportService(deps: Pick<ApiDeps, 'db' | 'readDb' | 'clock' | 'reportPaging'>) {
  const { db, clock } = deps;
  const readDb = deps.readDb ?? db;
  const paging = deps.reportPaging ?? defaultReportPaging;

  /** The caller's view: everything, or their reports' requisitions; refused when neither. */
  function scopeOf(actor: RequestActor, action: 'read' | 'export'): { requesterIds: string[] | null; label: string | null } {
    if (actor.ability.can(action, subject('Report', { scope: 'all' }))) return { requesterIds: null, label: null };
    if (actor.ability.can(action, subject('Report', { scope: 'reports' }))) return { requesterIds: [...actor.reportIds], label: `spend of ${actor.user.name}’s reports only` };
    throw new AppError('forbidden', action === 'export' ? 'You may not export reports' : 'You may not read reports');
  }

  async function resolve(actor: RequestActor, name: ReportName, query: ReportQuery, action: 'read' | 'export'): Promise<{ scope: ReportScope; label: string | null; names: { supplier?: string; project?: string } }> {
    const view = scopeOf(actor, action);
    if (view.requesterIds && query.department && query.department !== actor.user.department) {
      throw new AppError('forbidden', `department: you see your reports’ spend only (${actor.user.department ?? 'no department'}), not another department’s`, { errors: [{ path: 'query.department', message: 'not your department' }] });
    }
    const names: { supplier?: string; project?: string } = {};
    if (query.supplierId) {
      const supplier = await findSupplierName(readDb, query.supplierId);
      if (supplier === undefined) throw fieldError('query.supplierId', 'no supplier with this id');
      names.supplier = supplier;
    }
    if (query.projectId) {
      const project = await findProjectName(readDb, query.projectId);
      if (project === undefined) throw fieldError('query.projectId', 'no project with this id');
      names.project = project;
    }
    if (name === 'project-details' && !query.projectId) throw fieldError('query.projectId', 'the project details report needs a project');
    const to = query.to ?? isoDay(clock());
    const from = query.from ?? isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 364 * DAY_MS));
    if (from > to) throw fieldError('query.from', `must not be after to (${to})`);
    return {
      scope: { from, to, supplierId: query.supplierId, projectId: query.projectId, department: query.department, glCode: query.glCode, requesterIds: view.requesterIds },
      label: view.label,
      names,
    };
  }

  /**
   * A report's sections for the caller. The bounded reports are read whole,
   * in one read-only transaction; the project details (unbounded) come as
   * pages of a cursor, read as the caller iterates them. `beforeRows` runs
   * once the rows are known (bounded: their count) or, for the pages, before
   * the cursor opens (null): the export's audit entry, written outside the
   * cursor's transaction (PGlite has one connection, which the cursor holds
   * until the file is written).
   */
  async function run(
    actor: RequestActor,
    name: ReportName,
    query: ReportQuery,
    action: 'read' | 'export',
    beforeRows: (rows: number | null, view: { filters: Report['filters']; scope: string | null }) => Promise<void> = () => Promise.resolve(),
  ) {
    const { scope, label, names } = await resolve(actor, name, query, action);
    const { requesterIds: _, ...given } = scope;
    const filters = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Report['filters'];
    let sections: ExportSection[];
    if (name === 'project-details') {
      await beforeRows(null, { filters, scope: label });
      sections = [{ ...projectRecordsSection, rows: await projectRecordPages(scope) }];
    } else {
      sections = await readDb.transaction(async (tx) => {
        // Their aggregates and percentiles sort a year of rows, in memory rather than on disk.
        await tx.execute(sql`set local work_mem = '64MB'`);
        return reportQueries[name](tx, scope);
      });
      await beforeRows(
        sections.reduce((sum, section) => sum + (Array.isArray(section.rows) ? section.rows.length : 0), 0),
        { filters, scope: label },
      );
    }
    const report: ExportReport = {
      report: name,
      title: reportTitles[name],
      filters,
      scope: label,
      generatedAt: clock().toISOString(),
      sections,
    };
    return { report, names };
  }

  /**
   * A project's records a page at a time, in the report's order, from one
   * snapshot (a cursor: `openProjectRecords`). The first page is read now,
   * so that a failing query is an error answer rather than a file broken
   * off at its start; the others when the reader asks for them, and none
   * once the signal is aborted (the client went away).
   */
  async function projectRecordPages(scope: ReportScope): Promise<RowPages> {
    const { pageSize, idleTimeoutMs, open } = paging;
    const cursor = await open(readDb, { scope, pageSize, idleTimeoutMs });
    let first: Awaited<ReturnType<typeof cursor.next>>;
    try {
      first = await cursor.next();
    } catch (error) {
      await cursor.close();
      throw error;
    }
    // A stream dropped before its first pull never runs this: the cursor's idle timeout lets its snapshot go then.
    return async function* pages(signal) {
      try {
        let page = first;
        for (;;) {
          if (page.length > 0) yield page;
          if (page.length < pageSize || signal.aborted) return;
          page = await cursor.next();
        }
      } finally {
        await cursor.close();
      }
    };
  }

  const toBudget = async (row: BudgetRow, projectName: string | null): Promise<Budget> => {
    const figures = await budgetFigures(readDb, row);
    return {
      id: row.id,
      projectId: row.projectId,
      projectName,
      glCode: row.glCode,
      period: row.period,
      periodKind: row.periodKind,
      periodStart: row.periodStart,
      periodEnd: row.periodEnd,
      amount: row.amount,
      committed: figures.committed,
      actual: figures.actual,
      remaining: subtractMoney(row.amount, addMoney(figures.committed, figures.actual)),
      updatedAt: row.updatedAt.toISOString(),
    };
  };

  return {
    /** The report as one JSON document: the project details' pages are read through and held, as the answer is one value. */
    async report(actor: RequestActor, name: ReportName, query: ReportQuery): Promise<Report> {
      const { report } = await run(actor, name, query, 'read');
      return { ...report, sections: await Promise.all(report.sections.map(async (section) => ({ ...section, rows: await collectRows(section.rows) }))) };
    },

    /**
     * The report as a file, stamped, written as it is read and sent as a
     * stream. The export is audited (who, which report, which filters) once,
     * before the file starts: with the number of rows where the report is at
     * hand, and `rows: null` where its rows are read page by page as the file
     * is written (how many there are is not known before, and an audit entry
     * is never changed afterwards). The entry is written before the cursor
     * opens: an export whose first page then fails is still on record as
     * asked for (the log may hold an export that sent nothing, never miss one).
     */
    async export(actor: RequestActor, name: ReportName, query: ReportQuery, format: Exclude<ReportFormat, 'json'>, audit: AuditContext, options: RenderOptions = {}): Promise<ReportFile> {
      const now = clock();
      const { report, names } = await run(actor, name, query, 'export', async (rows, view) => {
        await appendAudit(db, { ...audit, at: now, action: 'report.exported', subjectType: 'Report', subjectId: name, after: { format, filters: view.filters, scope: view.scope, rows } });
      });
      return renderReport(report, format, { exportedAt: now, exportedBy: actor.user.name }, describeFilters(report, names), options);
    },

    async listBudgets(actor: RequestActor, params: { projectId?: string | undefined; glCode?: string | undefined; year?: number | undefined }): Promise<Budget[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Budget');
      const rows = await listBudgets(readDb, { ...params, limit: 500 });
      return Promise.all(rows.map(({ budget, projectName }) => toBudget(budget, projectName)));
    },

    /** Sets the budget of a project and/or code for a period (admins): the same scope and period again changes its amount. Audited. */
    async putBudget(actor: RequestActor, body: PutBudgetBody, audit: AuditContext): Promise<Budget> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Budget');
      const period = parseBudgetPeriod(body.period)!;
      let projectName: string | null = null;
      if (body.projectId) {
        projectName = (await findProjectName(db, body.projectId)) ?? null;
        if (projectName === null) throw fieldError('projectId', 'no project with this id');
      }
      const row = await db.transaction(async (tx) => {
        const now = clock();
        const saved = await upsertBudget(tx, { projectId: body.projectId ?? null, glCode: body.glCode || null, period: body.period, periodKind: period.kind, periodStart: period.start, periodEnd: period.end, amount: body.amount, updatedById: actor.user.id, updatedAt: now });
        await appendAudit(tx, { ...audit, at: now, action: 'budget.set', subjectType: 'Budget', subjectId: saved.id, after: { projectId: saved.projectId, glCode: saved.glCode, period: saved.period, amount: saved.amount } });
        return saved;
      });
      return toBudget(row, projectName);
    },

    async deleteBudget(actor: RequestActor, id: string, audit: AuditContext): Promise<void> {
      ForbiddenError.from(actor.ability).throwUnlessCan('delete', 'Budget');
      if (!(await findBudget(db, id))) throw new AppError('not_found', 'No such budget');
      await db.transaction(async (tx) => {
        const removed = await deleteBudget(tx, id);
        if (!removed) throw new AppError('not_found', 'No such budget');
        await appendAudit(tx, { ...audit, at: clock(), action: 'budget.deleted', subjectType: 'Budget', subjectId: id, before: { projectId: removed.projectId, glCode: removed.glCode, period: removed.period, amount: removed.amount } });
      });
    },
  };
}
