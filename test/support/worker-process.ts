import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { TEST_PERSONAL_DATA_KEYS, TEST_SECRET } from './api.ts';

/**
 * A real worker process (worker/main.ts) on a test database and task queue,
 * resolved once it says it runs; and SIGKILL of its whole process group
 * (npx -> node), so nothing gets to clean up. PostgreSQL only: a second
 * process cannot open the embedded PGlite.
 */
export function startWorkerProcess(params: { databaseUrl: string; taskQueue: string; smtpPort?: number }): Promise<ChildProcess> {
  return new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'worker/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: params.databaseUrl,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: params.taskQueue,
        SESSION_SECRET: TEST_SECRET,
        PERSONAL_DATA_KEYS: TEST_PERSONAL_DATA_KEYS,
        PUBLIC_URL: 'http://localhost:3000',
        ...(params.smtpPort ? { SMTP_URL: `smtp://127.0.0.1:${params.smtpPort}` } : {}),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
}

export async function killWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}
