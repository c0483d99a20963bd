import { invalidate } from '$app/navigation';

/**
 * Keeps the inbox current. The browser listens to the API's task stream
 * directly: it is same-origin, and the API accepts the session cookie on GET,
 * so no proxy is needed and no token reaches the page. Each `task` event
 * (created, closed, assigned) reloads the inbox data; bursts are folded into
 * one reload.
 */
export class InboxLive {
  connected = $state(false);
  /** When the list last changed because of an event, for the "updated" note. */
  updatedAt = $state<Date | null>(null);

  #source: EventSource | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #everConnected = false;
  readonly #url: string;

  constructor(url = '/api/v1/tasks/events') {
    this.#url = url;
  }

  start(): () => void {
    this.#stopped = false;
    this.#connect();
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#pending);
    this.#source?.close();
    this.#source = null;
    this.connected = false;
  }

  #connect(): void {
    const source = new EventSource(this.#url);
    this.#source = source;
    source.addEventListener('ready', () => {
      this.connected = true;
      // Back after a gap: whatever happened meanwhile was not streamed, so reload once.
      if (this.#everConnected) this.#refreshSoon();
      this.#everConnected = true;
    });
    source.addEventListener('task', () => this.#refreshSoon());
    source.onerror = () => {
      this.connected = false;
      // A dropped connection is retried by EventSource itself; a refused one (a
      // session that ended, a restart) is closed for good, so try again later.
      if (source.readyState === EventSource.CLOSED && !this.#stopped) {
        this.#retry = setTimeout(() => this.#connect(), 10_000);
      }
    };
  }

  #refreshSoon(): void {
    clearTimeout(this.#pending);
    this.#pending = setTimeout(() => {
      void invalidate('app:inbox').then(() => (this.updatedAt = new Date()));
    }, 250);
  }
}
