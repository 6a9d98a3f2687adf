// One process owns an embedded data directory and serves it; a second Node process connects instead of opening it.
// Neither runs inside the other's transaction; a stale owner file is taken over; `.dvs/` goes into .gitignore.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureDvsIgnored, openEmbedded, ownerFilePath, readOwnerRecord, type EmbeddedWarehouse } from '../../server/src/warehouse/embedded';
import { openWarehouse } from '../../server/src/warehouse/target';

const root = join(__dirname, '..', '..');

/** Another Node process running fixtures/embedded-peer.ts on the directory; `next()` reads its next JSON answer. */
function startPeer(dir: string) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'embedded-peer.ts'), dir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const wake = waiting.shift();
    if (wake) wake(line);
    else answers.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    pid: child.pid,
    exited,
    /** Dies at once, as a crash or `kill -9` would: no exit handlers run. */
    kill() {
      child.kill('SIGKILL');
    },
    send(line: string) {
      child.stdin?.write(line + '\n');
      // After this the peer reads no more; ending its stdin lets it exit.
      if (line === 'close') child.stdin?.end();
    },
    async next(): Promise<Record<string, unknown>> {
      const line = answers.shift() ?? (await new Promise<string>((resolve) => waiting.push(resolve)));
      return JSON.parse(line) as Record<string, unknown>;
    },
    async ask(line: string): Promise<Record<string, unknown>> {
      this.send(line);
      return this.next();
    },
  };
}

