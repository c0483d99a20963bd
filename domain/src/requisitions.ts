import { z } from 'zod';
import { text } from './text.ts';
import { MONEY_SCALE, PRICE_SCALE, compareDecimal, decimalString, lineAmount, moneyString, sumMoney } from './money.ts';
import { calendarDate } from './dates.ts';
import { withRules } from './rules.ts';

export const requisitionStatuses = ['draft', 'submitted', 'under_review', 'questioned', 'approved', 'rejected', 'withdrawn', 'ordered', 'closed'] as const;
export type RequisitionStatus = (typeof requisitionStatuses)[number];

/** Statuses in which the requester may still change the requisition. */
export const editableStatuses: readonly RequisitionStatus[] = ['draft', 'questioned'];
/** Statuses in which the requester may still withdraw it. */
export const withdrawableStatuses: readonly RequisitionStatus[] = ['draft', 'submitted', 'under_review', 'questioned'];

export const purposes = ['daily_operations', 'project'] as const;
export type Purpose = (typeof purposes)[number];

export const MAX_LINES = 100;

/**
 * Digits before the point of a line's quantity and unit price: a line's
 * amount stays below 10^14 and a total of MAX_LINES lines below 10^16, what
 * the money columns (numeric(18,2)) hold. No input can overflow them.
 */
export const QUANTITY_DIGITS = 7;
export const UNIT_PRICE_DIGITS = 7;

export const requisitionLineBody = z.strictObject({
  description: text(500),
  quantity: decimalString(PRICE_SCALE, { digits: QUANTITY_DIGITS, sign: 'positive' }),
  unit: text(20).default('each'),
  unitPrice: decimalString(PRICE_SCALE, { digits: UNIT_PRICE_DIGITS, sign: 'non-negative' }),
  supplierId: z.uuid().nullish(),
  glCode: text(30).nullish(),
});
export type RequisitionLineBody = z.infer<typeof requisitionLineBody>;

export const requisitionBody = withRules(
  z.strictObject({
    title: text(200),
    purpose: z.enum(purposes),
    projectId: z.uuid().nullish(),
    neededBy: calendarDate().nullish(),
    lines: z.array(requisitionLineBody).min(1).max(MAX_LINES, `at most ${MAX_LINES} lines`),
  }),
  (body, ctx) => {
    if (body.purpose === 'project' && !body.projectId) ctx.addIssue({ code: 'custom', path: ['projectId'], message: 'required when purpose is project' });
    if (body.purpose === 'daily_operations' && body.projectId) ctx.addIssue({ code: 'custom', path: ['projectId'], message: 'only for purpose project' });
  },
  {
    if: { properties: { purpose: { const: 'project' } } },
    then: { required: ['projectId'], properties: { projectId: { type: 'string' } } },
    else: { properties: { projectId: { type: 'null' } } },
  },
);
export type RequisitionBody = z.infer<typeof requisitionBody>;

/** Money of a requisition, computed one way everywhere: line amounts rounded to cents, then summed. */
export function requisitionTotal(lines: readonly { quantity: string; unitPrice: string }[]): string {
  return sumMoney(lines.map((line) => lineAmount(line.quantity, line.unitPrice)));
}

export const approvalStepStatuses = ['pending', 'active', 'approved', 'rejected', 'questioned', 'cancelled'] as const;

export const approvalStepSchema = z.object({
  level: z.int(),
  role: z.string(),
  assigneeId: z.string().nullable(),
  candidateRole: z.string().nullable(),
  status: z.enum(approvalStepStatuses),
  decidedBy: z.string().nullable(),
  onBehalfOf: z.string().nullable(),
  decidedAt: z.string().nullable(),
  comment: z.string().nullable(),
  dueAt: z.string().nullable(),
  taskId: z.string().nullable(),
  note: z.string().nullable(),
});
export type ApprovalStep = z.infer<typeof approvalStepSchema>;

export const requisitionLineSchema = z.object({
  id: z.string(),
  lineNo: z.int(),
  description: z.string(),
  quantity: z.string(),
  unit: z.string(),
  unitPrice: z.string(),
  amount: z.string(),
  supplierId: z.string().nullable(),
  glCode: z.string().nullable(),
});

export const requisitionSchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  title: z.string(),
  purpose: z.enum(purposes),
  projectId: z.string().nullable(),
  neededBy: z.string().nullable(),
  status: z.enum(requisitionStatuses),
  total: moneyString,
  requesterId: z.string(),
  workflowId: z.string().nullable(),
  lines: z.array(requisitionLineSchema),
  steps: z.array(approvalStepSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  submittedAt: z.string().nullable(),
});
export type Requisition = z.infer<typeof requisitionSchema>;

export const requisitionSummarySchema = requisitionSchema.omit({ lines: true, steps: true });

export { MONEY_SCALE, compareDecimal };
