import {
  auditVerificationSchema,
  pageOf,
  processSummarySchema,
  requisitionSummarySchema,
  requisitionWorkflowId,
  timelineItemSchema,
  type AuditVerification,
  type ProcessSummary as DomainProcessSummary,
  type TimelineItem as DomainTimelineItem
} from '@p2p/domain';
import { apiFetch, type ApiEvent } from './api';

/*
 * Processes and their history as the API answers them. The API keeps these
 * schemas to itself (api/routes/processes.ts), so the web app states the
 * shape it reads, as it does for the outbox.
 */
// The API's answers, from the one definition in domain/.
export const processSummary = processSummarySchema;
export type ProcessSummary = DomainProcessSummary;
export const timelineItem = timelineItemSchema;
export type TimelineItem = DomainTimelineItem;
export const verification = auditVerificationSchema;
export type Verification = AuditVerification;

/** The search filters of the audit page, as the API names them. */
export const processFilterNames = ['number', 'q', 'userId', 'supplierId', 'status', 'from', 'to'] as const;
export type ProcessFilters = Record<(typeof processFilterNames)[number], string>;

export function processFiltersOf(url: URL): ProcessFilters {
  const value = (name: string) => (url.searchParams.get(name) ?? '').trim().slice(0, 100);
  return Object.fromEntries(processFilterNames.map((name) => [name, value(name)])) as ProcessFilters;
}

export async function searchProcesses(event: ApiEvent, filters: ProcessFilters, page: { limit: number; cursor: string | null }) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
  query.set('limit', String(page.limit));
  if (page.cursor) query.set('cursor', page.cursor);
  return apiFetch(event, `/processes?${query}`, { schema: pageOf(processSummary) });
}

/** Pages of 2,000 entries; more than this many is no longer a timeline anyone reads on screen. */
const HISTORY_PAGE = 2000;
const HISTORY_PAGES = 5;

/** The whole merged timeline, oldest first. A process the caller may not read answers 404 (ApiError). */
export async function processHistory(event: ApiEvent, workflowId: string): Promise<{ items: TimelineItem[]; truncated: boolean }> {
  const items: TimelineItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE) });
    if (cursor) query.set('cursor', cursor);
    const answer: { items: TimelineItem[]; nextCursor: string | null } = await apiFetch(
      event,
      `/processes/${encodeURIComponent(workflowId)}/history?${query}`,
      { schema: pageOf(timelineItem) }
    );
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) return { items, truncated: false };
  }
  return { items, truncated: true };
}

/** The audit chain's state, for those who may verify it; null for everyone else (or when the check fails). */
export async function auditVerification(event: ApiEvent): Promise<Verification | null> {
  if (!event.locals.ability.can('verify', 'AuditLog')) return null;
  return apiFetch(event, '/audit/verify', { schema: verification }).catch((cause) => {
    console.error('audit verification failed', cause);
    return null;
  });
}

/** The requisition a workflow belongs to, read back from the derived id (`requisitionWorkflowId` in the domain). */
function requisitionIdOf(workflowId: string): string | null {
  const id = workflowId.startsWith('requisition-') ? workflowId.slice('requisition-'.length) : '';
  return requisitionWorkflowId(id) === workflowId && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

export type TimelineSource = 'audit' | 'engine';

/** The source and actor filters of a timeline, from the URL. */
export function timelineFiltersOf(url: URL): { source: TimelineSource | null; actorId: string } {
  const source = url.searchParams.get('source');
  return { source: source === 'audit' || source === 'engine' ? source : null, actorId: (url.searchParams.get('actor') ?? '').slice(0, 100) };
}

/**
 * One process for the history view and its printout: the record it belongs
 * to, the merged timeline (filtered here, so the actor list stays complete),
 * and the chain's verification. A process the caller may not read is the
 * API's 404, shown as the not-found page.
 */
export async function loadProcessHistory(event: ApiEvent & { params: { workflowId: string }; url: URL }) {
  const { workflowId } = event.params;
  const requisitionId = requisitionIdOf(workflowId);
  const [history, requisition, verification] = await Promise.all([
    processHistory(event, workflowId),
    requisitionId
      ? apiFetch(event, `/requisitions/${encodeURIComponent(requisitionId)}`, { schema: requisitionSummarySchema }).catch(() => null)
      : null,
    auditVerification(event)
  ]);

  const filters = timelineFiltersOf(event.url);
  const actors = new Map<string, string>();
  for (const item of history.items) if (item.actorId) actors.set(item.actorId, item.actor ?? item.actorId);
  const items = history.items.filter(
    (item) => (!filters.source || item.source === filters.source) && (!filters.actorId || item.actorId === filters.actorId)
  );

  return {
    workflowId,
    requisition: requisition && {
      id: requisition.id,
      number: requisition.number,
      title: requisition.title,
      status: requisition.status,
      total: requisition.total,
      submittedAt: requisition.submittedAt
    },
    items,
    total: history.items.length,
    truncated: history.truncated,
    actors: [...actors].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    filters,
    verification,
    canExport: event.locals.ability.can('export', 'Process'),
    loadedAt: new Date().toISOString()
  };
}
