// Datetimes as dbt's Jinja sees them: run_started_at (aware UTC) and YAML dates. Expected strings are Python's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyDatetime, datetimeFromIso, makeDate, makeDatetime, strftime } from '../../server/src/jinja/datetime';
import { renderTemplate } from '../../server/src/jinja/index';
import { reprValue } from '../../server/src/jinja/values';

const FORMAT = '%Y|%m|%d|%H|%M|%S|%f|%j|%y|%b|%B|%a|%A|%p|%z|%Z|%%|%I|%w|%u|%U|%W|%V|%G|%e|%-d|%-m|%c|%x|%X|%F|%T|%D|%R|%h';

test('run_started_at renders like an aware UTC datetime', () => {
  const d = new PyDatetime(2024, 3, 5, 14, 7, 9, 123456, 0);
  assert.equal(d.render(), '2024-03-05 14:07:09.123456+00:00');
  assert.equal(renderTemplate('{{ t.isoformat() }}', { t: d }), '2024-03-05T14:07:09.123456+00:00');
  assert.equal(reprValue(d), 'datetime.datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=datetime.timezone.utc)');
  // Python leaves out the fraction when the microseconds are zero.
  assert.equal(makeDatetime(new Date('2021-01-01T00:00:00Z')).render(), '2021-01-01 00:00:00+00:00');
  assert.equal(makeDatetime(new Date('2021-01-01T00:00:00.250Z')).render(), '2021-01-01 00:00:00.250000+00:00');
});

test('strftime directives match Python', () => {
  assert.equal(
    strftime(new PyDatetime(2024, 3, 5, 14, 7, 9, 123456, 0), FORMAT),
    '2024|03|05|14|07|09|123456|065|24|Mar|March|Tue|Tuesday|PM|+0000|UTC|%|02|2|2|09|10|10|2024| 5|5|3|Tue Mar  5 14:07:09 2024|03/05/24|14:07:09|2024-03-05|14:07:09|03/05/24|14:07|Mar',
  );
  assert.equal(
    strftime(makeDatetime(new Date('2021-01-01T00:00:00Z')), FORMAT),
    '2021|01|01|00|00|00|000000|001|21|Jan|January|Fri|Friday|AM|+0000|UTC|%|12|5|5|00|00|53|2020| 1|1|1|Fri Jan  1 00:00:00 2021|01/01/21|00:00:00|2021-01-01|00:00:00|01/01/21|00:00|Jan',
  );
  // A naive datetime (YAML without an offset) has empty %z and %Z.
  assert.equal(
    strftime(new PyDatetime(2020, 12, 31, 23, 59, 59, 1, null), FORMAT),
    '2020|12|31|23|59|59|000001|366|20|Dec|December|Thu|Thursday|PM|||%|11|4|4|52|52|53|2020|31|31|12|Thu Dec 31 23:59:59 2020|12/31/20|23:59:59|2020-12-31|23:59:59|12/31/20|23:59|Dec',
  );
  assert.equal(strftime(makeDate(2019, 12, 30), '%G-%V %U %W %j %a'), '2020-01 52 52 364 Mon');
});

test('strftime from a template, as in YAML metadata', () => {
  const t = makeDatetime(new Date('2024-03-05T14:07:09.123Z'));
  assert.equal(renderTemplate(`LOAD_DATE: ('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}')::TIMESTAMP`, { run_started_at: t }), "LOAD_DATE: ('2024-03-05 14:07:09')::TIMESTAMP");
  assert.equal(renderTemplate('{{ t }}|{{ t.year }}-{{ t.month }}-{{ t.day }} {{ t.hour }}:{{ t.minute }}:{{ t.second }}.{{ t.microsecond }}|{{ t.date() }}', { t }), '2024-03-05 14:07:09.123000+00:00|2024-3-5 14:7:9.123000|2024-03-05');
  assert.equal(renderTemplate('{{ t.tzinfo }} {{ t.weekday() }} {{ t.isoweekday() }}', { t }), 'UTC 1 2');
});

test('dates compare and order like Python', () => {
  assert.equal(renderTemplate('{{ a < b }} {{ a == c }} {{ a != b }} {{ [b, a] | sort | join(",") }}', { a: makeDate(2020, 1, 1), b: makeDate(2020, 1, 2), c: makeDate(2020, 1, 1) }), 'True True True 2020-01-01,2020-01-02');
  assert.throws(() => renderTemplate('{{ a < b }}', { a: new PyDatetime(2020, 1, 1, 0, 0, 0, 0, null), b: new PyDatetime(2020, 1, 1, 0, 0, 0, 0, 0) }), /offset-naive and offset-aware/);
});

test('datetimeFromIso reads --run-started-at values (no offset = UTC) into UTC', () => {
  assert.equal(datetimeFromIso('2024-01-02T03:04:05')?.render(), '2024-01-02 03:04:05+00:00');
  assert.equal(datetimeFromIso('2024-01-02T03:04:05.123456+02:00')?.render(), '2024-01-02 01:04:05.123456+00:00');
  assert.equal(datetimeFromIso('2024-01-02 03:04Z')?.render(), '2024-01-02 03:04:00+00:00');
  assert.equal(datetimeFromIso('yesterday'), undefined);
});

test('invalid dates are refused as Python refuses them', () => {
  assert.throws(() => makeDate(2021, 2, 29), /day is out of range/);
  assert.throws(() => makeDate(2020, 13, 1), /month must be in 1\.\.12/);
  assert.equal(makeDate(2020, 2, 29).render(), '2020-02-29');
  assert.equal(makeDate(1, 1, 1).render(), '0001-01-01');
});
