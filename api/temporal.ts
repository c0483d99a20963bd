import { Client, Connection } from '@temporalio/client';

/**
 * The API's way to Temporal. Connects lazily so the API starts (and answers
 * 503) while Temporal is down, and reconnects after a failed attempt.
 */
export interface TemporalGateway {
  client(): Promise<Client>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createTemporalGateway(options: { address: string; namespace: string }): TemporalGateway {
  let connecting: Promise<{ connection: Connection; client: Client }> | undefined;

  const connect = () => {
    connecting ??= Connection.connect({ address: options.address, connectTimeout: '3s' })
      .then((connection) => ({ connection, client: new Client({ connection, namespace: options.namespace }) }))
      .catch((error: unknown) => {
        connecting = undefined;
        throw error;
      });
    return connecting;
  };

  return {
    client: async () => (await connect()).client,
    ping: async () => {
      const { connection } = await connect();
      await connection.withDeadline(Date.now() + 2_000, () =>
        connection.workflowService.getSystemInfo({}),
      );
    },
    close: async () => {
      const current = connecting;
      connecting = undefined;
      if (current) await (await current.catch(() => undefined))?.connection.close();
    },
  };
}
