import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '@casl/ability';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { AccessExport, CreateErasureRequestBody, ErasureRequest, ErasureRequestStatus, PersonQuery } from '@p2p/domain';
import { openSupplierContact } from '../../db/encryption.ts';
import { appendAudit } from '../../db/queries/audit.ts';
import type { RecordAnswer } from '../../db/queries/idempotency.ts';
import {
  countOpenTasksOf,
  countRunningDealings,
  findErasureRequestView,
  findOpenErasureRequest,
  findUserForExport,
  insertErasureRequest,
  listErasureRequests,
  supplierExportSections,
  userExportSections,
} from '../../db/queries/personal-data.ts';
import { readPolicy } from '../../db/queries/requisitions.ts';
import { findSupplierById } from '../../db/queries/suppliers.ts';
import type { ErasureRequestRow } from '../../db/schema/index.ts';
import { personalDataErasureWorkflow } from '../../workflows/personal-data-erasure.workflow.ts';
import { searchKeys } from '../../workflows/search-attributes.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';

type RequestView = NonNullable<Awaited<ReturnType<typeof findErasureRequestView>>>;

export const toErasureRequest = ({ request, requestedByName, personLabel }: RequestView): ErasureRequest => ({
  id: request.id,
  personKind: request.personKind,
  personId: request.personId,
  personLabel: personLabel ?? '(no longer exists)',
  reason: request.reason,
  status: request.status,
  workflowId: request.workflowId,
  requestedById: request.requestedById,
  requestedByName,
  requestedAt: request.requestedAt.toISOString(),
  decidedById: request.decidedById,
  decidedAt: request.decidedAt?.toISOString() ?? null,
  decisionComment: request.decisionComment,
  answer: request.answer,
  kept: request.kept,
  completedAt: request.completedAt?.toISOString() ?? null,
});

/** The approval's SLA: the approval policy's step SLA, as for every other approval. */
export async function erasureApprovalSla(db: ApiDeps['db']): Promise<string> {
  return (await readPolicy<{ stepSla?: string }>(db, 'approval'))?.stepSla ?? 'P2D';
}

/**
 * Starts a request's process (when it is filed, or by the relay when that
 * start failed). Idempotent: one workflow id per request, never reused.
 */
export async function startErasureProcess(client: Client, taskQueue: string, row: ErasureRequestRow, approvalSla: string): Promise<'started' | 'already started'> {
  try {
    await client.workflow.start(personalDataErasureWorkflow, {
      workflowId: row.workflowId,
      taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ requestId: row.id, requestedById: row.requestedById, approvalSla }],
      typedSearchAttributes: [
        { key: searchKeys.businessKey, value: `ER-${row.id.slice(0, 8).toUpperCase()}` },
        { key: searchKeys.processStatus, value: 'pending_approval' },
      ],
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already started';
    throw error;
  }
}

export type PersonalDataService = ReturnType<typeof createPersonalDataService>;

/**
 * The personal-data rights of the people in this system (SPEC 4.4): the
 * access export (GDPR Art. 15), logged; erasure requests (Art. 17), which a
 * records manager approves in the inbox and a process carries out.
 */
