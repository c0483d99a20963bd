import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { installTemporalRuntime } from '../../worker/runtime.ts';
import { LOCAL_ACTIVITIES_PATCH } from '../../workflows/requisition-approval.workflow.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

/**
 * Replay tests for the requisition workflow (Worker.runReplayHistory, the run's
 * prebuilt bundle of the CURRENT workflow code). Since 5b3ebe5 its activities
 * are local activities behind `patched('local-activities')`; runs started
 * before that must replay their recorded regular-activity events unchanged,
 * and carry on under the new code.
 *
 * The fixtures are real histories in Temporal's proto3 JSON form (as
 * `temporal workflow show --output json` writes them), one event per line:
 *
 * - requisition-remote-activities-completed: recorded with the workflow as it
 *   was before 5b3ebe5 (a worktree at 5b3ebe5^, its own test harness): a
 *   5000.00 requisition questioned by the line manager, answered, then
 *   approved by the line manager and the procurement manager.
 * - requisition-remote-activities-in-flight: the old code again, recorded
 *   while the run waited for the procurement manager (level 1 approved).
 * - requisition-remote-activities-resumed: that same run, after its old worker
 *   stopped and a worker with the current workflow code (2f575f3) took it over: the
 *   procurement manager questioned, the requester answered, the procurement
 *   manager approved. Events 1-56 are the in-flight history; from there on the
 *   patch marker and local-activity markers of the new code.
 * - requisition-local-activities-completed: recorded with the local-activity
 *   code of requisitionApprovalWorkflow (now frozen for runs started before
 *   the human-task helper).
 * - requisition-human-task-completed: recorded with requisitionWorkflow on
 *   the human-task helper (WRITE_REPLAY_FIXTURE=1 re-records it from the
 *   last test below).
 */

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

const fixturePath = (name: string) => new URL(`../fixtures/${name}.json`, import.meta.url);

interface JsonEvent {
  eventId: string;
  [key: string]: unknown;
}
interface JsonHistory {
  events: JsonEvent[];
}

const readFixture = (name: string): JsonHistory => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as JsonHistory;

/**
 * JSON history to a History message. Not `historyFromJSON` from
 * @temporalio/common (which runReplayHistory also calls for JSON input): in
 * this install @temporalio/common and @temporalio/proto each carry their own
 * copy of protobufjs 8 (the top-level slot holds @grpc's protobufjs 7), so its
 * `instanceof Type` check fails with "type must be a Type". The protobufjs
 * that @temporalio/proto is built on parses the same JSON.
 */
const requireHere = createRequire(import.meta.url);
const requireFromProto = createRequire(requireHere.resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as {
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History;
  toJson(type: unknown, message: unknown): JsonHistory;
};
const { patchProtobufRoot } = requireHere('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown } };
const historyType = patchProtobufRoot(requireHere('@temporalio/proto')).lookupType('temporal.api.history.v1.History');
const historyFromJson = (json: JsonHistory): History => protojson.fromJson(historyType, json, { ignoreUnknownFields: true });

/** What a history says about how the workflow ran its activities. */
function describeHistory(history: History) {
  const events = history.events ?? [];
  const decode = (payload: Payload | null | undefined) => (payload ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload) : {});
  const remote: string[] = [];
  const local: string[] = [];
  const patches: string[] = [];
  let failedWorkflowTasks = 0;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes) remote.push(event.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    if (event.workflowTaskFailedEventAttributes) failedWorkflowTasks += 1;
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') local.push(String(decode(marker.details?.data?.payloads?.[0]).activity_type));
    if (marker?.markerName === 'core_patch') patches.push(String(decode(marker.details?.['patch-data']?.payloads?.[0]).id));
  }
  const first = events[0]?.workflowExecutionStartedEventAttributes;
  return {
    events: events.length,
    workflowType: first?.workflowType?.name,
    workflowId: first?.workflowId ?? undefined,
    remote,
    local,
    patches,
    failedWorkflowTasks,
    completed: Boolean(events.at(-1)?.workflowExecutionCompletedEventAttributes),
    /** Index of the first patch marker, or -1. */
    patchAt: events.findIndex((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch'),
  };
}

/** The run's prebuilt bundle (test/setup/temporal.ts): the workflow code as it is now. */
const replay = (history: History, name: string, workflowId?: string) =>
  Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: name }, history, workflowId);

/** Inserts an event before `index` and renumbers every event id and every `…EventId` reference after it. */
function insertEvent(history: JsonHistory, index: number, event: JsonEvent): JsonHistory {
  const newId = index + 1;
  const shift = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => shift(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shift(v, k)]));
    if (typeof value === 'string' && key && /(^e|E)ventId$/.test(key) && /^\d+$/.test(value) && Number(value) >= newId) return String(Number(value) + 1);
    return value;
  };
  const events = history.events.map((e) => shift(e) as JsonEvent);
  events.splice(index, 0, { ...event, eventId: String(newId) });
  return { events };
}

