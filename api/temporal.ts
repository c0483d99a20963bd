import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

/**
 * The API's way to Temporal. Connects lazily so the API starts (and answers
 * 503) while Temporal is down, and reconnects after a failed attempt. Calls
 * retry briefly (a blip is hidden; an outage becomes a prompt 503, not a
 * hang); health checks do not retry at all.
 */
export interface TemporalGateway {
  client(): Promise<Client>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

interface Connected {
  connection: Connection;
  client: Client;
  /** Without the retry interceptor: a readiness probe must answer now, and leave no retry timer behind. */
  probe: Connection;
}

export function createTemporalGateway(options: { address: string; namespace: string }): TemporalGateway {
  let connecting: Promise<Connected> | undefined;

  const connect = () => {
    connecting ??= (async () => {
      const connection = await Connection.connect({
        address: options.address,
        connectTimeout: '3s',
        interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3, initialIntervalMs: () => 100, maxIntervalMs: () => 1000 }))],
      });
      const probe = await Connection.connect({ address: options.address, connectTimeout: '3s', interceptors: [] });
      return { connection, probe, client: new Client({ connection, namespace: options.namespace }) };
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };

  return {
    client: async () => (await connect()).client,
    ping: async () => {
      const { probe } = await connect();
      await probe.withDeadline(Date.now() + 2_000, () => probe.workflowService.getSystemInfo({}));
    },
    close: async () => {
      const current = connecting;
      connecting = undefined;
      const connected = current ? await current.catch(() => undefined) : undefined;
      if (connected) await Promise.all([connected.connection.close(), connected.probe.close()]);
    },
  };
}
