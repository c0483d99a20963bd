import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** Shared by the benchmark scenarios and the chaos run. */
export const say = (line: string) => process.stdout.write(`${line}\n`);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** p50/p95/p99 in milliseconds, one decimal. */
export const latencyStats = (samples: number[]) => ({
  count: samples.length,
  p50: round1(percentile(samples, 50)),
  p95: round1(percentile(samples, 95)),
  p99: round1(percentile(samples, 99)),
});

/** Runs `work(0..count-1)` with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * Writes the report as JSON under bench-results/ (or BENCH_RESULTS_DIR) and
 * prints it as the last stdout line, where the smoke tests read it.
 */
export function writeReport(name: string, report: Record<string, unknown>): string {
  const dir = process.env.BENCH_RESULTS_DIR ?? 'bench-results';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...report, machine: machineFacts(), at: new Date().toISOString() }, null, 2)}\n`);
  say(`  report     ${file}`);
  say(JSON.stringify(report));
  return file;
}

export function machineFacts() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version };
}
