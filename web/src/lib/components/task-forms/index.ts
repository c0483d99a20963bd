import type { Component } from 'svelte';
import type { Problem } from '@p2p/domain';
import { taskKindDef } from '@p2p/domain/task-registry';
import AssignSuppliers from './AssignSuppliers.svelte';
import { kindsShowingWhatIsDecided } from './details';
import InvoiceDecision from './InvoiceDecision.svelte';
import InvoicePayment from './InvoicePayment.svelte';
import PreparePurchaseOrder from './PreparePurchaseOrder.svelte';
import PurchaseOrderDecision from './PurchaseOrderDecision.svelte';
import RetentionDisposalConfirmation from './RetentionDisposalConfirmation.svelte';
import RetentionReview from './RetentionReview.svelte';

/**
 * Forms that are more than a few flat fields (a table of order lines) get a
 * component of their own, keyed by kind and action. The decision dialog
 * renders one when the registry has it and the generic fields otherwise, so
 * a new kind with a flat form needs nothing here. Inputs are named by the
 * path the API reports problems under (`data.lines.0.unitPrice`), which the
 * server reads back with `structuredDataFrom`.
 */
export interface TaskFormReferences {
  /** Active suppliers, for forms that pick one (loaded by pages that list such tasks). */
  suppliers: readonly { id: string; name: string }[];
}

export interface TaskFormProps {
  details: Record<string, unknown>;
  problem: Problem | undefined;
  idPrefix: string;
  references: TaskFormReferences;
}

export interface KindForm {
  component: Component<TaskFormProps>;
  /** The dialog's width: a line table needs room. */
  width: number;
  /** Last path segments the component shows at its inputs; the dialog's alert lists only the rest. */
  inlineFields: readonly string[];
}

const kindForms: Record<string, KindForm> = {
  'po_prepare:prepare': { component: PreparePurchaseOrder, width: 920, inlineFields: ['deliveryDate', 'deliveryAddress', 'note', 'unitPrice', 'taxRate', 'lines'] },
  'po_assign_supplier:assign': { component: AssignSuppliers, width: 720, inlineFields: ['supplierId', 'lines'] },
  'invoice_payment:mark_paid': { component: InvoicePayment, width: 600, inlineFields: ['reference', 'paidOn', 'amount'] },
  'retention_review:record_decisions': { component: RetentionReview, width: 980, inlineFields: ['all', 'action', 'until', 'reason', 'recordId', 'recordClass'] }
};

export function kindFormOf(kind: string, action: string): KindForm | undefined {
  return kindForms[`${kind}:${action}`];
}

/** Kinds whose forms pick a supplier: a page listing their tasks loads the suppliers. */
export const kindsNeedingSuppliers: readonly string[] = ['po_assign_supplier'];

/** What a decision is about, shown above any action's form: the order and totals an approval decides, the date a supplier proposes. */
export interface KindSummaryProps {
  task: { kind: string; subjectId?: string | null; details?: Record<string, unknown> };
}

/** The summary of a kind in `kindsShowingWhatIsDecided`, by the record it decides about (the registry's subject type). */
const summaryBySubject: Record<string, Component<KindSummaryProps>> = {
  PurchaseOrder: PurchaseOrderDecision,
  Invoice: InvoiceDecision,
  RetentionReview: RetentionDisposalConfirmation
};

const kindSummaries: Record<string, Component<KindSummaryProps>> = Object.fromEntries(
  kindsShowingWhatIsDecided.flatMap((kind) => {
    const summary = summaryBySubject[taskKindDef(kind)?.subjectType ?? ''];
    return summary ? [[kind, summary]] : [];
  })
);

export function kindSummaryOf(kind: string): Component<KindSummaryProps> | undefined {
  return kindSummaries[kind];
}
