// Sync Airbyte Connection against a local HTTP server implementing the endpoints used (application token,
// connections, job create/status/cancel). Time is a fake clock, so the 3-minute token expiry is exercised without
// waiting; the server rejects any call made with a token older than its lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  airbyteCredentialsFromEnv,
  resolveAirbyteUrl,
  syncAirbyteConnection,
  type AirbyteConnection,
  type AirbyteSyncIO,
  type Clock,
  type JobProgress,
} from '../../server/src/cloud/airbyte';

const CLIENT = { clientId: 'c0ffee-client-id', clientSecret: 'Sup3r-Secret-Value' };
const CONNECTIONS = [
  { connectionId: '9f1a0b4e-0000-4000-8000-000000000001', name: 'Faker → Postgres (old)', status: 'inactive', sourceId: 's1', destinationId: 'd1', workspaceId: 'w' },
  { connectionId: '9f1a0b4e-0000-4000-8000-000000000002', name: 'Faker → Postgres', status: 'active', sourceId: 's2', destinationId: 'd2', workspaceId: 'w' },
];

interface FakeClock extends Clock {
  t: number;
}
function fakeClock(): FakeClock {
  const clock: FakeClock = {
    t: 1_000_000,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  };
  return clock;
}

interface FakeAirbyte {
  url: string;
  calls: { method: string; path: string; token?: string; body?: unknown }[];
  tokensIssued: number[];
  expiredUses: number;
  close(): Promise<void>;
}

