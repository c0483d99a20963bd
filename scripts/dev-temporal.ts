import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeNames } from '@p2p/domain';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { devServerSearchAttributeArgs } from '../worker/temporal.ts';
import { findExecutable } from './temporal-cli.ts';

/**
 * Dynamic config the dev server needs: Updates on (human decisions are
 * Updates), and eager activity dispatch, so a regular activity (a claim, a
 * step of a run of the frozen requisition type) starts from the workflow
 * task's completion instead of a trip through matching.
 */
export const devServerDynamicConfig = [
  '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
  '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
];

export interface DevTemporal {
  address: string;
  uiUrl: string | undefined;
  /** The server process, when it runs from the CLI binary. */
  pid: number | undefined;
  stop(): Promise<void>;
  /** SIGKILL, as a crash: the SQLite file keeps what was committed. */
  kill(): Promise<void>;
}

/**
 * A local Temporal dev server persisted to <dataDir>/temporal.db, with Updates
 * enabled and the search attributes registered. Uses the binary found by
 * findExecutable; without one, the SDK's own download (last resort).
 */
export async function startDevTemporal(options: { dataDir: string; cliPath?: string | undefined; namespace: string; port?: number; uiPort?: number; /** No web UI (benchmarks, chaos). */ headless?: boolean; log: (line: string) => void }): Promise<DevTemporal> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  const binary = findExecutable('temporal', { explicitPath: options.cliPath, install: true, log: options.log });
  if (!binary) {
    options.log('using the Temporal SDK download of the dev server');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        dbFilename: join(dataDir, 'temporal.db'),
        namespace: options.namespace,
        ip: '127.0.0.1',
        port,
        ui: true,
        uiPort,
        searchAttributes: searchAttributeNames.map((name) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD)),
        extraArgs: devServerDynamicConfig,
      },
    });
    return { address: env.address, uiUrl: `http://localhost:${uiPort}`, pid: undefined, stop: () => env.teardown(), kill: () => env.teardown() };
  }
  const child: ChildProcess = spawn(
    binary,
    [
      'server', 'start-dev',
      '--db-filename', join(dataDir, 'temporal.db'),
      '--ip', '127.0.0.1',
      '--port', String(port),
      ...(options.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
      '--namespace', options.namespace,
      '--log-level', 'error',
      ...devServerDynamicConfig,
      ...devServerSearchAttributeArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const address = `127.0.0.1:${port}`;
  await waitForTemporal(address, child, () => stderr);
  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${uiPort}`,
    pid: child.pid,
    stop: () => stopChild(child),
    kill: () => killChild(child),
  };
}

async function waitForTemporal(address: string, child: ChildProcess, stderr: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited (${child.exitCode}): ${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`temporal dev server did not answer at ${address} within ${timeoutMs} ms: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** SIGKILL and wait for the exit. */
export function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
