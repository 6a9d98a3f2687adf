import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSecretScrubber, isSecretName, REDACTED, scrubbingWriter } from '../../server/src/cloud/secrets';

test('every known secret is replaced, also JSON-escaped and URL-encoded, longest first', () => {
  const scrubber = createSecretScrubber(['pa"ss w0rd', undefined, '', 'ab']);
  scrubber.add('token-123', 'token-123456');
  const text = 'pw=pa"ss w0rd json="pa\\"ss w0rd" url=postgres://u:pa%22ss%20w0rd@h t=token-123456 u=token-123 short=ab';
  assert.equal(
    scrubber.scrub(text),
    `pw=${REDACTED} json="${REDACTED}" url=postgres://u:${REDACTED}@h t=${REDACTED} u=${REDACTED} short=ab`,
  );
  assert.equal(scrubber.reveals(text), true);
  assert.equal(scrubber.reveals(scrubber.scrub(text)), false);
});

test('a secret split across chunks never reaches the writer, and nothing else is lost', () => {
  const secret = 'S3cr3t-Pa55';
  const scrubber = createSecretScrubber([secret]);
  let out = '';
  const writer = scrubbingWriter(scrubber, (text) => (out += text));
  for (const chunk of ['password: S3c', 'r3t-P', 'a55 and ', 'S', '3cr3t-Pa55', ' end S3', 'cold']) {
    writer.write(chunk);
    assert.equal(out.includes(secret), false);
  }
  writer.flush();
  assert.equal(out, `password: ${REDACTED} and ${REDACTED} end S3cold`);
});

test('any chunking of any text hides every secret and keeps the rest (property)', () => {
  const secrets = ['hunter2-long', 'tok_ABCDEF', 'x%y&z'];
  const scrubber = createSecretScrubber(secrets);
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...secrets), fc.string({ maxLength: 8 })), { maxLength: 12 }),
      fc.array(fc.nat({ max: 20 }), { maxLength: 30 }),
      (parts, cuts) => {
        const text = parts.join('');
        let out = '';
        const writer = scrubbingWriter(scrubber, (t) => (out += t));
        let at = 0;
        for (const cut of cuts) {
          writer.write(text.slice(at, at + cut));
          at += cut;
        }
        writer.write(text.slice(at));
        writer.flush();
        assert.equal(scrubber.reveals(out), false, out);
        assert.equal(out, scrubber.scrub(text));
      },
    ),
    { numRuns: 300 },
  );
});

test('secret-looking variable names', () => {
  for (const name of ['TF_VAR_postgresql_password', 'YC_TOKEN', 'AIRBYTE_CLIENT_SECRET', 'DBT_ENV_SECRET_CLOUD_PASSWORD', 'AWS_SECRET_ACCESS_KEY']) {
    assert.equal(isSecretName(name), true, name);
  }
  for (const name of ['YC_SERVICE_ACCOUNT_KEY_FILE', 'TF_VAR_folder_id', 'PATH', 'DBT_CLOUD_HOST']) assert.equal(isSecretName(name), false, name);
});
