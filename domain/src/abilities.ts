import {
  createMongoAbility,
  type ForcedSubject,
  type MongoAbility,
  type MongoQuery,
  type RawRuleOf,
} from '@casl/ability';
import { packRules, unpackRules, type PackRule } from '@casl/ability/extra';
import type { Role } from './roles.ts';

/**
 * The one permission definition. The API enforces it on every request and
 * derives SQL list filters from it; the web app unpacks the same rules (from
 * GET /me) to hide what the API would refuse. Never restate these elsewhere.
 */
export const actions = [
  'manage',
  'read',
  'create',
  'update',
  'delete',
  'submit',
  'withdraw',
  'complete',
  'claim',
  'issue',
  'cancel',
  'export',
  'verify',
  'delegate',
  'dispose',
  /** Take records up for a retention review (today: the dry run of which records a review would list). */
  'review',
] as const;

export const subjects = [
  'User',
  'ApiToken',
  'Supplier',
  'Project',
  'Requisition',
  'Task',
  'PurchaseOrder',
  'GoodsReceipt',
  'Invoice',
  'Process',
  'AuditLog',
  'Policy',
  'RetentionRecord',
  /** A legal hold: create places it, update releases it. */
  'LegalHold',
  'Outbox',
  /** The procurement reports: who reads them (a manager: only their reports' spend, narrowed by the API). */
  'Report',
  'Budget',
  /** A supplier's contact person: name, phone, address (personal data; every read is audited). */
  'SupplierContact',
  /** Everything held about one person: `export` is the access export (GDPR Art. 15). */
  'PersonalData',
  /** A request to erase one person's personal data (GDPR Art. 17); a records manager approves it in the inbox. */
  'ErasureRequest',
] as const;

export type Action = (typeof actions)[number];
export type SubjectName = (typeof subjects)[number];
/** A record checked against conditions, tagged with its subject name by CASL's `subject()`. */
export type SubjectRecord = ForcedSubject<SubjectName> & object;
export type AppAbility = MongoAbility<[Action, SubjectName | 'all' | SubjectRecord], MongoQuery>;
export type AppRule = RawRuleOf<AppAbility>;

/** What the rules need to know about the person: who they are, whom they manage, for whom they stand in. */
export interface AbilityUser {
  id: string;
  roles: readonly Role[];
  /** Direct reports: a manager reads their requisitions. */
  reportIds?: readonly string[];
  /** Users whose out-of-office period names this user as delegate, right now. */
  delegatorIds?: readonly string[];
}

/** Roles that read every requisition and purchase document. */
const procurementReaders: readonly Role[] = [
  'buyer',
  'procurement_manager',
  'finance_director',
  'accountant',
  'auditor',
];

