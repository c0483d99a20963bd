import { ApplicationFailure } from '@temporalio/activity';
import { parseRetentionPeriod, personKindLabels, recordClassDef, type ErasureKept } from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import { appendAudit } from '../db/queries/audit.ts';
import {
  anonymiseSupplierContact,
  anonymiseUser,
  countOpenTasksOf,
  findErasureRequest,
  holdsOnPerson,
  supplierRecordFacts,
  updateErasureRequest,
  userRecordFacts,
} from '../db/queries/personal-data.ts';
import { readPolicy } from '../db/queries/requisitions.ts';
import type { ErasureRequestRow } from '../db/schema/index.ts';
import { queueAudit, type SubjectAdapter } from './human-tasks.ts';
import type { ActivityDeps } from './index.ts';

/**
 * The personal-data process's effects (workflows/personal-data-erasure.workflow.ts):
 * the request as the human-task activities see it, and the erasure itself,
 * once, in one transaction, answering what it anonymised and what it kept.
 */

const requestNumber = (id: string) => `ER-${id.slice(0, 8).toUpperCase()}`;

/**
 * The erasure request for task titles and mails. It names the kind of person
 * and the request, never the person: tasks and mails are kept after the
 * erasure, and must not keep the name it erased. The approver opens the
 * request's page to see who it is.
 */
export function erasureRequestSubject(publicUrl: string): SubjectAdapter {
  const read = async (db: Executor, id: string) => {
    const request = await findErasureRequest(db, id);
    if (!request) throw ApplicationFailure.nonRetryable(`erasure request ${id} does not exist`, 'ErasureRequestMissing');
    return request;
  };
  return {
    async describe(db, id) {
      const request = await read(db, id);
      const number = requestNumber(id);
      const title = `Erase a ${personKindLabels[request.personKind].toLowerCase()}'s personal data`;
      return {
        number,
        title,
        mail: { typeLabel: 'Erasure request', number, title, url: `${publicUrl}/personal-data?request=${id}`, facts: [{ label: 'Person', text: personKindLabels[request.personKind] }], summary: 'A request to erase one person’s personal data (GDPR Art. 17) waits for your decision' },
      };
    },

    async applyChange(tx, id, change, audit, now) {
      const before = await read(tx, id);
      if (before.status !== 'pending_approval' || (change.status !== 'approved' && change.status !== 'rejected')) return;
      const rejected = change.status === 'rejected';
      await updateErasureRequest(tx, id, {
        status: change.status,
        decidedById: change.onBehalfOfId ?? change.actorId,
        decidedAt: now,
        decisionComment: change.comment,
        ...(rejected ? { answer: `Rejected: ${change.comment ?? 'no reason given'}. Nothing was erased.`, kept: [], completedAt: now } : {}),
      });
      queueAudit(tx, { ...audit, at: now, actorId: change.actorId, onBehalfOfId: change.onBehalfOfId, action: `erasure_request.${change.status}`, subjectType: 'ErasureRequest', subjectId: id, before: { status: before.status }, after: { status: change.status, ...(change.comment ? { comment: change.comment } : {}) } });
    },
  };
}

/** A date plus an ISO 8601 period of years, months and days, as an ISO day (UTC). */
function addPeriod(from: Date, period: string): string {
  const parts = parseRetentionPeriod(period) ?? { years: 0, months: 0, days: 0 };
  const date = new Date(Date.UTC(from.getUTCFullYear() + parts.years, from.getUTCMonth() + parts.months, from.getUTCDate() + parts.days));
  return date.toISOString().slice(0, 10);
}

export interface ErasureOutcome {
  status: 'erased' | 'not_erased';
  answer: string;
}

