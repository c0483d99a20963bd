/**
 * Static checks of the production container setup (docker-compose.yml, Dockerfile,
 * .dockerignore, deploy/). No Docker engine is needed: the files are parsed and
 * their wiring checked, so a broken reference fails here instead of at `up`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const composePath = path.join(root, 'docker-compose.yml');
const dockerfilePath = path.join(root, 'Dockerfile');
const dockerignorePath = path.join(root, '.dockerignore');

type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | Record<string, unknown>)[];
  deploy?: { replicas?: number | string };
  user?: string;
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

// Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
const compose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as Compose;
const services = compose.services;

const SMTP_SERVICE = 'mailpit';
const REQUIRED_SERVICES = ['postgres', 'temporal', 'temporal-ui', SMTP_SERVICE, 'app', 'worker'];

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The environment of a service as a map, whichever of the two compose syntaxes it uses. */
function env(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(
      raw.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value === null || value === undefined ? '' : String(value as string | number | boolean)]));
}

function dependsOn(name: string): Record<string, string> {
  const raw = service(name).depends_on ?? [];
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((target) => [target, 'service_started']));
  return Object.fromEntries(Object.entries(raw).map(([target, spec]) => [target, spec?.condition ?? 'service_started']));
}

/**
 * Resolves compose interpolation the way `docker compose` would with an empty
 * environment: `${VAR:-default}`/`${VAR-default}` take the default, `${VAR:?msg}` and
 * plain `${VAR}` take a placeholder (a real run must provide them), `$$` is a literal `$`.
 */
function interpolate(value: string, placeholder = 'provided'): string {
  return value
    .replace(/\$\{(\w+)(?::?-([^}]*))\}/g, (_m, _name: string, fallback: string) => fallback)
    .replace(/\$\{(\w+)(?::?\?[^}]*)?\}/g, () => placeholder)
    .replace(/\$\$/g, '$');
}

/** Bind mounts of a service as [host path, container path]. */
function bindMounts(name: string): [string, string][] {
  const mounts: [string, string][] = [];
  for (const volume of service(name).volumes ?? []) {
    if (typeof volume === 'string') {
      const [source = '', target = ''] = volume.split(':');
      if (source.startsWith('.') || source.startsWith('/')) mounts.push([source, target]);
    } else if (volume.type === 'bind' && volume.source) {
      mounts.push([volume.source, volume.target ?? '']);
    }
  }
  return mounts;
}

function healthcheckText(name: string): string {
  const test = service(name).healthcheck?.test ?? [];
  return Array.isArray(test) ? test.join(' ') : test;
}