/** Waits (on the event loop, not a timer) until a condition holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`gave up waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('sharing the embedded data directory between processes', () => {
  const project = mkdtempSync(join(tmpdir(), 'dvs-embedded-'));
  const dir = join(project, '.dvs', 'pglite');
  let owner: EmbeddedWarehouse;
  const savedOverride = process.env.DVS_EMBEDDED_DIR;

  before(async () => {
    delete process.env.DVS_EMBEDDED_DIR;
    writeFileSync(join(project, '.gitignore'), 'target/\nnode_modules');
    const wh = await openWarehouse({ name: 'embedded', kind: 'embedded' }, project);
    owner = wh as EmbeddedWarehouse;
    await owner.exec(`create table shared (v text)`);
  });
  after(async () => {
    await owner?.close();
    if (savedOverride !== undefined) process.env.DVS_EMBEDDED_DIR = savedOverride;
    rmSync(project, { recursive: true, force: true });
  });

  test('the opener owns the directory: owner.json names it, the session is UTC/ISO, .dvs/ is git-ignored', async () => {
    assert.equal(owner.kind, 'embedded');
    assert.equal(owner.role, 'owner');
    assert.equal(owner.dataDir, dir);
    const record = readOwnerRecord(join(project, '.dvs', 'owner.json'));
    assert.ok(typeof record === 'object');
    assert.equal(record.pid, process.pid);
    assert.equal(record.host, '127.0.0.1');
    assert.ok(typeof record.port === 'number' && record.port > 0);
    assert.deepEqual((await owner.query(`select current_database() as db, current_setting('TimeZone') as tz, current_setting('DateStyle') as ds`)).rows, [
      { db: 'postgres', tz: 'UTC', ds: 'ISO, MDY' },
    ]);
    assert.equal(readFileSync(join(project, '.gitignore'), 'utf8'), 'target/\nnode_modules\n.dvs/\n');
    ensureDvsIgnored(project);
    assert.equal(readFileSync(join(project, '.gitignore'), 'utf8'), 'target/\nnode_modules\n.dvs/\n', 'added once');
  });

  test('a transaction commits, rolls back on a throw, and does not pass a swallowed error off as a commit', async () => {
    await owner.exec(`create table tx_test (x int)`);
    await owner.transaction((tx) => tx.query(`insert into tx_test values ($1)`, [1]));
    await assert.rejects(
      owner.transaction(async (tx) => {
        await tx.query(`insert into tx_test values (2)`);
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    await assert.rejects(
      owner.transaction(async (tx) => {
        await tx.query(`insert into tx_test values (3)`);
        await tx.query(`select 1/0`).catch(() => undefined);
      }),
      /rolled back because a statement in it failed/,
    );
    assert.deepEqual((await owner.query(`select x from tx_test`)).rows, [{ x: '1' }]);
  });

  test('a second process connects to the owner, and both see each other’s writes', async () => {
    const peer = startPeer(dir);
    try {
      assert.deepEqual(await peer.next(), { opened: true, role: 'client', ownerPid: process.pid, pid: peer.pid });
      assert.deepEqual(await peer.ask(`insert into shared values ('from peer') returning v`), { rows: [{ v: 'from peer' }] });
      await owner.query(`insert into shared values ($1)`, ['from owner']);
      assert.deepEqual(await peer.ask(`select v from shared order by v`), { rows: [{ v: 'from owner' }, { v: 'from peer' }] });
      assert.equal(owner.servingStats()?.connections, 1);
    } finally {
      assert.deepEqual(await peer.ask('close'), { closed: true });
      await peer.exited;
    }
    assert.deepEqual((await owner.query(`select count(*) as n from shared`)).rows, [{ n: '2' }], 'the owner works on after the peer left');
  });

  test('neither process runs inside the other’s open transaction', async () => {
    const peer = startPeer(dir);
    try {
      assert.equal((await peer.next()).role, 'client');

      // The peer holds a transaction open; the owner's query waits for it instead of seeing its uncommitted row.
      assert.deepEqual(await peer.ask(`hold:insert into shared values ('peer tx') returning v`), { held: true, rows: [{ v: 'peer tx' }] });
      const ownerSees = owner.query(`select count(*) as n from shared where v = 'peer tx'`);
      peer.send('rollback');
      assert.deepEqual(await peer.next(), { rolledBack: 'rolled back on request' });
      assert.deepEqual((await ownerSees).rows, [{ n: '0' }]);

      // The owner holds a transaction open; the peer's query waits for it and then sees the rolled-back state.
      let peerAnswer: Promise<Record<string, unknown>> | undefined;
      await assert.rejects(
        owner.transaction(async (tx) => {
          await tx.query(`insert into shared values ('owner tx')`);
          peerAnswer = peer.ask(`select count(*) as n from shared where v = 'owner tx'`);
          await until(() => (owner.servingStats()?.waitingMessages ?? 0) > 0, "the peer's query waits for the owner's turn");
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(await peerAnswer, { rows: [{ n: '0' }] });
    } finally {
      await peer.ask('close');
      await peer.exited;
    }
  });

  test('the same process opening the directory twice shares one database', async () => {
    const second = await openEmbedded(dir);
    assert.equal(second.role, 'owner');
    await second.query(`insert into shared values ('second handle')`);
    await second.close();
    assert.deepEqual((await owner.query(`select count(*) as n from shared where v = 'second handle'`)).rows, [{ n: '1' }]);
  });

  test('when the owner closes, the next process owns it; an owner that died is taken over', async () => {
    await owner.close();
    assert.equal(existsSync(ownerFilePath(dir)), false, 'closing gives the directory up');

    const peer = startPeer(dir);
    assert.deepEqual(await peer.next(), { opened: true, role: 'owner', ownerPid: peer.pid, pid: peer.pid });
    assert.deepEqual(await peer.ask(`insert into shared values ('written by the second owner') returning v`), { rows: [{ v: 'written by the second owner' }] });
    peer.kill();
    await peer.exited;
    const stale = readOwnerRecord(ownerFilePath(dir));
    assert.ok(typeof stale === 'object' && stale.pid === peer.pid, 'the dead owner left its file behind');

    owner = await openEmbedded(dir);
    assert.equal(owner.role, 'owner');
    const record = readOwnerRecord(ownerFilePath(dir));
    assert.ok(typeof record === 'object' && record.pid === process.pid);
    assert.deepEqual((await owner.query(`select v from shared where v like 'written%'`)).rows, [{ v: 'written by the second owner' }]);
  });
});
