import { STORABLE_TEXT_PATTERN } from '@p2p/domain';
import { errorKinds, type ErrorKind } from './errors.ts';

/**
 * The document the routes generate, completed with what holds for every
 * operation because of the middleware and the server in front of the routes.
 * Each rule below names the code that makes it true; a route added later gets
 * them without saying anything.
 */
type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const SAFE_METHODS = new Set(['get', 'head', 'options']);

const requestIdHeader = { description: 'Identifies the request in the logs (echoed from the caller when well formed)', schema: { type: 'string' } };
const retryAfterHeader = { description: 'Seconds to wait before retrying', schema: { type: 'string', pattern: '^[0-9]+$' } };

function problemResponse(kind: ErrorKind, description?: string): Json {
  return {
    description: description ?? errorKinds[kind].title,
    ...(kind === 'rate_limited' || kind === 'unavailable' ? { headers: { 'Retry-After': retryAfterHeader } } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** What every operation can answer, and why. */
function commonProblems(path: string, method: string, operation: Json): [ErrorKind, string][] {
  const problems: [ErrorKind, string][] = [
    ['validation', 'A parameter, header or the body does not match this schema (errors name each field)'],
    // authenticate: a missing credential on a private path, and a dead one on any path.
    ['unauthenticated', 'No valid credential: missing, malformed, expired or revoked'],
    // rateLimit, per address and per user, ahead of every route.
    ['rate_limited', 'Too many requests from this address or user; see Retry-After'],
    // The HTTP server, before any route: request line and headers beyond its limit.
    ['request_header_too_large', 'The request line or headers are too large'],
    // Database or Temporal unreachable (app.ts maps their errors).
    ['unavailable', 'The database or the workflow engine is unreachable; see Retry-After'],
  ];
  // csrfProtection: a cookie-authenticated write from another origin.
  if (!SAFE_METHODS.has(method)) problems.push(['forbidden', 'Not allowed (including a cookie-authenticated write from another origin)']);
  if (path.includes('{')) problems.push(['not_found', 'No such resource, or not one the caller may see']);
  if (operation.requestBody) {
    // bodyLimit, the media-type gate of every JSON body, and the rules beyond the schema.
    problems.push(['payload_too_large', 'The body is larger than the server accepts']);
    problems.push(['unsupported_media_type', 'The body is not application/json']);
    problems.push(['unprocessable', 'The body matches the schema but breaks a rule it cannot state (errors name the field)']);
  }
  return problems;
}

export function completeDocument(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Json>;
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const visited = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const responses = (operation.responses ??= {}) as Record<string, Json>;
      for (const [kind, description] of commonProblems(path, method, operation)) {
        const status = String(errorKinds[kind].status);
        const declared = responses[status];
        if (!declared) responses[status] = problemResponse(kind, description);
        // Two kinds share 422 (a rule broken; an Idempotency-Key reused): the description names both.
        else if (kind === 'unprocessable' && !String(declared.description).includes(description)) declared.description = `${String(declared.description)}; or: ${description}`;
      }
      // requestContext sets it on every answer.
      for (const response of Object.values(responses)) response.headers = { 'x-request-id': requestIdHeader, ...(response.headers as Json | undefined) };
      for (const parameter of (operation.parameters ?? []) as Json[]) refuseUnstorable(parameter.schema, schemas, visited);
      const content = ((operation.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
      for (const media of Object.values(content)) refuseUnstorable(media.schema, schemas, visited);
    }
  }
  return document;
}

/**
 * The API refuses text the database cannot store (U+0000, lone surrogates)
 * in every string it reads (createRouter's hook). A string schema with a
 * pattern, a format or fixed values already excludes it; every other one, and
 * every free-form property name, gets the pattern that says so.
 */
function refuseUnstorable(schema: unknown, components: Record<string, Json>, visited: Set<string>): void {
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Json;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace('#/components/schemas/', '');
    if (visited.has(name)) return;
    visited.add(name);
    refuseUnstorable(components[name], components, visited);
    return;
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('string') && node.pattern === undefined && node.format === undefined && node.enum === undefined && node.const === undefined) node.pattern = STORABLE_TEXT_PATTERN;
  for (const key of ['items', 'additionalProperties', 'not'] as const) refuseUnstorable(node[key], components, visited);
  if (node.additionalProperties !== undefined && node.additionalProperties !== false) node.propertyNames = { type: 'string', ...(node.propertyNames as Json | undefined), pattern: STORABLE_TEXT_PATTERN };
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) for (const sub of (node[key] ?? []) as unknown[]) refuseUnstorable(sub, components, visited);
  for (const sub of Object.values((node.properties ?? {}) as Record<string, unknown>)) refuseUnstorable(sub, components, visited);
}
