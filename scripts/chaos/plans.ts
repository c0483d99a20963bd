import type { RequisitionStatus, TaskAction, TaskKind } from '@p2p/domain';

/** Demo people who take part: both requesters report to the manager (db/seed.ts). */
export type Person = 'requester' | 'engineer' | 'manager' | 'procurement_manager' | 'finance_director';

export type Step =
  | { kind: 'decide'; by: Person; taskKind: TaskKind; action: TaskAction; comment?: string }
  /** The requester withdraws once approval level `whileLevelOpen` (1-based, as the API numbers steps) has its task open. */
  | { kind: 'withdraw'; by: Person; whileLevelOpen: number };

export interface Plan {
  name: string;
  /** One line of quantity 1: the total picks the chain (default policy: <= 1,000 one step, <= 25,000 two, above three). */
  unitPrice: string;
  steps: Step[];
  endStatus: Extract<RequisitionStatus, 'approved' | 'rejected' | 'withdrawn'>;
}

const approve = (by: Person): Step => ({ kind: 'decide', by, taskKind: 'requisition_approval', action: 'approve' });

/**
 * The paths of workflows/requisition.workflow.ts the run exercises.
 * The requester ("requester" or "engineer") answers and withdraws; "manager"
 * is their line manager, then the procurement manager and the finance director.
 */
const templates = {
  approvedInTwo: { name: 'approved in 2 steps', unitPrice: '5000.00', endStatus: 'approved', steps: [approve('manager'), approve('procurement_manager')] },
  rejectedAtSecond: {
    name: 'rejected at step 2',
    unitPrice: '5000.00',
    endStatus: 'rejected',
    steps: [approve('manager'), { kind: 'decide', by: 'procurement_manager', taskKind: 'requisition_approval', action: 'reject', comment: 'chaos: over budget' }],
  },
  questioned: {
    name: 'questioned, answered, approved',
    unitPrice: '5000.00',
    endStatus: 'approved',
    steps: [
      { kind: 'decide', by: 'manager', taskKind: 'requisition_approval', action: 'question', comment: 'chaos: which supplier?' },
      { kind: 'decide', by: 'requester', taskKind: 'requisition_answer', action: 'answer', comment: 'chaos: the usual one' },
      approve('manager'),
      approve('procurement_manager'),
    ],
  },
  approvedInThree: { name: 'approved in 3 steps', unitPrice: '30000.00', endStatus: 'approved', steps: [approve('manager'), approve('procurement_manager'), approve('finance_director')] },
  rejectedAtFirst: {
    name: 'rejected at step 1',
    unitPrice: '800.00',
    endStatus: 'rejected',
    steps: [{ kind: 'decide', by: 'manager', taskKind: 'requisition_approval', action: 'reject', comment: 'chaos: not needed' }],
  },
  withdrawn: { name: 'withdrawn at step 2', unitPrice: '5000.00', endStatus: 'withdrawn', steps: [approve('manager'), { kind: 'withdraw', by: 'requester', whileLevelOpen: 2 }] },
} satisfies Record<string, Plan>;

/** Every path within the first six requisitions (the smoke run), then 40% plain two-step approvals. */
const cycle: Plan[] = [
  templates.approvedInTwo,
  templates.rejectedAtSecond,
  templates.questioned,
  templates.approvedInThree,
  templates.rejectedAtFirst,
  templates.withdrawn,
  templates.approvedInTwo,
  templates.questioned,
  templates.approvedInTwo,
  templates.approvedInTwo,
];

export interface PlannedRequisition {
  index: number;
  requester: Extract<Person, 'requester' | 'engineer'>;
  plan: Plan;
  /** Steps with the requester filled in. */
  steps: Step[];
}

export function planRequisitions(count: number): PlannedRequisition[] {
  return Array.from({ length: count }, (_, index) => {
    const plan = cycle[index % cycle.length]!;
    const requester: PlannedRequisition['requester'] = index % 2 === 0 ? 'requester' : 'engineer';
    const steps = plan.steps.map((step): Step => (step.by === 'requester' ? { ...step, by: requester } : step));
    return { index, requester, plan, steps };
  });
}

export interface ExpectedEffects {
  /** Outcomes of the completed tasks in the order they were decided. */
  completedOutcomes: TaskAction[];
  tasks: Record<TaskKind, number>;
  cancelledTasks: number;
  /** Outbox rows per template. */
  mails: Record<string, number>;
  /** Audit entries about the requisition and its tasks, per action. */
  audit: Record<string, number>;
}

/**
 * What one requisition's process must leave behind, read off
 * activities/requisition-approval.ts: every approval task mails its assignee
 * once ('task-assigned'; nobody is out of office), an answer task mails the
 * requester ('questioned'), a final approval or rejection mails the requester
 * ('decision'), a withdrawal cancels the open task and mails nobody. Audit:
 * the API writes requisition.created and .submitted; the activities write
 * task.created / .completed / .cancelled once per task and one
 * requisition.<status> per status change (under_review after submission and
 * after every answer).
 */
export function expectedEffects(planned: PlannedRequisition): ExpectedEffects {
  const decisions = planned.steps.filter((step): step is Extract<Step, { kind: 'decide' }> => step.kind === 'decide');
  const withdrawals = planned.steps.filter((step) => step.kind === 'withdraw').length;
  const approvalTasks = decisions.filter((step) => step.taskKind === 'requisition_approval').length + withdrawals;
  const answerTasks = decisions.filter((step) => step.taskKind === 'requisition_answer').length;
  const questions = decisions.filter((step) => step.action === 'question').length;
  const final = planned.plan.endStatus;
  return {
    completedOutcomes: decisions.map((step) => step.action),
    tasks: { requisition_approval: approvalTasks, requisition_answer: answerTasks },
    cancelledTasks: withdrawals,
    mails: { 'task-assigned': approvalTasks, questioned: answerTasks, decision: final === 'withdrawn' ? 0 : 1 },
    audit: {
      'requisition.created': 1,
      'requisition.submitted': 1,
      'requisition.under_review': 1 + answerTasks,
      'requisition.questioned': questions,
      [`requisition.${final}`]: 1,
      'task.created': approvalTasks + answerTasks,
      'task.completed': decisions.length,
      'task.cancelled': withdrawals,
    },
  };
}

/** Every planned HTTP action after submission: decisions, answers and withdrawals. */
export const decisionCount = (planned: PlannedRequisition[]) => planned.reduce((sum, one) => sum + one.steps.length, 0);
