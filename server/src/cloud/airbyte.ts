// Sync Airbyte Connection: a client for Airbyte's public API (application token from client id/secret, renewed
// before it expires; connections; sync jobs) and the flow that triggers a sync, follows it, then offers to run loads.
import { asRecord, joinUrl, replyDetail, sendRequest, UnreachableError, type HttpReply } from './http';
import { createSecretScrubber } from './secrets';

/** Where `abctl local install` serves the UI and the API. */
export const DEFAULT_AIRBYTE_URL = 'http://localhost:8000';
/** Self-managed Airbyte issues 3-minute tokens; used when the token reply does not say. */
export const DEFAULT_TOKEN_LIFETIME_MS = 180_000;
/** The variables terraform/.env.template reserves for the application credentials. */
export const AIRBYTE_CREDENTIAL_ENV = { clientId: 'AIRBYTE_CLIENT_ID', clientSecret: 'AIRBYTE_CLIENT_SECRET' } as const;

export type NoticeLevel = 'info' | 'warning' | 'error';

export interface AirbyteCredentials {
  clientId: string;
  clientSecret: string;
}

/** Time as the polling loop sees it; tests pass a clock whose sleep advances time without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface AirbyteConnection {
  connectionId: string;
  name: string;
  status?: string;
  sourceId?: string;
  destinationId?: string;
  workspaceId?: string;
}

export interface AirbyteJob {
  jobId: number;
  /** pending, running, incomplete (an attempt failed and will be retried), failed, succeeded or cancelled. */
  status: string;
  jobType: string;
  connectionId?: string;
  startTime?: string;
  lastUpdatedAt?: string;
  /** ISO 8601 duration, e.g. "PT1M5S". */
  duration?: string;
  rowsSynced?: number;
  bytesSynced?: number;
}

export const FINAL_JOB_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

export type AirbyteFailureKind = 'unreachable' | 'auth' | 'api';

export class AirbyteError extends Error {
  constructor(
    readonly kind: AirbyteFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AirbyteError';
  }
}

export interface AirbyteApi {
  listConnections(): Promise<AirbyteConnection[]>;
  createSyncJob(connectionId: string): Promise<AirbyteJob>;
  getJob(jobId: number): Promise<AirbyteJob>;
  cancelJob(jobId: number): Promise<AirbyteJob | undefined>;
}

function toJob(value: unknown): AirbyteJob | undefined {
  const row = asRecord(value);
  if (!row || typeof row.jobId !== 'number' || typeof row.status !== 'string') return undefined;
  const job: AirbyteJob = { jobId: row.jobId, status: row.status, jobType: typeof row.jobType === 'string' ? row.jobType : 'sync' };
  for (const key of ['connectionId', 'startTime', 'lastUpdatedAt', 'duration'] as const) if (typeof row[key] === 'string') job[key] = row[key] as string;
  for (const key of ['rowsSynced', 'bytesSynced'] as const) if (typeof row[key] === 'number') job[key] = row[key] as number;
  return job;
}

function toConnection(value: unknown): AirbyteConnection | undefined {
  const row = asRecord(value);
  if (!row || typeof row.connectionId !== 'string') return undefined;
  const connection: AirbyteConnection = { connectionId: row.connectionId, name: typeof row.name === 'string' ? row.name : row.connectionId };
  for (const key of ['status', 'sourceId', 'destinationId', 'workspaceId'] as const) if (typeof row[key] === 'string') connection[key] = row[key] as string;
  return connection;
}

/**
 * A client for one Airbyte server. Every call carries a token that is renewed ahead of its expiry (a third of its
 * lifetime, at most a minute, before), and once more when the server still answers 401.
 */