/** polls: how many status reads the job stays running; outcome: its final status. */
async function startFakeAirbyte(clock: FakeClock, config: { polls?: number; outcome?: string; connections?: typeof CONNECTIONS; revokeAfterCalls?: number } = {}): Promise<FakeAirbyte> {
  const tokens = new Map<string, number>();
  const state = { calls: [] as FakeAirbyte['calls'], tokensIssued: [] as number[], expiredUses: 0 };
  let reads = 0;
  let cancelled = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      const path = req.url ?? '';
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      state.calls.push({ method: req.method ?? '', path, ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && path === '/api/v1/applications/token') {
        const sent = body as Record<string, unknown>;
        if (sent.client_id !== CLIENT.clientId || sent.client_secret !== CLIENT.clientSecret) return json(401, { message: 'Invalid client credentials' });
        assert.equal(sent['grant-type'], 'client_credentials');
        const value = `tok-${state.tokensIssued.length + 1}`;
        tokens.set(value, clock.now());
        state.tokensIssued.push(clock.now());
        return json(200, { access_token: value, token_type: 'Bearer', expires_in: 180 });
      }
      const issued = token ? tokens.get(token) : undefined;
      if (issued === undefined) return json(401, { message: 'Unauthorized' });
      if (clock.now() - issued >= 180_000) {
        state.expiredUses++;
        return json(401, { message: 'Token expired' });
      }
      if (config.revokeAfterCalls !== undefined && state.calls.length === config.revokeAfterCalls) {
        tokens.delete(token as string);
        return json(401, { message: 'Token revoked' });
      }
      if (req.method === 'GET' && path === '/api/public/v1/connections?limit=100&offset=0') return json(200, { data: config.connections ?? CONNECTIONS, next: null });
      if (req.method === 'POST' && path === '/api/public/v1/jobs') {
        return json(200, { jobId: 42, status: 'pending', jobType: 'sync', connectionId: (body as { connectionId: string }).connectionId, startTime: '2026-11-26T10:00:00Z' });
      }
      if (req.method === 'GET' && path === '/api/public/v1/jobs/42') {
        reads++;
        const polls = config.polls ?? 3;
        const status = cancelled ? 'cancelled' : reads > polls ? config.outcome ?? 'succeeded' : 'running';
        return json(200, { jobId: 42, status, jobType: 'sync', connectionId: 'x', startTime: '2026-11-26T10:00:00Z', rowsSynced: Math.min(reads, polls) * 1000, bytesSynced: Math.min(reads, polls) * 1048576 });
      }
      if (req.method === 'DELETE' && path === '/api/public/v1/jobs/42') {
        cancelled = true;
        return json(200, { jobId: 42, status: 'cancelled', jobType: 'sync' });
      }
      return json(404, { message: `no route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: state.calls,
    tokensIssued: state.tokensIssued,
    get expiredUses() {
      return state.expiredUses;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function syncIO(clock: Clock, config: { pick?: (c: AirbyteConnection[]) => AirbyteConnection | undefined; runLoads?: boolean; answer?: boolean; credentials?: typeof CLIENT | undefined; onProgress?: (p: JobProgress) => void } = {}) {
  const log = { picked: [] as AirbyteConnection[][], progress: [] as JobProgress[], questions: [] as string[], loads: 0, notices: [] as string[] };
  const io: AirbyteSyncIO = {
    credentials: async () => ('credentials' in config ? config.credentials : CLIENT),
    pickConnection: async (connections) => {
      log.picked.push(connections);
      return config.pick ? config.pick(connections) : connections[connections.length - 1];
    },
    progress: (p) => {
      log.progress.push(p);
      config.onProgress?.(p);
    },
    confirm: async (q) => {
      log.questions.push(q);
      return config.answer ?? true;
    },
    notify: (_, m) => void log.notices.push(m),
    clock,
    ...(config.runLoads === false ? {} : { runLoads: async () => void log.loads++ }),
  };
  return { io, log };
}

test('a sync picks the connection, starts a job, follows it to success with tokens renewed before expiry, then runs loads', async () => {
  const clock = fakeClock();
  const fake = await startFakeAirbyte(clock, { polls: 12 });
  try {
    const { io, log } = syncIO(clock);
    const result = await syncAirbyteConnection(io, { url: fake.url, pollIntervalMs: 30_000 });
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    if (result.status !== 'succeeded') return;
    assert.equal(result.connectionId, CONNECTIONS[1]?.connectionId);
    assert.equal(result.job.rowsSynced, 12_000);
    assert.equal(result.loadsStarted, true);
    assert.equal(log.loads, 1);
    assert.deepEqual(log.questions, ['Airbyte sync finished (12000 rows). Run the loads now?']);
    assert.deepEqual(log.picked[0]?.map((c) => c.name), ['Faker → Postgres (old)', 'Faker → Postgres']);

    const create = fake.calls.find((c) => c.method === 'POST' && c.path === '/api/public/v1/jobs');
    assert.deepEqual(create?.body, { connectionId: CONNECTIONS[1]?.connectionId, jobType: 'sync' });
    const tokenCall = fake.calls.find((c) => c.path === '/api/v1/applications/token');
    assert.deepEqual(tokenCall?.body, { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, 'grant-type': 'client_credentials' });

    // 13 polls at 30 s is 6.5 minutes: the 3-minute token must have been renewed, always before it expired.
    assert.equal(fake.expiredUses, 0);
    assert.ok(fake.tokensIssued.length >= 3, `tokens issued: ${fake.tokensIssued.length}`);
    assert.equal(fake.calls.filter((c) => c.path === '/api/public/v1/jobs/42').length, 13);
    assert.deepEqual(log.progress.map((p) => p.job.status), ['pending', ...Array(12).fill('running'), 'succeeded']);
    assert.equal(log.progress[1]?.message, 'Job 42: running, 1000 rows, 1.0 MB, 30s');
    assert.equal(log.progress.at(-1)?.elapsedMs, 13 * 30_000);
  } finally {
    await fake.close();
  }
});

test('one connection is used without asking; a given connectionId skips the listing; loads are only offered', async () => {
  const clock = fakeClock();
  const fake = await startFakeAirbyte(clock, { connections: [CONNECTIONS[1] as (typeof CONNECTIONS)[number]] });
  try {
    const single = syncIO(clock, { answer: false });
    const result = await syncAirbyteConnection(single.io, { url: fake.url });
    assert.deepEqual(result.status === 'succeeded' && [result.connectionId, result.loadsStarted], [CONNECTIONS[1]?.connectionId, false]);
    assert.equal(single.log.picked.length, 0);
    assert.equal(single.log.loads, 0);

    const given = syncIO(clock, { runLoads: false });
    fake.calls.length = 0;
    const direct = await syncAirbyteConnection(given.io, { url: fake.url, connectionId: 'given-id' });
    assert.deepEqual(direct.status === 'succeeded' && [direct.connectionId, direct.loadsStarted], ['given-id', false]);
    assert.equal(fake.calls.some((c) => c.path.startsWith('/api/public/v1/connections')), false);
    assert.deepEqual(fake.calls.find((c) => c.method === 'POST' && c.path === '/api/public/v1/jobs')?.body, { connectionId: 'given-id', jobType: 'sync' });
    assert.equal(given.log.questions.length, 0, 'without a loads runner nothing is offered');
  } finally {
    await fake.close();
  }
});

test('a failed job is reported with where to find its logs, and loads are not offered', async () => {
  const clock = fakeClock();
  const fake = await startFakeAirbyte(clock, { polls: 1, outcome: 'failed' });
  try {
    const { io, log } = syncIO(clock);
    const result = await syncAirbyteConnection(io, { url: fake.url, connectionId: CONNECTIONS[0]?.connectionId as string });
    assert.equal(result.status, 'failed');
    if (result.status !== 'failed') return;
    assert.equal(result.step, 'poll');
    assert.equal(result.message, `Airbyte job 42 ended failed. Its logs are in the Airbyte UI (${fake.url}, the connection's Timeline).`);
    assert.equal(log.questions.length, 0);
    assert.equal(fake.calls.some((c) => c.path.startsWith('/api/public/v1/connections')), false);
  } finally {
    await fake.close();
  }
});

test('aborting while following the job cancels it in Airbyte', async () => {
  const clock = fakeClock();
  const fake = await startFakeAirbyte(clock, { polls: 50 });
  try {
    const abort = new AbortController();
    const { io } = syncIO(clock, { onProgress: (p) => (p.elapsedMs >= 60_000 ? abort.abort() : undefined) });
    const result = await syncAirbyteConnection(io, { url: fake.url, connectionId: 'c', signal: abort.signal, pollIntervalMs: 30_000 });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.status === 'cancelled' && result.job?.status, 'cancelled');
    assert.deepEqual(fake.calls.at(-1)?.method, 'DELETE');
    assert.equal(fake.calls.at(-1)?.path, '/api/public/v1/jobs/42');
  } finally {
    await fake.close();
  }
});

test('a token the server stops accepting is renewed once and the call retried', async () => {
  const clock = fakeClock();
  const fake = await startFakeAirbyte(clock, { polls: 2, revokeAfterCalls: 3 });
  try {
    const { io } = syncIO(clock);
    const result = await syncAirbyteConnection(io, { url: fake.url, connectionId: 'c' });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(fake.calls.slice(0, 5).map((c) => `${c.method} ${c.path} ${c.token ?? ''}`.trim()), [
      'POST /api/v1/applications/token',
      'POST /api/public/v1/jobs tok-1',
      'GET /api/public/v1/jobs/42 tok-1',
      'POST /api/v1/applications/token',
      'GET /api/public/v1/jobs/42 tok-2',
    ]);
  } finally {
    await fake.close();
  }
});

test('refusals: wrong credentials, no connections, nothing listening, cancelled pick; the secret never shows', async () => {
  const clock = fakeClock();
  const fake = await startFakeAirbyte(clock, { connections: [] });
  try {
    const wrong = await syncAirbyteConnection(syncIO(clock, { credentials: { clientId: CLIENT.clientId, clientSecret: 'Wrong-Secret-123' } }).io, { url: fake.url });
    assert.deepEqual(wrong.status === 'failed' && [wrong.step, wrong.invalidCredentials], ['credentials', true]);
    assert.match(wrong.status === 'failed' ? wrong.message : '', /abctl local credentials/);
    assert.equal(JSON.stringify(wrong).includes('Wrong-Secret-123'), false);

    const empty = await syncAirbyteConnection(syncIO(clock).io, { url: fake.url });
    assert.equal(empty.status === 'failed' && empty.step, 'connections');
    assert.match(empty.status === 'failed' ? empty.message : '', /has no connections yet\. Create one in its UI/);

    assert.deepEqual(await syncAirbyteConnection(syncIO(clock, { credentials: undefined }).io, { url: fake.url }), { status: 'cancelled' });
  } finally {
    await fake.close();
  }
  const withTwo = await startFakeAirbyte(clock);
  try {
    assert.deepEqual(await syncAirbyteConnection(syncIO(clock, { pick: () => undefined }).io, { url: withTwo.url }), { status: 'cancelled' });
  } finally {
    await withTwo.close();
  }
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const downUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const down = await syncAirbyteConnection(syncIO(clock).io, { url: downUrl });
  assert.equal(down.status === 'failed' && down.step, 'connections');
  assert.match(down.status === 'failed' ? down.message : '', /^Airbyte does not answer: nothing answers at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
});

test('URL and credential defaults', () => {
  assert.equal(resolveAirbyteUrl(undefined, { airbyteUrl: 'http://1.2.3.4:8000' }), 'http://1.2.3.4:8000');
  assert.equal(resolveAirbyteUrl(' http://ab.example:8000 ', { airbyteUrl: 'http://1.2.3.4:8000' }), 'http://ab.example:8000');
  assert.equal(resolveAirbyteUrl(), 'http://localhost:8000');
  assert.deepEqual(airbyteCredentialsFromEnv({ AIRBYTE_CLIENT_ID: 'a', AIRBYTE_CLIENT_SECRET: 'b' }), { clientId: 'a', clientSecret: 'b' });
  assert.equal(airbyteCredentialsFromEnv({ AIRBYTE_CLIENT_ID: 'a', AIRBYTE_CLIENT_SECRET: '' }), undefined);
});
