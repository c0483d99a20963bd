import { commonActions, defineTaskKinds } from './task-kinds.ts';

/** The requisition process's people steps (SPEC 4.1). */
export const requisitionTaskKinds = defineTaskKinds([
  {
    kind: 'requisition_approval',
    processType: 'requisitionWorkflow',
    label: 'Requisition approval',
    subjectType: 'Requisition',
    actions: [commonActions.approve, commonActions.reject, commonActions.question],
    slaPolicy: 'approval.stepSla',
    segregated: true,
  },
  {
    kind: 'requisition_answer',
    processType: 'requisitionWorkflow',
    label: 'Answer a question',
    subjectType: 'Requisition',
    actions: [
      { name: 'answer', label: 'Answer', done: 'Answered', comment: 'required', tone: 'positive' },
      { name: 'withdraw', label: 'Withdraw', done: 'Withdrawn', comment: 'optional', tone: 'negative' },
    ],
    slaPolicy: null,
    segregated: false,
  },
]);
