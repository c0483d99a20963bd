/**
 * True when an error means a dependency (PostgreSQL or Temporal) cannot be
 * reached right now: the client gets 503 and may retry, not a 500.
 */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);
/** SQLSTATE class 08 (connection exception), shutdown and overload codes. */
const postgresUnavailable = /^(08...|57P01|57P02|57P03|53300)$/;
/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED. */
const grpcUnavailable = new Set([14, 4]);

export function isUnavailableError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 6) return false;
  const { code, name, cause } = error as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof code === 'string' && (networkCodes.has(code) || postgresUnavailable.test(code))) return true;
  if (typeof code === 'number' && grpcUnavailable.has(code)) return true;
  if (name === 'ConnectionError' || name === 'TransportError') return true;
  return isUnavailableError(cause, depth + 1);
}