describe('requisition workflow replay: histories recorded before local activities', () => {
  beforeAll(() => installTemporalRuntime());

  it('the completed old run (questioned, answered, approved at two levels) replays against the current code', async () => {
    const json = readFixture('requisition-remote-activities-completed');
    const history = historyFromJson(json);
    const seen = describeHistory(history);
    // Recorded by the old code: every activity a regular activity, no patch, no local activity.
    expect(seen).toMatchObject({ workflowType: 'requisitionApprovalWorkflow', completed: true, patches: [], local: [], failedWorkflowTasks: 0 });
    expect(seen.remote).toEqual(['recordChain', 'resolveApprover', 'openStepTask', 'setRequisitionStatus', 'closeStepTask', 'setRequisitionStatus', 'openStepTask', 'closeStepTask', 'readRequisitionTotal', 'setRequisitionStatus', 'openStepTask', 'closeStepTask', 'resolveApprover', 'openStepTask', 'closeStepTask', 'setRequisitionStatus', 'notifyDecision']);
    await expect(replay(history, 'remote-activities-completed', seen.workflowId)).resolves.toBeUndefined();
  });

  it('the old run still waiting for its second approval replays against the current code', async () => {
    const history = historyFromJson(readFixture('requisition-remote-activities-in-flight'));
    const seen = describeHistory(history);
    expect(seen).toMatchObject({ workflowType: 'requisitionApprovalWorkflow', completed: false, patches: [], local: [], failedWorkflowTasks: 0 });
    expect(seen.remote).toEqual(['recordChain', 'resolveApprover', 'openStepTask', 'setRequisitionStatus', 'closeStepTask', 'resolveApprover', 'openStepTask']);
    // Waiting: the last thing it did was start the second step's reminder timer.
    expect(history.events?.at(-1)?.timerStartedEventAttributes).toBeTruthy();
    await expect(replay(history, 'remote-activities-in-flight', seen.workflowId)).resolves.toBeUndefined();
  });

  it('that run, taken over by a worker with the current code, went on under the patch and replays', async () => {
    const inFlight = readFixture('requisition-remote-activities-in-flight');
    const json = readFixture('requisition-remote-activities-resumed');
    const history = historyFromJson(json);
    const seen = describeHistory(history);
    // The same run: its first 56 events are the in-flight history, event for event.
    const strip = ({ eventTime: _time, taskId: _task, ...rest }: JsonEvent) => rest;
    expect(json.events.slice(0, inFlight.events.length).map(strip)).toEqual(inFlight.events.map(strip));
    // The new worker replayed the old events without a failed workflow task, then patched in local activities.
    expect(seen).toMatchObject({ completed: true, patches: [LOCAL_ACTIVITIES_PATCH], failedWorkflowTasks: 0 });
    expect(seen.patchAt).toBeGreaterThanOrEqual(inFlight.events.length);
    expect(seen.local).toEqual(['setRequisitionStatus', 'openStepTask', 'readRequisitionTotal', 'setRequisitionStatus', 'openStepTask', 'setRequisitionStatus', 'notifyDecision']);
    // Decisions close their task with a regular activity before and after the patch.
    expect(seen.remote.slice(7)).toEqual(['closeStepTask', 'closeStepTask', 'closeStepTask']);
    await expect(replay(history, 'remote-activities-resumed', seen.workflowId)).resolves.toBeUndefined();
  });

  it('control: the same old history with the patch marked from the start is a nondeterminism', async () => {
    // What an old run would meet if the new code ignored the patch: local
    // activities where the history has regular ones. Proves the replays above
    // really compare the code with the history (the SDK logs a WARN for it).
    const inFlight = readFixture('requisition-remote-activities-in-flight');
    const resumed = readFixture('requisition-remote-activities-resumed');
    const patchMarker = resumed.events.find((e) => (e.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === 'core_patch')!;
    expect(patchMarker).toBeTruthy();
    // After the first workflow task's search-attribute upsert (event 5), where the new code calls patched() for its first activity.
    expect(inFlight.events[4]!.upsertWorkflowSearchAttributesEventAttributes).toBeTruthy();
    const marker = { ...patchMarker, markerRecordedEventAttributes: { ...(patchMarker.markerRecordedEventAttributes as object), workflowTaskCompletedEventId: '4' } };
    const tampered = historyFromJson(insertEvent(inFlight, 5, marker));
    expect(describeHistory(tampered).patches).toEqual([LOCAL_ACTIVITIES_PATCH]);
    const failure: unknown = await replay(tampered, 'remote-activities-in-flight-patched', describeHistory(tampered).workflowId).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DeterminismViolationError);
    // Where the history has the first regular activity (recordChain), the code had run it locally and moved on.
    expect((failure as Error).message).toMatch(/Nondeterminism error: .*HistoryEvent\(id: 7, ActivityTaskScheduled\)/);
  });
});

