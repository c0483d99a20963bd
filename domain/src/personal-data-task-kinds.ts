import { commonActions, defineTaskKinds } from './task-kinds.ts';

/** The personal-data process's people steps (SPEC 4.4, issue #14 part 6). */
export const personalDataTaskKinds = defineTaskKinds([
  {
    // A records manager decides an erasure request (GDPR Art. 17); approving anonymises the person, except what a retention duty or legal hold keeps.
    kind: 'erasure_approval',
    processType: 'personalDataErasureWorkflow',
    label: 'Erasure request',
    subjectType: 'ErasureRequest',
    actions: [commonActions.approve, commonActions.reject],
    slaPolicy: 'approval.stepSla',
    segregated: false,
  },
]);