export function openAirbyteApi(baseUrl: string, credentials: AirbyteCredentials, clock: Clock = systemClock, signal?: AbortSignal): AirbyteApi {
  let token: { value: string; renewAt: number } | undefined;

  // Cancelling a job must still work after the user aborted, so those calls do not carry the abort signal.
  const send = async (url: string, init: Parameters<typeof sendRequest>[1], abortable = true): Promise<HttpReply> => {
    try {
      return await sendRequest(url, { ...init, ...(signal && abortable ? { signal } : {}) });
    } catch (error) {
      if (error instanceof UnreachableError) {
        throw new AirbyteError('unreachable', `Airbyte does not answer: ${error.message}. Check the URL; on a fresh VM the install takes 10 to 30 minutes after apply.`);
      }
      throw error;
    }
  };

  const renew = async (abortable: boolean): Promise<string> => {
    const reply = await send(
      joinUrl(baseUrl, '/api/v1/applications/token'),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ client_id: credentials.clientId, client_secret: credentials.clientSecret, 'grant-type': 'client_credentials' }),
      },
      abortable,
    );
    if (reply.status === 401 || reply.status === 403) {
      throw new AirbyteError('auth', 'Airbyte refused the application credentials. Copy the client id and secret from Airbyte (User settings → Applications, or `sudo -H abctl local credentials` on its VM).', reply.status);
    }
    if (reply.status === 404) {
      throw new AirbyteError('api', `${joinUrl(baseUrl, '/api/v1/applications/token')} does not exist: this tool needs Airbyte 1.0 or newer (as abctl installs it).`, 404);
    }
    const body = asRecord(reply.json);
    const value = body?.access_token;
    if (!reply.ok || typeof value !== 'string') throw new AirbyteError('auth', `Airbyte did not issue a token (${replyDetail(reply)}).`, reply.status);
    const lifetime = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
    token = { value, renewAt: clock.now() + lifetime - Math.min(60_000, lifetime / 3) };
    return value;
  };

  const authorized = async (path: string, init: { method?: string; body?: unknown; abortable?: boolean } = {}): Promise<HttpReply> => {
    const abortable = init.abortable ?? true;
    const attempt = async (value: string): Promise<HttpReply> =>
      send(
        joinUrl(baseUrl, path),
        {
          method: init.method ?? 'GET',
          headers: { Authorization: `Bearer ${value}`, Accept: 'application/json', ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        },
        abortable,
      );
    const current = token && clock.now() < token.renewAt ? token.value : await renew(abortable);
    const reply = await attempt(current);
    return reply.status === 401 ? attempt(await renew(abortable)) : reply;
  };

  const jobFrom = (reply: HttpReply, what: string): AirbyteJob => {
    const job = reply.ok ? toJob(reply.json) : undefined;
    if (!job) throw new AirbyteError('api', `${what} failed (${replyDetail(reply)}).`, reply.status);
    return job;
  };

  return {
    async listConnections() {
      const out: AirbyteConnection[] = [];
      const limit = 100;
      for (let offset = 0; offset < 10_000; offset += limit) {
        const reply = await authorized(`/api/public/v1/connections?limit=${limit}&offset=${offset}`);
        if (!reply.ok) throw new AirbyteError('api', `Listing the connections failed (${replyDetail(reply)}).`, reply.status);
        const data = asRecord(reply.json)?.data;
        const rows = Array.isArray(data) ? data : [];
        for (const row of rows) {
          const connection = toConnection(row);
          if (connection) out.push(connection);
        }
        if (rows.length < limit) break;
      }
      return out;
    },
    async createSyncJob(connectionId) {
      return jobFrom(await authorized('/api/public/v1/jobs', { method: 'POST', body: { connectionId, jobType: 'sync' } }), `Starting a sync of connection ${connectionId}`);
    },
    async getJob(jobId) {
      return jobFrom(await authorized(`/api/public/v1/jobs/${jobId}`), `Reading job ${jobId}`);
    },
    async cancelJob(jobId) {
      const reply = await authorized(`/api/public/v1/jobs/${jobId}`, { method: 'DELETE', abortable: false });
      return reply.ok ? toJob(reply.json) : undefined;
    },
  };
}

export interface JobProgress {
  job: AirbyteJob;
  elapsedMs: number;
  /** A line for a progress notification, e.g. "running, 1 500 rows, 2m 10s". */
  message: string;
}

