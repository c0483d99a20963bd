import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { searchAttributeNames } from '@p2p/domain';
import { devServerDynamicConfig } from '../../scripts/dev-temporal.ts';
import { findExecutable } from '../../scripts/temporal-cli.ts';
import { workflowsPath } from '../../worker/worker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
  }
}

/**
 * One real Temporal dev server for the whole run (the binary found the way
 * SPEC section 2 orders it, passed as `existing-path`), and one workflow
 * bundle that every test worker loads instead of bundling again.
 */
export default async function setup(project: TestProject) {
  const path = findExecutable('temporal', { explicitPath: process.env.TEMPORAL_CLI_PATH, install: true, log: console.log });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
      ip: '127.0.0.1',
      searchAttributes: searchAttributeNames.map((name) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD)),
      extraArgs: [...devServerDynamicConfig, '--log-level', 'error'],
    },
  });
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: console.warn, error: console.error } });
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'p2p-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await env.teardown();
  };
}
