import { beforeNavigate, invalidate } from '$app/navigation';
import { navigating } from '$app/state';

/**
 * Keeps a page current over the API's event stream: the inbox, whose list
 * moves when a task of the person appears or goes, and the dashboard, whose
 * figures move with those and with the records its sections count.
 * The browser listens to the stream directly: it is same-origin, and the API
 * accepts the session cookie on GET, so no proxy is needed and no token
 * reaches the page. Each event of the page's kinds reloads the page's data
 * (its load `depends` on `dependency`); bursts are folded into one reload.
 */
export class LiveRefresh {
  connected = $state(false);
  /** When the list last changed because of an event, for the "updated" note. */
  updatedAt = $state<Date | null>(null);

  #source: EventSource | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #dependency: `app:${string}`;
  readonly #url: string;
  readonly #events: readonly string[];

  /**
   * Construct it while the page initialises: a reload still pending when the person navigates away is dropped.
   * `events`: the stream's events that reload the page (the inbox: `task`; the dashboard: `task` and `dashboard`).
   */
  constructor(dependency: `app:${string}`, options: { url?: string; events?: readonly string[] } = {}) {
    this.#dependency = dependency;
    this.#url = options.url ?? '/api/v1/tasks/events';
    this.#events = options.events ?? ['task'];
    // SvelteKit runs an invalidation as a navigation to the current page: one
    // fired while a click's navigation loads would take the person back here.
    beforeNavigate(() => clearTimeout(this.#pending));
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
      // Whatever happened before the stream was ready (between the page's load and this first
      // connection, or during a gap after a dropped one) was not streamed: reload once.
      this.#refreshSoon();
    });
    for (const event of this.#events) source.addEventListener(event, () => this.#refreshSoon());
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
      // A navigation under way reloads what it needs itself.
      if (navigating.to) return;
      void invalidate(this.#dependency).then(() => (this.updatedAt = new Date()));
    }, 250);
  }
}