function describeJob(job: AirbyteJob, elapsedMs: number): string {
  const parts = [job.status];
  if (job.rowsSynced !== undefined) parts.push(`${job.rowsSynced} rows`);
  if (job.bytesSynced !== undefined) parts.push(`${(job.bytesSynced / 1024 / 1024).toFixed(1)} MB`);
  const seconds = Math.round(elapsedMs / 1000);
  parts.push(seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`);
  return `Job ${job.jobId}: ${parts.join(', ')}`;
}

export interface WaitOptions {
  clock?: Clock;
  /** Default 5 s. */
  pollIntervalMs?: number;
  /** Stop following the job after this long (default 3 hours); the job itself keeps running. */
  maxWaitMs?: number;
  signal?: AbortSignal;
  onProgress?(progress: JobProgress): void;
}

/** Polls the job until it succeeds, fails or is cancelled; returns early (with the last state) on abort or timeout. */
export async function waitForJob(api: AirbyteApi, job: AirbyteJob, options: WaitOptions = {}): Promise<AirbyteJob> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const maxWait = options.maxWaitMs ?? 3 * 60 * 60 * 1000;
  let current = job;
  options.onProgress?.({ job: current, elapsedMs: 0, message: describeJob(current, 0) });
  while (!FINAL_JOB_STATUSES.has(current.status)) {
    if (options.signal?.aborted || clock.now() - started >= maxWait) break;
    await clock.sleep(options.pollIntervalMs ?? 5_000, options.signal);
    if (options.signal?.aborted) break;
    current = await api.getJob(current.jobId);
    const elapsedMs = clock.now() - started;
    options.onProgress?.({ job: current, elapsedMs, message: describeJob(current, elapsedMs) });
  }
  return current;
}

/** The Airbyte URL: the setting, else the Terraform output airbyte_url, else http://localhost:8000. */
export function resolveAirbyteUrl(setting?: string, outputs?: { airbyteUrl?: string }): string {
  if (setting && setting.trim()) return setting.trim();
  return outputs?.airbyteUrl ?? DEFAULT_AIRBYTE_URL;
}

/** The application credentials from AIRBYTE_CLIENT_ID/AIRBYTE_CLIENT_SECRET, when both are set. */
export function airbyteCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): AirbyteCredentials | undefined {
  const clientId = env[AIRBYTE_CREDENTIAL_ENV.clientId];
  const clientSecret = env[AIRBYTE_CREDENTIAL_ENV.clientSecret];
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

export interface AirbyteSyncIO {
  /** The application's client id and secret (settings, .env or asked); undefined when the user cancels. */
  credentials(): Promise<AirbyteCredentials | undefined>;
  /** Lets the user choose among the server's connections; undefined when the user cancels. */
  pickConnection(connections: AirbyteConnection[]): Promise<AirbyteConnection | undefined>;
  progress(update: JobProgress): void;
  confirm(question: string): Promise<boolean>;
  notify(level: NoticeLevel, message: string): void;
  /** Runs the project's loads; absent when the caller does not offer it. */
  runLoads?(): Promise<void>;
  clock?: Clock;
}

export interface SyncOptions {
  url: string;
  /** Skips the pick when given. */
  connectionId?: string;
  pollIntervalMs?: number;
  maxWaitMs?: number;
  /** Aborting cancels the Airbyte job. */
  signal?: AbortSignal;
}

export type SyncStep = 'credentials' | 'connections' | 'sync' | 'poll';

export type SyncResult =
  | { status: 'succeeded'; job: AirbyteJob; connectionId: string; loadsStarted: boolean }
  | { status: 'cancelled'; job?: AirbyteJob }
  | { status: 'failed'; step: SyncStep; message: string; job?: AirbyteJob; invalidCredentials?: boolean };

/** Sync Airbyte Connection: picks the connection, starts a sync, follows it with progress, then offers loads. */
export async function syncAirbyteConnection(io: AirbyteSyncIO, options: SyncOptions): Promise<SyncResult> {
  const scrubber = createSecretScrubber();
  const clock = io.clock ?? systemClock;
  const credentials = await io.credentials();
  if (!credentials) return { status: 'cancelled' };
  scrubber.add(credentials.clientSecret);
  const api = openAirbyteApi(options.url, credentials, clock, options.signal);
  let step: SyncStep = 'connections';
  let job: AirbyteJob | undefined;
  const cancelJob = async (running: AirbyteJob | undefined): Promise<SyncResult> => {
    if (!running) return { status: 'cancelled' };
    const cancelled = await api.cancelJob(running.jobId).catch(() => undefined);
    return { status: 'cancelled', job: cancelled ?? running };
  };
  try {
    let connectionId = options.connectionId;
    if (!connectionId) {
      const connections = await api.listConnections();
      if (!connections.length) {
        return {
          status: 'failed',
          step,
          message: `Airbyte at ${options.url} has no connections yet. Create one in its UI (source Sample Data (Faker), destination Postgres with the warehouse, namespace "raw"), then sync again.`,
        };
      }
      const picked = connections.length === 1 ? connections[0] : await io.pickConnection(connections);
      if (!picked) return { status: 'cancelled' };
      connectionId = picked.connectionId;
    }
    step = 'sync';
    job = await api.createSyncJob(connectionId);
    step = 'poll';
    job = await waitForJob(api, job, {
      clock,
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (progress) => io.progress(progress),
    });
    if (options.signal?.aborted) return await cancelJob(job);
    if (job.status !== 'succeeded') {
      const message = FINAL_JOB_STATUSES.has(job.status)
        ? `Airbyte job ${job.jobId} ended ${job.status}. Its logs are in the Airbyte UI (${options.url}, the connection's Timeline).`
        : `Stopped following Airbyte job ${job.jobId} (still ${job.status}); it keeps running in Airbyte.`;
      return { status: 'failed', step, message, job };
    }
    const rows = job.rowsSynced !== undefined ? `${job.rowsSynced} rows` : 'done';
    let loadsStarted = false;
    if (io.runLoads && (await io.confirm(`Airbyte sync finished (${rows}). Run the loads now?`))) {
      await io.runLoads();
      loadsStarted = true;
    }
    return { status: 'succeeded', job, connectionId, loadsStarted };
  } catch (error) {
    // An abort surfaces as a rejected request when it lands during one.
    if (options.signal?.aborted) return await cancelJob(job);
    if (!(error instanceof AirbyteError)) throw error;
    const failed: SyncResult = { status: 'failed', step: error.kind === 'auth' ? 'credentials' : step, message: scrubber.scrub(error.message) };
    if (job) failed.job = job;
    if (error.kind === 'auth' && error.status !== undefined) failed.invalidCredentials = true;
    return failed;
  }
}
