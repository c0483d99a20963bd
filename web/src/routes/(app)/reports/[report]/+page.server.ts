import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { pageOf, projectSchema, reportNames, reportSchema, reportTitles, supplierSchema, type Problem, type Report, type ReportName } from '@p2p/domain';
import { ApiError, apiFetch, pageError } from '$lib/server/api';
import { reportFilterKeys, reportSummaries, type ReportFilterValues } from '$lib/reports';
import type { PageServerLoad } from './$types';

const isReportName = (name: string): name is ReportName => (reportNames as readonly string[]).includes(name);

/**
 * One report for the filters in the URL (the API's own names, so the page,
 * the export links and the API read the same query). A refusal of a filter
 * (to before from, a range too long, a project the report needs, another
 * department) is shown at that filter, not as an error page.
 */
export const load: PageServerLoad = async (event) => {
  const { params, url, locals } = event;
  if (!isReportName(params.report)) error(404, 'There is no such report.');
  if (!locals.ability.can('read', 'Report')) error(403, 'Reports are for buyers, procurement managers, finance, accounting and audit.');
  const name = params.report;

  const filters = Object.fromEntries(reportFilterKeys.map((key) => [key, (url.searchParams.get(key) ?? '').trim().slice(0, 100)])) as ReportFilterValues;
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));

  const [suppliers, projects] = await Promise.all([
    // Not everyone who reads reports may list suppliers: then the filter is left out.
    apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }).catch(() => ({ items: [] })),
    apiFetch(event, '/projects', { schema: z.object({ items: z.array(projectSchema) }) }).catch(() => ({ items: [] }))
  ]);

  let report: Report | null = null;
  let problem: Problem | null = null;
  const needsProject = name === 'project-details' && !filters.projectId;
  if (!needsProject) {
    try {
      report = await apiFetch(event, `/reports/${name}?${query}`, { schema: reportSchema });
    } catch (cause) {
      // A refusal that names its filter stays on the page; anything else is the error page.
      if (!(cause instanceof ApiError) || !cause.problem.errors?.length || cause.status >= 500) pageError(event, cause);
      problem = cause.problem;
    }
  }

  return {
    name,
    title: reportTitles[name],
    summary: reportSummaries[name],
    filters,
    query: query.toString(),
    report,
    problem,
    needsProject,
    suppliers: suppliers.items.map(({ id, name }) => ({ id, name })),
    projects: projects.items.map(({ id, code, name }) => ({ id, label: `${code} ${name}` })),
    canExport: locals.ability.can('export', 'Report')
  };
};
