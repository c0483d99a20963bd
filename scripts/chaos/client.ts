import { sleep } from '../bench/support.ts';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  /** 1 unless an outage made the client ask again. */
  attempts: number;
}

/** How often the client had to ask again, by cause. */
export interface ClientStats {
  requests: number;
  networkErrors: number;
  timeouts: number;
  unavailable: number;
  /** 5xx other than 503: the API should answer an outage with 503, so each one is noted. */
  otherServerErrors: number;
  /** 409 "still in progress" on an Idempotency-Key a killed API had claimed. */
  idempotencyInProgress: number;
  idempotentReplays: number;
}

/**
 * A client that outlives outages: it asks again after a network error (the
 * API is down), a timeout, or a 503 (Temporal or the database is down), with
 * a short growing pause, until the deadline. Every other answer is returned
 * for the caller to judge.
 */
export function createResilientClient(options: { apiUrl: string; deadline: number; requestTimeoutMs?: number }) {
  const stats: ClientStats = { requests: 0, networkErrors: 0, timeouts: 0, unavailable: 0, otherServerErrors: 0, idempotencyInProgress: 0, idempotentReplays: 0 };
  /** Requests under way that change something (not GETs), by kind: what a kill should catch in flight. */
  const writesInFlight = new Map<string, number>();
  /** The first 5xx answers other than 503, for the report: method, path, status, body. */
  const serverErrors: string[] = [];
  const writeKind = (path: string) => /\/(complete|submit|withdraw|login|claim)$/.exec(path)?.[1] ?? (path === '/requisitions' ? 'create' : path);

  async function once(method: string, path: string, token: string | undefined, body: unknown, headers: Record<string, string>): Promise<Omit<Answer, 'attempts'>> {
    const response = await fetch(`${options.apiUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000),
    });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** `kind` names the write for the kill report (default: from the path, e.g. "complete"). */
  async function call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}, kind?: string): Promise<Answer> {
    const write = method === 'GET' ? undefined : (kind ?? writeKind(path));
    if (write) writesInFlight.set(write, (writesInFlight.get(write) ?? 0) + 1);
    try {
      /** When a 409 "still in progress" first came: after a minute it is an answer (the claim is stuck), not an outage. */
      let stuckSince: number | undefined;
      for (let attempt = 1; ; attempt += 1) {
        if (Date.now() > options.deadline) throw new Error(`${method} ${path}: gave up at the run's deadline`);
        stats.requests += 1;
        let answer: Omit<Answer, 'attempts'> | undefined;
        try {
          answer = await once(method, path, token, body, headers);
        } catch (error) {
          if (error instanceof DOMException && error.name === 'TimeoutError') stats.timeouts += 1;
          else stats.networkErrors += 1;
        }
        if (answer) {
          if (answer.headers.get('idempotent-replayed') === 'true') stats.idempotentReplays += 1;
          const inProgress = answer.status === 409 && headers['idempotency-key'] !== undefined && /still in progress/.test(String(answer.body.detail));
          if (answer.status === 503) stats.unavailable += 1;
          else if (answer.status >= 500) {
            stats.otherServerErrors += 1;
            if (serverErrors.length < 20) serverErrors.push(`${method} ${path} ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
          }
          else if (inProgress && (stuckSince ??= Date.now()) > Date.now() - 60_000) stats.idempotencyInProgress += 1;
          else return { ...answer, attempts: attempt };
        }
        await sleep(Math.min(2_000, 100 * attempt));
      }
    } finally {
      if (write) writesInFlight.set(write, writesInFlight.get(write)! - 1);
    }
  }

  return {
    call,
    stats,
    serverErrors,
    /** Writes under way now, by kind (complete, create, submit, withdraw, claim; "prepare order", "approve order", receive; "enter invoice", "accept_variance invoice", "payment run", "pay invoice"). */
    writesInFlight: () => Object.fromEntries([...writesInFlight].filter(([, count]) => count > 0)),
  };
}

export type ResilientClient = ReturnType<typeof createResilientClient>;
