import { commonActions, defineTaskKinds } from './task-kinds.ts';

/** The retention review's people steps (SPEC 4.4). */
export const retentionTaskKinds = defineTaskKinds([
  {
    // A batch of at most 100 records past their date: dispose, extend or hold each, one by one or all at once.
    kind: 'retention_review',
    processType: 'retentionReviewWorkflow',
    label: 'Retention review',
    subjectType: 'RetentionReview',
    actions: [{ name: 'record_decisions', label: 'Record the decisions', done: 'Decided', comment: 'optional', form: true, tone: 'positive' }],
    slaPolicy: 'approval.stepSla',
    segregated: false,
  },
  {
    // The second stage of a class that has one (the audit log): another person confirms the disposals.
    kind: 'retention_disposal_confirmation',
    processType: 'retentionReviewWorkflow',
    label: 'Disposal confirmation',
    subjectType: 'RetentionReview',
    actions: [commonActions.approve, commonActions.reject],
    slaPolicy: 'approval.stepSla',
    segregated: true,
  },
]);
