/**
 * crontab(): huey's truth tables over January 2011, its AND semantics, UTC
 * and local fields, and every way to get a field wrong.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigurationError, crontab, type CrontabFields } from 'huey';
import { runNode } from './helpers.js';

/** The days of January 2011 whose UTC midnight matches `fields`. */
const daysOfJanuary2011 = (fields: CrontabFields): number[] => {
  const accepts = crontab(fields);
  const days: number[] = [];
  for (let day = 1; day <= 31; day++) if (accepts(new Date(Date.UTC(2011, 0, day)))) days.push(day);
  return days;
};

const range = (from: number, to: number, step = 1): number[] => {
  const out: number[] = [];
  for (let n = from; n <= to; n += step) out.push(n);
  return out;
};

describe('crontab() truth tables (huey, January 2011)', () => {
  test("day '*/6,1,4,8-9' matches exactly 1, 4, 7, 8, 9, 13, 19, 25, 31", () => {
    assert.deepEqual(daysOfJanuary2011({ day: '*/6,1,4,8-9' }), [1, 4, 7, 8, 9, 13, 19, 25, 31]);
  });

  test("dayOfWeek '0,2' (Sunday and Tuesday) matches 2, 4, 9, 11, 16, 18, 23, 25, 30", () => {
    assert.deepEqual(daysOfJanuary2011({ dayOfWeek: '0,2' }), [2, 4, 9, 11, 16, 18, 23, 25, 30]);
  });

  test("dayOfWeek '*' and no fields at all match every day", () => {
    assert.deepEqual(daysOfJanuary2011({ dayOfWeek: '*' }), range(1, 31));
    assert.deepEqual(daysOfJanuary2011({}), range(1, 31));
  });

  test("minute '*/15,5-7,59' matches 0, 5, 6, 7, 15, 30, 45, 59 of an hour", () => {
    const accepts = crontab({ minute: '*/15,5-7,59' });
    const minutes = range(0, 59).filter((m) => accepts(new Date(Date.UTC(2011, 0, 1, 12, m))));
    assert.deepEqual(minutes, [0, 5, 6, 7, 15, 30, 45, 59]);
  });

  test('any second of a matching minute matches', () => {
    const accepts = crontab({ minute: '5' });
    assert.equal(accepts(new Date(Date.UTC(2011, 0, 1, 12, 5, 0, 0))), true);
    assert.equal(accepts(new Date(Date.UTC(2011, 0, 1, 12, 5, 59, 999))), true);
    assert.equal(accepts(new Date(Date.UTC(2011, 0, 1, 12, 6, 0, 0))), false);
  });

  test("hour '*/3' matches 0, 3, ..., 21 and hour '8-10,23' matches 8, 9, 10, 23", () => {
    const hours = (fields: CrontabFields): number[] => range(0, 23).filter((h) => crontab(fields)(new Date(Date.UTC(2011, 0, 1, h, 30))));
    assert.deepEqual(hours({ hour: '*/3' }), range(0, 21, 3));
    assert.deepEqual(hours({ hour: '8-10,23' }), [8, 9, 10, 23]);
  });

  test("month '*/4' matches January, May and September; month '12' only December", () => {
    const months = (fields: CrontabFields): number[] => range(1, 12).filter((m) => crontab(fields)(new Date(Date.UTC(2011, m - 1, 15))));
    assert.deepEqual(months({ month: '*/4' }), [1, 5, 9]);
    assert.deepEqual(months({ month: '12' }), [12]);
  });

  test('numbers are accepted as well as strings', () => {
    assert.deepEqual(daysOfJanuary2011({ day: 9 }), [9]);
    assert.deepEqual(daysOfJanuary2011({ dayOfWeek: 0 }), [2, 9, 16, 23, 30]);
  });

  test('every given field must match (huey AND, not cron OR): day 1 and Saturday match 1 January 2011 only', () => {
    assert.deepEqual(daysOfJanuary2011({ day: '1', dayOfWeek: '6' }), [1]);
    assert.deepEqual(daysOfJanuary2011({ day: '2', dayOfWeek: '6' }), []);
  });

  test('every field together: 9:30 on weekdays of January', () => {
    const accepts = crontab({ month: '1', dayOfWeek: '1-5', hour: '9', minute: '30' });
    assert.equal(accepts(new Date(Date.UTC(2011, 0, 3, 9, 30))), true); // a Monday
    assert.equal(accepts(new Date(Date.UTC(2011, 0, 2, 9, 30))), false); // a Sunday
    assert.equal(accepts(new Date(Date.UTC(2011, 0, 3, 9, 31))), false);
    assert.equal(accepts(new Date(Date.UTC(2011, 1, 1, 9, 30))), false); // February
  });
});