describe('docker-compose.yml', () => {
  it('defines the whole production shape', () => {
    for (const name of REQUIRED_SERVICES) expect(Object.keys(services)).toContain(name);
  });

  it('only depends on services that exist', () => {
    for (const name of Object.keys(services)) {
      for (const target of Object.keys(dependsOn(name))) {
        expect(Object.keys(services), `${name} depends on ${target}`).toContain(target);
      }
    }
  });

  it('starts the app and the worker only once postgres and temporal are healthy', () => {
    for (const name of ['app', 'worker']) {
      const deps = dependsOn(name);
      expect(deps.postgres, `${name} -> postgres`).toBe('service_healthy');
      expect(deps.temporal, `${name} -> temporal`).toBe('service_healthy');
    }
    // Temporal's auto-setup needs the database up before it creates its schema.
    expect(dependsOn('temporal').postgres).toBe('service_healthy');
    // A `service_healthy` dependency on a service without a healthcheck would never start.
    for (const name of Object.keys(services)) {
      for (const [target, condition] of Object.entries(dependsOn(name))) {
        if (condition === 'service_healthy') {
          expect(service(target).healthcheck?.test, `${name} waits for ${target}'s healthcheck`).toBeTruthy();
        }
      }
    }
  });

  it('gives postgres, temporal and the app real healthchecks', () => {
    for (const name of ['postgres', 'temporal', 'app']) {
      const healthcheck = service(name).healthcheck;
      expect(healthcheck?.disable, name).not.toBe(true);
      expect(healthcheck?.test, name).toBeTruthy();
    }
    expect(healthcheckText('postgres')).toContain('pg_isready');
    expect(healthcheckText('temporal')).toMatch(/temporal:7233/);
    expect(healthcheckText('app')).toContain('/api/v1/health/ready');
  });

  it('uses the pinned images the setup was written for', () => {
    expect(service('postgres').image).toMatch(/^postgres:16/);
    expect(service('temporal').image).toMatch(/^temporalio\/auto-setup:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(service(SMTP_SERVICE).image).toMatch(/^axllent\/mailpit/);
  });

  it('backs Temporal with the compose PostgreSQL and enables Updates', () => {
    const temporal = env('temporal');
    expect(temporal.DB).toBe('postgres12');
    expect(temporal.POSTGRES_SEEDS).toBe('postgres');
    expect(temporal.DB_PORT).toBe('5432');
    expect(temporal.POSTGRES_USER).toBeTruthy();
    expect(interpolate(temporal.POSTGRES_PWD ?? '')).toBe(interpolate(env('postgres').POSTGRES_PASSWORD ?? ''));

    const dynamicConfig = temporal.DYNAMIC_CONFIG_FILE_PATH ?? '';
    const mount = bindMounts('temporal').find(([, target]) => target === dynamicConfig || target.endsWith(`/${dynamicConfig}`));
    expect(mount, `DYNAMIC_CONFIG_FILE_PATH ${dynamicConfig} is a mounted file`).toBeDefined();
    const config = parse(readFileSync(path.join(root, mount![0]), 'utf8')) as Record<string, { value: unknown }[]>;
    expect(config['frontend.enableUpdateWorkflowExecution']?.[0]?.value).toBe(true);
    expect(config['frontend.enableUpdateWorkflowExecutionAsyncAccepted']?.[0]?.value).toBe(true);

    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('wires the app to postgres, temporal and the SMTP catcher', () => {
    const app = env('app');
    const database = new URL(interpolate(app.DATABASE_URL ?? ''));
    expect(database.protocol).toBe('postgres:');
    expect(database.hostname).toBe('postgres');
    expect(Object.keys(services)).toContain(database.hostname);

    const [temporalHost, temporalPort] = (app.TEMPORAL_ADDRESS ?? '').split(':');
    expect(temporalHost).toBe('temporal');
    expect(temporalPort).toBe('7233');

    const smtp = new URL(interpolate(app.SMTP_URL ?? ''));
    expect(smtp.protocol).toBe('smtp:');
    expect(smtp.hostname).toBe(SMTP_SERVICE);
    expect(smtp.port).toBe('1025');

    expect(app.NODE_ENV).toBe('production');
    expect(app.DEMO_DATA).toBe('false');
    expect(service('app').ports?.map(String).some((port) => /(^|:)3000$/.test(interpolate(port)))).toBe(true);
  });

  it('keeps the app database apart from Temporal\'s and creates it on first start', () => {
    const databaseName = new URL(interpolate(env('app').DATABASE_URL ?? '')).pathname.slice(1);
    expect(databaseName).toBeTruthy();
    expect(['temporal', 'temporal_visibility', 'postgres']).not.toContain(databaseName);
    expect(databaseName).not.toBe(env('temporal').DBNAME ?? 'temporal');
    expect(databaseName).not.toBe(env('temporal').VISIBILITY_DBNAME ?? 'temporal_visibility');

    const init = bindMounts('postgres').filter(([, target]) => target.startsWith('/docker-entrypoint-initdb.d/'));
    expect(init.length).toBeGreaterThan(0);
    // The init script takes the database and role names from the postgres service's environment.
    const postgres = env('postgres');
    expect(postgres.APP_DB_NAME).toBe(databaseName);
    const url = new URL(interpolate(env('app').DATABASE_URL ?? ''));
    expect(decodeURIComponent(url.username)).toBe(postgres.APP_DB_USER);
    expect(decodeURIComponent(url.password)).toBe(interpolate(postgres.APP_DB_PASSWORD ?? ''));
    const script = init.map(([source]) => readFileSync(path.join(root, source), 'utf8')).join('\n');
    expect(script).toMatch(/CREATE DATABASE/i);
    expect(script).toMatch(/APP_DB_NAME/);
  });

  it('requires the secrets to be provided instead of defaulting them', () => {
    const app = env('app');
    for (const name of ['SESSION_SECRET', 'PERSONAL_DATA_KEYS', 'BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD']) {
      expect(app[name], name).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`));
    }
    // The worker loads the same production config, which also requires SESSION_SECRET.
    expect(env('worker').SESSION_SECRET).toMatch(/^\$\{SESSION_SECRET:\?.+\}$/);
  });

  it('runs the worker from the app image, with at least two replicas by default', () => {
    const worker = service('worker');
    const replicas = Number(interpolate(String(worker.deploy?.replicas ?? 1)));
    expect(replicas).toBeGreaterThanOrEqual(2);
    expect(String(worker.deploy?.replicas)).toMatch(/^\$\{WORKER_REPLICAS:-\d+\}$/);
    const command = Array.isArray(worker.command) ? worker.command.join(' ') : (worker.command ?? '');
    expect(command).toContain('worker/main.ts');
    expect(worker.image ?? worker.build).toEqual(service('app').image ?? service('app').build);
    expect(worker).not.toHaveProperty('container_name');
    expect(worker.ports ?? []).toEqual([]);

    const workerEnv = env('worker');
    expect(workerEnv.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(new URL(interpolate(workerEnv.DATABASE_URL ?? '')).hostname).toBe('postgres');
  });

  it('mounts only files of deploy/ that exist', () => {
    const mounts = Object.keys(services).flatMap((name) => bindMounts(name).map(([source]) => source));
    expect(mounts.length).toBeGreaterThan(0);
    for (const source of mounts) {
      const normalized = path.posix.normalize(source);
      expect(normalized.startsWith('deploy/'), `${source} is under ./deploy`).toBe(true);
      const onDisk = path.join(root, normalized);
      expect(existsSync(onDisk), `${source} exists`).toBe(true);
      expect(statSync(onDisk).isFile(), `${source} is a file`).toBe(true);
    }
  });

  it('declares every named volume it uses', () => {
    for (const name of Object.keys(services)) {
      for (const volume of service(name).volumes ?? []) {
        if (typeof volume !== 'string') continue;
        const [source = ''] = volume.split(':');
        if (source.startsWith('.') || source.startsWith('/') || !volume.includes(':')) continue;
        expect(Object.keys(compose.volumes ?? {}), `${name} uses volume ${source}`).toContain(source);
      }
    }
  });
});

describe('Dockerfile', () => {
  const text = existsSync(dockerfilePath) ? readFileSync(dockerfilePath, 'utf8') : '';
  // Instructions with line continuations joined and comments dropped.
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const fromIndexes = instructions.flatMap((line, index) => (/^FROM\s/i.test(line) ? [index] : []));
  const finalStage = instructions.slice(fromIndexes.at(-1) ?? 0);

  it('exists and is multi-stage on node:20-bookworm-slim', () => {
    expect(existsSync(dockerfilePath)).toBe(true);
    expect(fromIndexes.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/node:20-bookworm-slim/);
    expect(text).toMatch(/npm install --no-audit --no-fund/);
    expect(text).toMatch(/npm run build:web/);
  });

  it('does not run its final stage as root', () => {
    const users = finalStage.filter((line) => /^USER\s/i.test(line)).map((line) => line.split(/\s+/)[1] ?? '');
    expect(users.length, 'the final stage sets USER').toBeGreaterThan(0);
    const user = (users.at(-1) ?? '').split(':')[0];
    expect(['', 'root', '0']).not.toContain(user);
  });

  it('runs the API in production by default and ships the built web app', () => {
    expect(finalStage.some((line) => /^ENV\s.*NODE_ENV=production/i.test(line))).toBe(true);
    expect(finalStage.some((line) => /^COPY\s+--from=\S+\s+\S*web\/build/i.test(line))).toBe(true);
    const cmd = finalStage.filter((line) => /^CMD\s/i.test(line)).at(-1) ?? '';
    expect(cmd).toMatch(/tsx/);
    expect(cmd).toMatch(/api\/main\.ts/);
  });
});

describe('.dockerignore', () => {
  it('keeps host artefacts out of the build context', () => {
    const patterns = readFileSync(dockerignorePath, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/^\*\*\//, '').replace(/\/$/, ''))
      .filter((line) => line && !line.startsWith('#'));
    for (const required of ['node_modules', '.data', 'web/build', '.git', 'test-results']) {
      expect(patterns, required).toContain(required);
    }
  });
});
