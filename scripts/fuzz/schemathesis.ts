/**
 * Runs schemathesis (PyPI) against a running app's OpenAPI document: every
 * check, every operation, every phase (examples, coverage, fuzzing, stateful),
 * signed in as one identity through the login endpoint (test/fuzz/
 * schemathesis.toml says how). Returns its summary as numbers and its
 * failures one line each, read from what it prints.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, pinnedVersion, pipInstall } from '../temporal-cli.ts';

export const configFile = fileURLToPath(new URL('../../test/fuzz/schemathesis.toml', import.meta.url));

export interface FuzzIdentity {
  name: string;
  email: string;
  password: string;
}

export interface FuzzRunOptions {
  /** The app's origin; the document is at /api/v1/openapi.json. */
  url: string;
  identity: FuzzIdentity;
  /** Test cases per operation in the fuzzing phase (hypothesis's max_examples). */
  maxExamples: number;
  seed: number;
  /** Each line of schemathesis's output as it comes. */
  onLine?: (line: string) => void;
}

export interface FuzzRunResult {
  identity: string;
  exitCode: number;
  seconds: number;
  operations: { selected: number; total: number; tested: number };
  /** Test cases: generated, passed, failed (with a failure), skipped. */
  cases: { generated: number; passed: number; failed: number; skipped: number };
  /** Phase name -> passed | failed | errored | skipped | ... as schemathesis reports it. */
  phases: Record<string, string>;
  /** One line per failure or error: operation, check or error title. */
  failures: string[];
  /** The summary block as schemathesis printed it. */
  summary: string;
  /** The FAILURES and ERRORS sections as printed (empty when there were none). */
  details: string;
}

/** The schemathesis executable, in the pinned version; installed with pip when `install` (the test prerequisites do). */
export function schemathesisExecutable(options: { install?: boolean; log?: (line: string) => void } = {}): string | undefined {
  const found = findExecutable('schemathesis', options);
  const wanted = pinnedVersion('schemathesis');
  if (!found || !wanted) return found;
  const version = /version ([\w.]+)/.exec(execFileSync(found, ['--version'], { encoding: 'utf8' }))?.[1];
  if (version === wanted || !options.install) return found;
  options.log?.(`schemathesis ${version ?? '?'} found, ${wanted} wanted: installing it with pip`);
  return pipInstall('schemathesis', options.log);
}

export async function runSchemathesis(options: FuzzRunOptions): Promise<FuzzRunResult> {
  const executable = schemathesisExecutable();
  if (!executable) throw new Error('schemathesis is not installed: `npm test` installs it (scripts/test-prereqs.ts), or pip install schemathesis');
  // Hypothesis keeps examples in ./.hypothesis and schemathesis writes reports: both go to a folder of their own.
  const workDir = mkdtempSync(join(tmpdir(), 'p2p-schemathesis-'));
  const args = [
    '--config-file', configFile,
    'run', `${options.url}/api/v1/openapi.json`,
    '--checks', 'all',
    '--phases', 'examples,coverage,fuzzing,stateful',
    '--max-examples', String(options.maxExamples),
    '--seed', String(options.seed),
    '--generation-database', 'none',
    '--no-color',
  ];
  const started = performance.now();
  let output = '';
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(executable, args, {
      cwd: workDir,
      env: { ...process.env, FUZZ_EMAIL: options.identity.email, FUZZ_PASSWORD: options.identity.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) options.onLine?.(pending);
      resolve(code ?? 1);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  rmSync(workDir, { recursive: true, force: true });
  return { identity: options.identity.name, exitCode, seconds, ...parseSummary(output), failures: failuresOf(output), details: detailsOf(output) };
}

/** The SUMMARY block schemathesis prints, read into numbers. */
export function parseSummary(output: string): Pick<FuzzRunResult, 'operations' | 'cases' | 'phases' | 'summary'> {
  const summary = output.slice(Math.max(0, output.lastIndexOf('SUMMARY') - 40)).trim();
  const number = (pattern: RegExp) => Number(pattern.exec(summary)?.[1] ?? 0);
  const selected = /Selected: (\d+)\/(\d+)/.exec(summary);
  const phases: Record<string, string> = {};
  const marks: Record<string, string> = { '✅': 'passed', '❌': 'failed', '🚫': 'errored', '⏭': 'skipped', '⚠️': 'warning' };
  const block = /Test Phases:\n([\s\S]*?)\n\n/.exec(summary)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const match = /^\s*(\S+)\s+(\w+)\s*$/.exec(line);
    if (match) phases[match[2]!.toLowerCase()] = marks[match[1]!.replace('\uFE0F', '')] ?? marks[match[1]!] ?? match[1]!;
  }
  const casesLine = /Test cases:\n\s*(.*)/.exec(summary)?.[1] ?? '';
  const generated = Number(/(\d+) generated/.exec(casesLine)?.[1] ?? 0);
  const failed = Number(/(\d+) found/.exec(casesLine)?.[1] ?? 0);
  const skipped = Number(/(\d+) skipped/.exec(casesLine)?.[1] ?? 0);
  const passed = Number(/(\d+) passed/.exec(casesLine)?.[1] ?? generated - failed);
  return {
    operations: { selected: Number(selected?.[1] ?? 0), total: Number(selected?.[2] ?? 0), tested: number(/Tested: (\d+)/) },
    cases: { generated, passed, failed, skipped },
    phases,
    summary,
  };
}

/**
 * Failures and errors, one line each ("PUT /api/v1/policies/approval: Failed
 * Health Check"), from the FAILURES and ERRORS sections of the output.
 */
export function failuresOf(output: string): string[] {
  const found: string[] = [];
  for (const section of output.matchAll(/=+ (?:FAILURES|ERRORS) =+\n([\s\S]*?)(?=\n=+ [A-Z ]+ =+\n)/g)) {
    for (const block of section[1]!.split(/^_{3,} /m).slice(1)) {
      const [title, ...rest] = block.split('\n');
      const what = rest.map((line) => line.trim()).filter((line) => line.startsWith('- ') || (line && !/^\d+\. Test Case ID/.test(line)));
      const checks = [...new Set(what.filter((line) => line.startsWith('- ')))].join('; ');
      found.push(`${title!.replace(/ _+$/, '').trim()}: ${what[0] && !what[0].startsWith('- ') ? what[0] : checks || 'failed'}`);
    }
  }
  return found;
}

/** The FAILURES and ERRORS sections as printed, for a failed run's log. */
export function detailsOf(output: string): string {
  return [...output.matchAll(/=+ (?:FAILURES|ERRORS) =+\n[\s\S]*?(?=\n=+ (?:WARNINGS|SUMMARY) =+\n)/g)].map((match) => match[0]).join('\n');
}