export function createPersonalDataService(deps: Pick<ApiDeps, 'db' | 'clock' | 'temporal' | 'config' | 'logger' | 'personalData'>) {
  const { db, clock, temporal, config, logger, personalData } = deps;

  return {
    /** Everything held about one person, as JSON; each export is an audit entry (who exported whom). */
    async accessExport(actor: RequestActor, query: PersonQuery, audit: AuditContext): Promise<AccessExport> {
      ForbiddenError.from(actor.ability).throwUnlessCan('export', 'PersonalData');
      return db.transaction(async (tx) => {
        const now = clock();
        let person: Record<string, unknown>;
        let sections;
        if (query.personKind === 'user') {
          const user = await findUserForExport(tx, query.personId);
          if (!user) throw new AppError('not_found', 'No user with this id');
          person = {
            id: user.id,
            name: user.name,
            email: user.email,
            roles: user.roles,
            department: user.department,
            managerId: user.managerId,
            active: user.active,
            createdAt: user.createdAt.toISOString(),
            deactivatedAt: user.deactivatedAt?.toISOString() ?? null,
            anonymisedAt: user.anonymisedAt?.toISOString() ?? null,
            outOfOffice: user.outOfOfficeFrom ? { from: user.outOfOfficeFrom.toISOString(), until: user.outOfOfficeUntil?.toISOString() ?? null, delegateId: user.delegateId } : null,
            lastFailedSignIns: user.failedLoginCount,
          };
          sections = await userExportSections(tx, user.id);
        } else {
          const supplier = await findSupplierById(tx, query.personId);
          if (!supplier) throw new AppError('not_found', 'No supplier with this id');
          person = {
            supplierId: supplier.id,
            supplierName: supplier.name,
            contactName: supplier.contactName,
            email: supplier.email,
            ...openSupplierContact(personalData, supplier),
            anonymisedAt: supplier.contactAnonymisedAt?.toISOString() ?? null,
          };
          sections = await supplierExportSections(tx, supplier.id, supplier.email);
        }
        await appendAudit(tx, {
          ...audit,
          at: now,
          action: 'personal_data.exported',
          subjectType: query.personKind === 'user' ? 'User' : 'Supplier',
          subjectId: query.personId,
          after: { personKind: query.personKind, sections: sections.map((part) => ({ name: part.name, items: part.items.length })) },
        });
        return { exportedAt: now.toISOString(), personKind: query.personKind, personId: query.personId, person, sections: JSON.parse(JSON.stringify(sections)) as AccessExport['sections'] };
      });
    },

    /**
     * Files an erasure request and starts its approval. Refused, with nothing
     * written: a person who does not exist (422), a user with open tasks or a
     * supplier with running orders or invoices (409: the work reaches them),
     * a person already erased or with a request still open (409).
     */
    async createErasureRequest(actor: RequestActor, body: CreateErasureRequestBody, audit: AuditContext, recordAnswer?: RecordAnswer<ErasureRequest>): Promise<ErasureRequest> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'ErasureRequest');
      if (body.personKind === 'user') {
        const user = await findUserForExport(db, body.personId);
        if (!user) throw fieldError('personId', 'no user with this id');
        if (user.anonymisedAt) throw new AppError('conflict', `This user's data was erased on ${user.anonymisedAt.toISOString().slice(0, 10)}`, { errors: [{ path: 'personId', message: 'already erased' }] });
        const open = await countOpenTasksOf(db, user.id);
        if (open > 0) throw new AppError('conflict', `The user has ${open} open task${open === 1 ? '' : 's'}: hand them on (or let them be decided) before erasing the account`, { errors: [{ path: 'personId', message: `has ${open} open task${open === 1 ? '' : 's'}` }] });
      } else {
        const supplier = await findSupplierById(db, body.personId);
        if (!supplier) throw fieldError('personId', 'no supplier with this id');
        if (supplier.contactAnonymisedAt) throw new AppError('conflict', `This supplier's contact data was erased on ${supplier.contactAnonymisedAt.toISOString().slice(0, 10)}`, { errors: [{ path: 'personId', message: 'already erased' }] });
        const running = await countRunningDealings(db, supplier.id);
        if (running.orders + running.invoices > 0) {
          throw new AppError('conflict', `The supplier has ${running.orders} open order(s) and ${running.invoices} open invoice(s), which go to its contact: erase the contact once they are settled`, { errors: [{ path: 'personId', message: 'has open orders or invoices' }] });
        }
      }
      const existing = await findOpenErasureRequest(db, body.personKind, body.personId);
      if (existing) throw new AppError('conflict', `An erasure request for this person is already ${existing.status.replace('_', ' ')}`, { errors: [{ path: 'personId', message: 'has an open erasure request' }] });
      const id = randomUUID();
      const now = clock();
      let row: ErasureRequestRow;
      try {
        row = await db.transaction(async (tx) => {
          const inserted = await insertErasureRequest(tx, { id, personKind: body.personKind, personId: body.personId, reason: body.reason, status: 'pending_approval', workflowId: `erasure-${id}`, requestedById: actor.user.id, requestedAt: now });
          // The audit entry names the person by id and kind only: it outlives the erasure.
          await appendAudit(tx, { ...audit, at: now, action: 'erasure_request.created', subjectType: 'ErasureRequest', subjectId: id, processId: inserted.workflowId, after: { personKind: body.personKind, personId: body.personId, reason: body.reason } });
          const view = await findErasureRequestView(tx, id);
          await recordAnswer?.(tx, toErasureRequest(view!));
          return inserted;
        });
      } catch (error) {
        // Two requests for one person raced: the unique index on open requests let one in.
        if ((error as { code?: unknown }).code === '23505' || /erasure_requests_one_open/.test(String(error))) throw new AppError('conflict', 'An erasure request for this person is already open', { errors: [{ path: 'personId', message: 'has an open erasure request' }] });
        throw error;
      }
      try {
        await startErasureProcess(await temporal.client(), config.TEMPORAL_TASK_QUEUE, row, await erasureApprovalSla(db));
      } catch (error) {
        logger.warn('erasure request recorded; its approval starts when the engine answers', { erasureRequestId: id, error: String(error) });
      }
      return toErasureRequest((await findErasureRequestView(db, id))!);
    },

    async listErasureRequests(actor: RequestActor, params: { limit: number; after?: string | undefined; status?: ErasureRequestStatus | undefined }): Promise<ErasureRequest[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'ErasureRequest');
      return (await listErasureRequests(db, params)).map(toErasureRequest);
    },

    async getErasureRequest(actor: RequestActor, id: string): Promise<ErasureRequest> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'ErasureRequest');
      const view = await findErasureRequestView(db, id);
      if (!view) throw new AppError('not_found', 'No such erasure request');
      return toErasureRequest(view);
    },
  };
}
