// The server's writer for LSP over stdio: each message leaves as one framed write at the moment it is sent, in the
// order sent, and a failing stream is reported to the connection (onError) and to the sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { StdoutMessageWriter } from '../../server/src/features/stdio-transport';

test('each message is one Content-Length framed write, in order', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer = new StdoutMessageWriter(out);
  const sent = Array.from({ length: 50 }, (_, i) => writer.write({ jsonrpc: '2.0', method: 'n', params: { i, text: 'é'.repeat(i) } } as never));
  await Promise.all(sent);
  await new Promise((r) => setImmediate(r));
  const all = Buffer.concat(chunks);
  const bodies: unknown[] = [];
  for (let at = 0; at < all.length; ) {
    const headerEnd = all.indexOf('\r\n\r\n', at);
    const length = Number(/^Content-Length: (\d+)$/.exec(all.subarray(at, headerEnd).toString('ascii'))?.[1]);
    assert.ok(Number.isInteger(length), 'a Content-Length header and nothing else');
    bodies.push(JSON.parse(all.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')));
    at = headerEnd + 4 + length;
  }
  assert.equal(bodies.length, 50);
  assert.deepEqual(bodies.map((b) => (b as { params: { i: number } }).params.i), Array.from({ length: 50 }, (_, i) => i));
  assert.equal((bodies[7] as { params: { text: string } }).params.text, 'é'.repeat(7), 'the length counts bytes, not characters');
});

test('the write is in the stream before write() returns', () => {
  const writes: Buffer[] = [];
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => (writes.push(chunk), done()) });
  const writer = new StdoutMessageWriter(out);
  void writer.write({ jsonrpc: '2.0', id: 1, result: null } as never);
  assert.equal(writes.length, 1, 'one write, synchronously');
  assert.match(writes[0]!.toString(), /^Content-Length: \d+\r\n\r\n\{"jsonrpc":"2.0","id":1,"result":null\}$/);
});

test('a stream that fails rejects the write and fires onError', async () => {
  const out = new Writable({ write: (_chunk, _enc, done) => done(new Error('EPIPE: the client went away')) });
  out.on('error', () => undefined);
  const writer = new StdoutMessageWriter(out);
  const errors: unknown[] = [];
  writer.onError((e) => errors.push(e));
  await assert.rejects(writer.write({ jsonrpc: '2.0', method: 'n' } as never), /EPIPE/);
  assert.ok(errors.length >= 1, 'the connection hears of it');
});
