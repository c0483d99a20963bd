/**
 * What people read for timeline entries, and the export links. Browser-safe:
 * nothing here imports zod or the domain's value modules.
 */

/** Known event types, worded as the API words them (so a detail that only repeats the label can be left out); anything new falls back to its code made readable, so an unknown type never hides an entry. */
const typeLabels: Record<string, string> = {
  'requisition.created': 'Requisition created',
  'requisition.updated': 'Requisition edited',
  'requisition.amended': 'Requisition amended while questioned',
  'requisition.submitted': 'Requisition submitted',
  'requisition.under_review': 'Under review',
  'requisition.questioned': 'Question asked',
  'requisition.answered': 'Question answered',
  'requisition.approved': 'Requisition approved',
  'requisition.step_approved': 'Step approved',
  'requisition.rejected': 'Requisition rejected',
  'requisition.withdrawn': 'Requisition withdrawn',
  'task.created': 'Task created',
  'task.claimed': 'Task claimed',
  'task.completed': 'Task decided',
  'task.cancelled': 'Task cancelled',
  'task.escalated': 'Task escalated',
  'task.reminder_sent': 'Reminder sent',
  'decision.accepted': 'Decision accepted',
  'decision.rejected': 'Decision refused',
  'timer.started': 'Timer started',
  'timer.fired': 'Timer fired',
  'timer.cancelled': 'Timer cancelled',
  'activity.completed': 'Activity completed',
  'activity.retried': 'Activity retried',
  'activity.failed': 'Activity failed',
  'process.started': 'Process started',
  'process.completed': 'Process completed',
  'process.failed': 'Process failed',
  'process.terminated': 'Process terminated',
  'process.admins_alerted': 'Admins alerted',
  'child.started': 'Child process started'
};

export function timelineTypeLabel(type: string): string {
  const known = typeLabels[type];
  if (known) return known;
  const text = type.replace(/[._]/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Entries that need an auditor's eye, whatever their source. */
/** The detail, unless it only repeats what the label already says. */
export function timelineDetail(type: string, detail: string): string | null {
  const text = detail.trim();
  return text && text.toLowerCase() !== timelineTypeLabel(type).toLowerCase() ? text : null;
}

export function timelineTone(type: string): 'success' | 'danger' | 'warning' | 'neutral' {
  if (/\.(approved|completed)$/.test(type) && type.startsWith('requisition.')) return 'success';
  if (/\.(rejected|failed|terminated)$/.test(type)) return 'danger';
  if (/\.(questioned|escalated|retried|withdrawn|admins_alerted)$/.test(type)) return 'warning';
  return 'neutral';
}

export const sourceLabels = { audit: 'Business', engine: 'Engine' } as const;

export type ExportFormat = 'csv' | 'json';

/** A same-origin GET the session cookie authorises, so a plain `<a download>` fetches the file. */
export function exportHref(path: `/${string}`, filters: Record<string, string>, format: ExportFormat): string {
  const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
  params.set('format', format);
  return `/api/v1${path}?${params}`;
}
