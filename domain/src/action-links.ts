/**
 * Signed e-mail action links (SPEC 5): one task, one action, one user, an
 * expiry. The signature proves the link came from us and was not edited; the
 * `action_links` row named by `jti` makes it single-use. Web Crypto only, so
 * the API, the worker and the browser can all verify the same way.
 *
 * Token: `base64url(json).base64url(hmacSha256(key, "<first part>"))`, where
 * the key is derived from the secret for this purpose only, so a signature
 * made for anything else with the same secret (sessions) never verifies here.
 */
export interface ActionLinkPayload {
  /** Id of the `action_links` row: what makes the link single-use. */
  jti: string;
  taskId: string;
  action: string;
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type ActionLinkVerification =
  | { ok: true; payload: ActionLinkPayload }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export const ACTION_LINK_TTL_MS = 72 * 3600 * 1000;

/** Longer than any token we issue by far; refuses hostile input before any work. */
const MAX_TOKEN_LENGTH = 2048;
const SIGNATURE_BYTES = 32;
const KEY_PURPOSE = 'procurement/action-link/v1';

export function signActionLink(secret: string, payload: ActionLinkPayload): Promise<string> {
  return signLinkToken(secret, KEY_PURPOSE, payload);
}

export function verifyActionLink(secret: string, token: string, now: Date): Promise<ActionLinkVerification> {
  return verifyLinkToken(secret, KEY_PURPOSE, token, now, parsePayload);
}

/**
 * Signs a link's payload with a key derived from the secret for `purpose`
 * alone (a supplier's order link and a task's action link never verify as
 * each other). Every kind of e-mailed link is made and checked this way.
 */
export async function signLinkToken<P extends { expiresAt: number }>(secret: string, purpose: string, payload: P): Promise<string> {
  const body = base64UrlEncode(utf8.encode(JSON.stringify(payload)));
  const signature = await hmac(await linkKey(secret, purpose), utf8.encode(body));
  return `${body}.${base64UrlEncode(signature)}`;
}

/** Order of checks: shape, then signature, then expiry; the payload is parsed only once it is authentic. */
export async function verifyLinkToken<P extends { expiresAt: number }>(
  secret: string,
  purpose: string,
  token: string,
  now: Date,
  parse: (value: Record<string, unknown>) => P | undefined,
): Promise<{ ok: true; payload: P } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' }> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [body, signaturePart] = parts as [string, string];
  const payloadBytes = base64UrlDecode(body);
  const signature = base64UrlDecode(signaturePart);
  if (!payloadBytes || payloadBytes.length === 0 || !signature || signature.length !== SIGNATURE_BYTES) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = await hmac(await linkKey(secret, purpose), utf8.encode(body));
  if (!constantTimeEqual(expected, signature)) return { ok: false, reason: 'bad_signature' };
  const json = parseJsonObject(payloadBytes);
  const payload = json && parse(json);
  if (!payload || !Number.isFinite(payload.expiresAt)) return { ok: false, reason: 'malformed' };
  if (now.getTime() >= payload.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}

const utf8 = new TextEncoder();

/** Derived once per secret: every task mail signs a link per action, and two key imports per link add up. */
type LinkKey = Awaited<ReturnType<typeof importHmacKey>>;
const derivedKeys = new Map<string, Promise<LinkKey>>();

function linkKey(secret: string, purpose: string): Promise<LinkKey> {
  const id = `${purpose}\u0000${secret}`;
  let key = derivedKeys.get(id);
  if (!key) {
    key = importHmacKey(utf8.encode(secret)).then(async (root) => importHmacKey(await hmac(root, utf8.encode(purpose))));
    // A failed derivation is not kept: the next call tries again.
    key.catch(() => derivedKeys.delete(id));
    derivedKeys.set(id, key);
  }
  return key;
}

function importHmacKey(raw: Uint8Array<ArrayBuffer>) {
  return globalThis.crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

async function hmac(key: Awaited<ReturnType<typeof importHmacKey>>, data: Uint8Array<ArrayBuffer>) {
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, data));
}

/** Compares every byte whatever the first difference, so timing says nothing about the expected signature. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function parsePayload(value: Record<string, unknown>): ActionLinkPayload | undefined {
  const { jti, taskId, action, userId, expiresAt } = value;
  if (typeof jti !== 'string' || typeof taskId !== 'string' || typeof action !== 'string' || typeof userId !== 'string') {
    return undefined;
  }
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  return { jti, taskId, action, userId, expiresAt };
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const alphabetIndex = new Map([...alphabet].map((char, index) => [char, index]));

function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += alphabet[(chunk >> (18 - 6 * j)) & 63];
  }
  return out;
}

/**
 * Strict: no padding, only the URL alphabet, and the unused low bits of the
 * last character must be zero. Without that last rule two spellings would
 * decode to the same bytes, and an edited character could still verify.
 */
function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let offset = 0;
  for (const char of text) {
    const value = alphabetIndex.get(char);
    if (value === undefined) return undefined;
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[offset++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return bytes;
}
