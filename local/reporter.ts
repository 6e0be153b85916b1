/**
 * The local broker's output: readable lines for a person at a terminal, or one JSON object
 * per line (`--json`) for scripts and tests. Both say the same things; neither ever
 * receives a token or a secret (events carry names, times and error messages, which the
 * broker's errors keep secret-free by construction).
 */
import { errorFields } from '../lambda/core/errors.js';
import { type BannerInfo, formatBanner } from './banner.js';

/** A finished refresh. */
export interface RefreshedEvent {
  readonly credential: string;
  /** The refresher event's reason (`deploy` is the refresh at start). */
  readonly reason: string;
  readonly outcome: 'written' | 'superseded';
  /** Epoch seconds. */
  readonly expiresAt: number;
  readonly secondsLeft: number;
  readonly attempts: number;
}

/** A failed refresh; the stored token was left as it was. */
export interface RefreshFailedEvent {
  readonly credential: string;
  readonly reason: string;
  readonly error: unknown;
  /** Seconds the stored token still has; undefined when unknown. */
  readonly secondsLeft: number | undefined;
}

/** Everything the local broker reports. */
export interface Reporter {
  ready(info: BannerInfo): void;
  refreshed(event: RefreshedEvent): void;
  refreshFailed(event: RefreshFailedEvent): void;
  /** A token request failed and will be retried after `delayMs`. */
  retrying(attempt: number, delayMs: number, error: unknown): void;
  /** A reader found no usable token and asked the refresher for one. */
  refreshRequested(credential: string): void;
  /** Something failed that is not the caller's doing (the caller got a 500). */
  problem(message: string, error?: unknown): void;
  warn(message: string): void;
  /** Stopping, because of `reason` (a signal name, or the parent process going away). */
  stopping(reason: string): void;
  stopped(): void;
  /** A startup or shutdown error: one line. */
  fatal(message: string): void;
}

/** Where a reporter writes. */
export interface ReporterStreams {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Human-readable labels of refresh reasons. */
const REASON_LABEL: Record<string, string> = {
  deploy: 'at start',
  schedule: 'scheduled',
  'read-miss': 'asked for by a reader',
  manual: 'manual',
};

/** Lines for a person: a banner, then one timestamped line per event. */
export function createTextReporter(streams: ReporterStreams): Reporter {
  const now = streams.now ?? Date.now;
  const line = (text: string) => streams.out(`${clockTime(now())}  ${text}`);
  const errorText = (error: unknown) => {
    const { errorName, errorMessage } = errorFields(error);
    return `${errorName}: ${errorMessage}`;
  };
  return {
    ready: (info) => {
      for (const text of formatBanner(info)) streams.out(text);
    },
    refreshed: (event) => {
      const expires = clockTime(event.expiresAt * 1000);
      const attempts = event.attempts === 1 ? '1 attempt' : `${event.attempts} attempts`;
      const superseded = event.outcome === 'superseded' ? '; a newer token was already stored' : '';
      line(
        `refreshed '${event.credential}' (${label(event.reason)}): token expires ${expires} ` +
          `(in ${formatDuration(event.secondsLeft)}), ${attempts}${superseded}`,
      );
    },
    refreshFailed: (event) => {
      const left =
        event.secondsLeft === undefined
          ? ''
          : event.secondsLeft > 0
            ? `; the stored token still has ${formatDuration(event.secondsLeft)}`
            : '; no usable token is stored';
      line(
        `refresh of '${event.credential}' failed (${label(event.reason)}): ${errorText(event.error)}${left}`,
      );
    },
    retrying: (attempt, delayMs, error) =>
      line(`attempt ${attempt} failed, retrying in ${(delayMs / 1000).toFixed(1)} s: ${errorText(error)}`),
    refreshRequested: (credential) =>
      line(`no usable token for '${credential}': a reader asked the refresher for one`),
    problem: (message, error) => line(error === undefined ? message : `${message}: ${errorText(error)}`),
    warn: (message) => line(`warning: ${message}`),
    stopping: (reason) => line(`stopping (${reason})`),
    stopped: () => line('stopped'),
    fatal: (message) => streams.err(`error: ${message}`),
  };
}

/** One JSON object per line on `out`, with `time`, `level` and `event`. */
export function createJsonReporter(streams: ReporterStreams): Reporter {
  const now = streams.now ?? Date.now;
  const emit = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown> = {}) =>
    streams.out(JSON.stringify({ time: new Date(now()).toISOString(), level, event, ...fields }));
  return {
    ready: (info) => emit('info', 'ready', { ...info }),
    refreshed: (event) =>
      emit('info', 'refreshed', { ...event, expiresAt: new Date(event.expiresAt * 1000).toISOString() }),
    refreshFailed: ({ error, ...event }) =>
      emit('error', 'refresh-failed', { ...event, ...errorFields(error) }),
    retrying: (attempt, delayMs, error) =>
      emit('warn', 'retrying', { attempt, delayMs, ...errorFields(error) }),
    refreshRequested: (credential) => emit('info', 'refresh-requested', { credential }),
    problem: (message, error) =>
      emit('error', 'problem', { message, ...(error === undefined ? {} : errorFields(error)) }),
    warn: (message) => emit('warn', 'warning', { message }),
    stopping: (reason) => emit('info', 'stopping', { reason }),
    stopped: () => emit('info', 'stopped'),
    fatal: (message) => emit('error', 'fatal', { message }),
  };
}

function label(reason: string): string {
  return REASON_LABEL[reason] ?? reason;
}

/** `HH:MM:SS` in local time. */
function clockTime(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}

/** `59 min`, `45 s`, `2 h 5 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