describe('requisition workflow replay: histories recorded with local activities (requisitionApprovalWorkflow, frozen)', () => {
  beforeAll(() => installTemporalRuntime());

  it('the committed run of the frozen type replays', async () => {
    const history = historyFromJson(readFixture('requisition-local-activities-completed'));
    const seen = describeHistory(history);
    expect(seen).toMatchObject({ workflowType: 'requisitionApprovalWorkflow', completed: true, patches: [LOCAL_ACTIVITIES_PATCH], failedWorkflowTasks: 0 });
    expect(seen.patchAt).toBeLessThan(8);
    expect(seen.local).toEqual(['recordChain', 'resolveApprover', 'openStepTask', 'setRequisitionStatus', 'setRequisitionStatus', 'openStepTask', 'readRequisitionTotal', 'setRequisitionStatus', 'openStepTask', 'resolveApprover', 'openStepTask', 'setRequisitionStatus', 'notifyDecision']);
    expect(seen.remote).toEqual(['closeStepTask', 'closeStepTask', 'closeStepTask', 'closeStepTask']);
    await expect(replay(history, 'local-activities-completed', seen.workflowId)).resolves.toBeUndefined();
  });
});

describe('requisition workflow replay: histories recorded with the human-task helper (requisitionWorkflow)', () => {
  const fx = useProcessFixture(['requester', 'manager', 'procurement_manager']);
  const { token } = fx;

  /** One transition, one activity: the decided task closes with whatever comes next. */
  /** `recorded`: the committed fixture predates purchase orders; a run now plans the approved lines into orders, behind a patch. */
  const expectHelperRun = (seen: ReturnType<typeof describeHistory>, recorded: 'before purchase orders' | 'now') => {
    const now = recorded === 'now';
    expect(seen).toMatchObject({ workflowType: 'requisitionWorkflow', completed: true, patches: now ? ['purchase-orders'] : [], failedWorkflowTasks: 0 });
    // Every transition is one local activity, in the workflow task that accepted the decision (see human-task.ts on a lost one).
    expect(seen.local).toEqual(['applyTaskTransition', 'applyTaskTransition', 'readRequisitionTotal', 'applyTaskTransition', 'applyTaskTransition', 'applyTaskTransition', ...(now ? ['planPurchaseOrders'] : [])]);
    expect(seen.remote).toEqual([]);
  };

  it('the committed run of requisitionWorkflow replays', async () => {
    const history = historyFromJson(readFixture('requisition-human-task-completed'));
    const seen = describeHistory(history);
    expectHelperRun(seen, 'before purchase orders');
    await expect(replay(history, 'human-task-completed', seen.workflowId)).resolves.toBeUndefined();
  });

  it('a chain run now (questioned, answered, approved at two levels) replays', async () => {
    const created = await fx.h.createRequisition(token.requester!, '5000.00');
    const { workflowId } = await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    expect((await fx.h.decide(token.manager!, task.id, 'question', 'Which press is this for?')).status).toBe(200);
    const answer = await fx.h.taskFor(token.requester!, created.id, 'requisition_answer');
    expect((await fx.h.decide(token.requester!, answer.id, 'answer', 'Press line 2')).status).toBe(200);
    const again = await fx.h.taskFor(token.manager!, created.id);
    expect((await fx.h.decide(token.manager!, again.id, 'approve')).status).toBe(200);
    const pm = await fx.h.taskFor(token.procurement_manager!, created.id);
    expect((await fx.h.decide(token.procurement_manager!, pm.id, 'approve')).status).toBe(200);
    const handle = fx.engine.client.workflow.getHandle(workflowId);
    expect((await handle.result()).status).toBe('approved');

    const history = await handle.fetchHistory();
    const seen = describeHistory(history);
    expect(seen.workflowId).toBe(workflowId);
    expectHelperRun(seen, 'now');
    await expect(replay(history, 'human-task-live', workflowId)).resolves.toBeUndefined();

    // The fixture keeps the run from before purchase orders: it proves the patch lets such a history replay.
    if (process.env.WRITE_REPLAY_FIXTURE) {
      const json = protojson.toJson(historyType, history);
      writeFileSync(fixturePath('requisition-human-task-completed'), `{"events": [\n${json.events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`);
    }
  });
});