describe('crontab() reads UTC fields unless utc is false', () => {
  test('by default and with utc: true the UTC hour counts', () => {
    const accepts = crontab({ hour: '9', minute: '0' });
    const nineUtc = new Date(Date.UTC(2011, 0, 1, 9, 0));
    assert.equal(accepts(nineUtc), true);
    assert.equal(accepts(nineUtc, { utc: true }), true);
  });

  test('with utc: false the local fields count (compared against the local getters)', () => {
    const accepts = crontab({ hour: '9', minute: '0' });
    for (let h = 0; h < 24; h++) {
      const date = new Date(Date.UTC(2011, 0, 1, h, 0));
      assert.equal(accepts(date, { utc: false }), date.getHours() === 9 && date.getMinutes() === 0);
    }
  });

  test('in a fixed zone (TZ=Asia/Kolkata, UTC+5:30) local 9:00 is 3:30 UTC', async () => {
    const script = `
      import { crontab } from 'huey';
      const accepts = crontab({ hour: '9', minute: '0' });
      const d = new Date(Date.UTC(2011, 0, 1, 3, 30));
      console.log(JSON.stringify([accepts(d, { utc: false }), accepts(d), accepts(new Date(Date.UTC(2011, 0, 1, 9, 0)), { utc: false })]));
    `;
    const run = await runNode(['--input-type=module', '-e', script], { env: { ...process.env, TZ: 'Asia/Kolkata' } });
    assert.equal(run.stderr, '');
    assert.deepEqual(JSON.parse(run.stdout), [true, false, false]);
  });

  test('the day of the week follows the zone too: Saturday 23:00 UTC is Sunday in Tokyo', async () => {
    const script = `
      import { crontab } from 'huey';
      const sunday = crontab({ dayOfWeek: '0' });
      const d = new Date(Date.UTC(2011, 0, 1, 23, 0));
      console.log(JSON.stringify([sunday(d), sunday(d, { utc: false })]));
    `;
    const run = await runNode(['--input-type=module', '-e', script], { env: { ...process.env, TZ: 'Asia/Tokyo' } });
    assert.deepEqual(JSON.parse(run.stdout), [false, true]);
  });
});

describe('crontab() rejects bad input with ConfigurationError naming the field and value', () => {
  const cases: [string, CrontabFields, RegExp][] = [
    ['a minute out of range', { minute: '60' }, /minute "60".*60 is out of range.*0-59/],
    ['an hour out of range', { hour: 24 }, /hour 24.*out of range.*0-23/],
    ['day 0', { day: '0' }, /day "0".*out of range.*1-31/],
    ['day 32', { day: '32' }, /day "32"/],
    ['month 13', { month: '13' }, /month "13".*1-12/],
    ['month 0', { month: 0 }, /month 0/],
    ['day of week 7', { dayOfWeek: '7' }, /dayOfWeek "7".*0-6/],
    ['a range reaching out of range', { minute: '50-70' }, /minute "50-70".*70 is out of range/],
    ['*/0', { minute: '*/0' }, /minute "\*\/0"/],
    ['a negative number', { hour: -1 }, /hour -1/],
    ['a fraction', { minute: 1.5 }, /minute 1\.5/],
    ['NaN', { minute: NaN }, /minute null|minute NaN/],
    ['garbage', { hour: 'noon' }, /hour "noon".*"noon" is not a number/],
    ['an empty string', { day: '' }, /day ""/],
    ['an empty list item', { day: '1,,2' }, /day "1,,2"/],
    ['a step on a range (not huey syntax)', { minute: '0-30/5' }, /minute "0-30\/5"/],
    ['a backwards range', { hour: '10-8' }, /hour "10-8".*runs backwards/],
    ['a value that is neither string nor number', { minute: [5] as unknown as string }, /minute \[5\]/],
  ];
  for (const [what, fields, pattern] of cases) {
    test(`${what} is refused`, () => {
      assert.throws(() => crontab(fields), (error: unknown) => {
        assert.ok(error instanceof ConfigurationError, `got ${String(error)}`);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }

  test('an unknown field is refused, naming it (`days` for `day`, `day_of_week` for `dayOfWeek`)', () => {
    for (const field of ['days', 'day_of_week', 'second']) {
      assert.throws(() => crontab({ [field]: '1' } as CrontabFields), (error: unknown) => error instanceof ConfigurationError && error.message.includes(`\`${field}\``));
    }
  });

  test('fields that are not an object are refused', () => {
    assert.throws(() => crontab(null as unknown as CrontabFields), ConfigurationError);
    assert.throws(() => crontab('*/5' as unknown as CrontabFields), ConfigurationError);
  });

  test('an invalid Date matches nothing', () => {
    assert.equal(crontab()(new Date(NaN)), false);
  });
});