export function defineRulesFor(user: AbilityUser): AppRule[] {
  const rules: AppRule[] = [];
  const can = (
    action: Action | Action[],
    subject: SubjectName | SubjectName[] | 'all',
    conditions?: MongoQuery,
  ) => {
    rules.push(conditions ? { action, subject, conditions } : { action, subject });
  };
  /** Takes fields back from an earlier `can`, where the conditions hold (CASL: the later rule wins). */
  const cannot = (action: Action, subject: SubjectName, fields: string[], conditions: MongoQuery, reason: string) => {
    rules.push({ action, subject, fields, conditions, inverted: true, reason });
  };
  const has = (...wanted: Role[]) => wanted.some((role) => user.roles.includes(role));

  // Everyone: their own account, tokens and out-of-office; reference data; their own tasks.
  can('read', 'User', { id: user.id });
  can('delegate', 'User', { id: user.id });
  can(['read', 'create', 'delete'], 'ApiToken', { userId: user.id });
  can('read', ['Supplier', 'Project']);
  can(['read', 'complete'], 'Task', { assigneeId: user.id, status: 'open' });
  can('read', 'Task', { assigneeId: user.id });
  can('read', 'Task', { completedById: user.id });
  // Earlier assignees keep read access after an escalation.
  can('read', 'Task', { watcherIds: user.id });
  if (user.delegatorIds?.length) {
    can(['read', 'complete'], 'Task', { assigneeId: { $in: [...user.delegatorIds] }, status: 'open' });
  }
  // A pool task is offered to the role's holders except those its segregation-of-duties rule keeps off it.
  can(['read', 'claim'], 'Task', { candidateRole: { $in: [...user.roles] }, assigneeId: null, status: 'open', excludedIds: { $ne: user.id } });

  if (has('requester')) {
    can('create', 'Requisition');
    can(['read', 'update', 'submit', 'withdraw'], 'Requisition', { requesterId: user.id });
    // The orders their requisitions' lines are on.
    can('read', 'PurchaseOrder', { requesterIds: user.id });
  }
  if (has('manager') && user.reportIds?.length) {
    // A report's drafts stay private until they are submitted.
    can('read', 'Requisition', { requesterId: { $in: [...user.reportIds] }, status: { $ne: 'draft' } });
    can('read', 'User', { id: { $in: [...user.reportIds] } });
  }
  if (has(...procurementReaders)) {
    can('read', ['Requisition', 'PurchaseOrder', 'GoodsReceipt', 'Invoice', 'Process']);
    // The reports, whole, and their exports; the budgets they are measured against.
    can(['read', 'export'], 'Report');
    can('read', 'Budget');
  }
  if (has('manager')) {
    // Their reports' spend only: the report service narrows every figure to the requisitions of their reports.
    can(['read', 'export'], 'Report', { scope: 'reports' });
  }
  if (has('buyer')) {
    can(['create', 'update', 'issue', 'cancel'], 'PurchaseOrder');
    can(['create', 'update'], 'Supplier');
    can(['read', 'update'], 'SupplierContact');
  }
  if (has('procurement_manager')) {
    can(['create', 'update'], 'Supplier');
    can(['read', 'update'], 'SupplierContact');
    can('read', 'Policy');
  }
  if (has('finance_director')) can('read', 'Policy');
  if (has('warehouse')) {
    can('read', ['PurchaseOrder', 'GoodsReceipt']);
    can('create', 'GoodsReceipt');
  }
  if (has('accountant')) can(['create', 'update', 'export'], 'Invoice');
  if (has('records_manager')) {
    can(['read', 'dispose', 'review'], 'RetentionRecord');
    can(['read', 'create', 'update'], 'LegalHold');
    // The retention policy they work under (and the others, which date what they keep).
    can('read', 'Policy');
    can('read', 'AuditLog');
    // Personal data: access exports and erasure requests (which records managers approve).
    can('export', 'PersonalData');
    can(['read', 'create'], 'ErasureRequest');
    can('read', 'SupplierContact');
  }
  if (has('auditor')) {
    // Auditors read everything and change nothing.
    can('read', 'all');
    can(['export', 'verify'], ['AuditLog', 'Process']);
  }
  if (has('admin')) {
    // Admins run the system; they approve nothing (no Task rule here).
    can(['read', 'create', 'update', 'delegate'], 'User');
    // Never their own roles or active flag: an admin who demoted or deactivated themself would
    // have no way back (another admin changes them).
    cannot('update', 'User', ['roles', 'active'], { id: user.id }, 'You cannot change your own roles or deactivate yourself; another admin can');
    can(['read', 'update'], 'Policy');
    can(['read', 'create', 'update', 'delete'], 'Budget');
    // Retention: admins start reviews and place or release holds too; disposing stays the records manager's.
    can(['read', 'review'], 'RetentionRecord');
    can(['read', 'create', 'update'], 'LegalHold');
    can(['create', 'update'], ['Supplier', 'Project']);
    can(['read', 'update'], 'SupplierContact');
    // Admins file erasure requests and export personal data; approving an erasure stays the records manager's.
    can('export', 'PersonalData');
    can(['read', 'create'], 'ErasureRequest');
    can(['read', 'verify'], 'AuditLog');
    can('read', 'Outbox');
  }
  return rules;
}

export function defineAbilityFor(user: AbilityUser): AppAbility {
  return createMongoAbility<AppAbility>(defineRulesFor(user));
}

export type PackedRules = PackRule<AppRule>[];

export function packAbilityRules(rules: AppRule[]): PackedRules {
  return packRules(rules);
}

/** The web side: rebuild the ability from the packed rules GET /me returned. */
export function abilityFromPackedRules(packed: PackedRules): AppAbility {
  return createMongoAbility<AppAbility>(unpackRules(packed));
}