export function createPersonalDataActivities(deps: ActivityDeps) {
  const { db, clock } = deps;

  /** The retention period in force for a class: the admin's, else the class's default. */
  async function periodOf(tx: Executor, recordClass: string): Promise<string> {
    const stored = await readPolicy<{ periods?: Record<string, string> }>(tx, 'retention');
    return stored?.periods?.[recordClass] ?? recordClassDef(recordClass)?.defaultPeriod ?? 'P7Y';
  }

  async function keptForUser(tx: Executor, userId: string): Promise<ErasureKept[]> {
    const facts = await userRecordFacts(tx, userId);
    const kept: ErasureKept[] = [];
    if (facts.requisitions > 0) {
      const period = await periodOf(tx, 'requisition');
      kept.push({
        what: `Their id on the ${facts.requisitions} requisition${facts.requisitions === 1 ? '' : 's'} they requested (the requisitions keep titles, lines and amounts, not their name)`,
        why: `requisitions are kept ${period} after they end (retention policy)${facts.requisitionsRunning > 0 ? `; ${facts.requisitionsRunning} still running` : ''}`,
        until: facts.requisitionsRunning > 0 || !facts.requisitionsEndedLast ? null : addPeriod(facts.requisitionsEndedLast, period),
      });
    }
    if (facts.decisions > 0) {
      kept.push({
        what: `${facts.decisions} decision${facts.decisions === 1 ? '' : 's'} they made in tasks, with their comments, by their id`,
        why: 'the record of approvals in processes under retention (who decided what is part of the business record)',
        until: null,
      });
    }
    if (facts.auditEntries > 0) {
      const period = await periodOf(tx, 'audit_log');
      kept.push({
        what: `${facts.auditEntries} audit entr${facts.auditEntries === 1 ? 'y' : 'ies'} of what they did (append-only and hash-chained: entries written before the erasure keep their values as they were)`,
        why: `the audit log is kept ${period} after each entry (retention policy) and cannot be changed`,
        until: facts.auditLast ? addPeriod(facts.auditLast, period) : null,
      });
    }
    return kept;
  }

  async function keptForSupplier(tx: Executor, supplierId: string): Promise<ErasureKept[]> {
    const facts = await supplierRecordFacts(tx, supplierId);
    const kept: ErasureKept[] = [{ what: "The company's name, tax id, payment terms and discount", why: 'not the contact person’s data: the supplier stays a party to its orders and invoices', until: null }];
    if (facts.orders + facts.invoices > 0) {
      const orderPeriod = await periodOf(tx, 'purchase_order');
      const invoicePeriod = await periodOf(tx, 'invoice');
      const ends = [facts.ordersClosedLast ? addPeriod(facts.ordersClosedLast, orderPeriod) : null, facts.invoicesSettledLast ? addPeriod(facts.invoicesSettledLast, invoicePeriod) : null].filter((day): day is string => day !== null).sort();
      kept.push({
        what: `${facts.orders} purchase order${facts.orders === 1 ? '' : 's'} and ${facts.invoices} invoice${facts.invoices === 1 ? '' : 's'} with their amounts; the order PDFs as they were sent, which print the address of then`,
        why: `accounting records: orders are kept ${orderPeriod} and invoices ${invoicePeriod} after closing (retention policy)`,
        until: ends.at(-1) ?? null,
      });
    }
    if (facts.auditEntries > 0) {
      const period = await periodOf(tx, 'audit_log');
      kept.push({
        what: `${facts.auditEntries} audit entr${facts.auditEntries === 1 ? 'y' : 'ies'} about the supplier (they name which contact fields changed or were read, never their values)`,
        why: `the audit log is kept ${period} after each entry and cannot be changed`,
        until: facts.auditLast ? addPeriod(facts.auditLast, period) : null,
      });
    }
    return kept;
  }

  const describeKept = (kept: ErasureKept[]) => kept.map((item) => `${item.what} (${item.why}${item.until ? `, until ${item.until}` : ''})`).join('; ');

  /** Whatever stops the erasure now: a legal hold in force, or (a user) tasks still open in their name. */
  async function blockers(tx: Executor, request: ErasureRequestRow): Promise<{ answer: string; kept: ErasureKept[] } | null> {
    const holds = await holdsOnPerson(tx, request.personKind, request.personId);
    if (holds.length > 0) {
      const named = holds.map((hold) => `${hold.target}: ${hold.reason}`).join('; ');
      return {
        answer: `Not erased: under legal hold (${named}). Nothing was changed; file the request again once the hold is released.`,
        kept: holds.map((hold) => ({ what: 'All of the person’s data', why: `legal hold on ${hold.target}: ${hold.reason}`, until: null })),
      };
    }
    if (request.personKind === 'user') {
      const open = await countOpenTasksOf(tx, request.personId);
      if (open > 0) return { answer: `Not erased: ${open} task${open === 1 ? ' is' : 's are'} still open in their name. Nothing was changed; hand the tasks on and file the request again.`, kept: [] };
    }
    return null;
  }

  return {
    erasureRequestSubject: erasureRequestSubject(deps.publicUrl),

    /**
     * Carries out an approved erasure, once: under the request's row lock, a
     * request already answered returns its answer; a legal hold (or a user's
     * open tasks) answers "not erased" and changes nothing; otherwise the
     * person is anonymised and the answer names what retained records keep.
     */
    async erasePersonalData(params: { processId: string; requestId: string }): Promise<ErasureOutcome> {
      return db.transaction(async (tx) => {
        const request = await findErasureRequest(tx, params.requestId, { lock: true });
        if (!request) throw ApplicationFailure.nonRetryable(`erasure request ${params.requestId} does not exist`, 'ErasureRequestMissing');
        if (request.status === 'erased' || request.status === 'not_erased') return { status: request.status, answer: request.answer ?? '' };
        if (request.status !== 'approved') throw ApplicationFailure.nonRetryable(`erasure request ${params.requestId} is ${request.status}, not approved`, 'ErasureNotApproved');
        const now = clock();
        const audit = { processId: params.processId, requestId: `${params.processId}:erase`, ip: null, userAgent: 'worker', actorId: request.decidedById };
        const blocked = await blockers(tx, request);
        if (blocked) {
          await updateErasureRequest(tx, request.id, { status: 'not_erased', answer: blocked.answer, kept: blocked.kept, completedAt: now });
          await appendAudit(tx, { ...audit, at: now, action: 'personal_data.not_erased', subjectType: 'ErasureRequest', subjectId: request.id, after: { personKind: request.personKind, personId: request.personId, answer: blocked.answer } });
          return { status: 'not_erased', answer: blocked.answer };
        }
        let kept: ErasureKept[];
        let done: string;
        if (request.personKind === 'user') {
          kept = await keptForUser(tx, request.personId);
          await anonymiseUser(tx, request.personId, now);
          done = 'Erased: the account is anonymised (name, e-mail and password replaced, signed out everywhere, API tokens revoked, delegation cleared, account deactivated); e-mails to them lost address and content; their name was taken out of their requisitions’ tasks and mails.';
        } else {
          kept = await keptForSupplier(tx, request.personId);
          await anonymiseSupplierContact(tx, request.personId, now);
          done = 'Erased: the supplier’s contact person, e-mail, phone and address are replaced; e-mails to the contact lost address and content.';
        }
        const answer = kept.length > 0 ? `${done} Kept: ${describeKept(kept)}.` : done;
        await updateErasureRequest(tx, request.id, { status: 'erased', answer, kept, completedAt: now });
        await appendAudit(tx, { ...audit, at: now, action: 'personal_data.erased', subjectType: request.personKind === 'user' ? 'User' : 'Supplier', subjectId: request.personId, after: { erasureRequestId: request.id, personKind: request.personKind, kept: kept.map((item) => item.what) } });
        return { status: 'erased', answer };
      });
    },
  };
}
