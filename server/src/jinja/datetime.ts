// Python's datetime.datetime and datetime.date as Jinja values: dbt's `run_started_at` (an aware UTC datetime) and
// the dates and timestamps YAML 1.1 produces. They render, compare, and format with strftime() as Python does.
import { daysFromCivil } from '../base/civil-days';
import { JinjaError, valueError } from './errors';
import { callable, isObject, type JObject, type JValue } from './values';

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2, fill = '0'): string => String(n).padStart(width, fill);

/** Python's date.toordinal(): 0001-01-01 is day 1. */
function ordinalOf(y: number, m: number, d: number): number {
  return daysFromCivil(y, m, d) + 719163;
}

function daysInMonth(y: number, m: number): number {
  return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
}

function checkDate(y: number, m: number, d: number): void {
  if (!Number.isInteger(y) || y < 1 || y > 9999) throw valueError(`year ${y} is out of range`);
  if (!Number.isInteger(m) || m < 1 || m > 12) throw valueError('month must be in 1..12');
  if (!Number.isInteger(d) || d < 1 || d > daysInMonth(y, m)) throw valueError('day is out of range for month');
}

/** Fields shared by dates and datetimes. */
export abstract class PyDateBase implements JObject {
  readonly kind = 'object' as const;
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {
    checkDate(year, month, day);
  }
  abstract render(): string;
  abstract repr(): string;
  abstract getAttr(name: string): JValue;
  /** Microseconds since 1970-01-01 UTC (naive values count as UTC), for ordering. */
  abstract ordinalMicros(): number;

  toString(): string {
    return this.render();
  }
  get ordinal(): number {
    return ordinalOf(this.year, this.month, this.day);
  }
  /** Monday = 0. */
  get weekday(): number {
    return (this.ordinal + 6) % 7;
  }
  get dayOfYear(): number {
    return this.ordinal - ordinalOf(this.year, 1, 1) + 1;
  }
  protected dateAttr(name: string): JValue | undefined {
    switch (name) {
      case 'year':
        return this.year;
      case 'month':
        return this.month;
      case 'day':
        return this.day;
      case 'weekday':
        return callable('weekday', () => this.weekday);
      case 'isoweekday':
        return callable('isoweekday', () => this.weekday + 1);
      case 'toordinal':
        return callable('toordinal', () => this.ordinal);
      case 'strftime':
        return callable('strftime', (args) => {
          const fmt = args[0];
          if (typeof fmt !== 'string') throw new JinjaError('strftime() argument 1 must be str', 'DV012');
          return strftime(this, fmt);
        });
      case '__format__':
        return callable('__format__', (args) => (args[0] ? strftime(this, String(args[0])) : this.render()));
      default:
        return undefined;
    }
  }
}

export class PyDate extends PyDateBase {
  render(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }
  repr(): string {
    return `datetime.date(${this.year}, ${this.month}, ${this.day})`;
  }
  ordinalMicros(): number {
    return daysFromCivil(this.year, this.month, this.day) * 86400e6;
  }
  getAttr(name: string): JValue {
    const common = this.dateAttr(name);
    if (common !== undefined) return common;
    if (name === 'isoformat') return callable('isoformat', () => this.render());
    return null;
  }
  equals(other: JValue): boolean {
    return other instanceof PyDate && !(other instanceof PyDatetime) && other.ordinalMicros() === this.ordinalMicros();
  }
  compare(other: JValue): number | undefined {
    if (!(other instanceof PyDate) || other instanceof PyDatetime) return undefined;
    return this.ordinalMicros() - other.ordinalMicros();
  }
}

export class PyDatetime extends PyDateBase {
  constructor(
    year: number,
    month: number,
    day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    /** Offset from UTC in minutes, or null for a naive datetime. */
    readonly utcOffsetMinutes: number | null,
    /** pytz/UTC names its zone "UTC"; a fixed offset from YAML is named "UTC+hh:mm". */
    readonly zoneName?: string,
  ) {
    super(year, month, day);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || microsecond < 0 || microsecond > 999999) {
      throw valueError('time field out of range');
    }
  }

  private offsetText(separator: string): string {
    if (this.utcOffsetMinutes === null) return '';
    const sign = this.utcOffsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(this.utcOffsetMinutes);
    return `${sign}${pad(Math.floor(abs / 60))}${separator}${pad(abs % 60)}`;
  }
  private zone(): string {
    if (this.utcOffsetMinutes === null) return '';
    if (this.zoneName) return this.zoneName;
    return this.utcOffsetMinutes === 0 ? 'UTC' : `UTC${this.offsetText(':')}`;
  }

  isoformat(sep = 'T'): string {
    const time = `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${this.microsecond ? '.' + pad(this.microsecond, 6) : ''}`;
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}${sep}${time}${this.offsetText(':')}`;
  }
  render(): string {
    return this.isoformat(' ');
  }
  repr(): string {
    const parts = [this.year, this.month, this.day, this.hour, this.minute];
    if (this.second || this.microsecond) parts.push(this.second);
    if (this.microsecond) parts.push(this.microsecond);
    const tz = this.utcOffsetMinutes === null ? '' : this.utcOffsetMinutes === 0 ? ', tzinfo=datetime.timezone.utc' : `, tzinfo=datetime.timezone(${timedeltaRepr(this.utcOffsetMinutes * 60)})`;
    return `datetime.datetime(${parts.join(', ')}${tz})`;
  }
  ordinalMicros(): number {
    const local = daysFromCivil(this.year, this.month, this.day) * 86400e6 + ((this.hour * 60 + this.minute) * 60 + this.second) * 1e6 + this.microsecond;
    return local - (this.utcOffsetMinutes ?? 0) * 60e6;
  }
  get utcOffsetText(): string {
    return this.offsetText('');
  }
  get zoneText(): string {
    return this.zone();
  }

  getAttr(name: string): JValue {
    const common = this.dateAttr(name);
    if (common !== undefined) return common;
    switch (name) {
      case 'hour':
        return this.hour;
      case 'minute':
        return this.minute;
      case 'second':
        return this.second;
      case 'microsecond':
        return this.microsecond;
      case 'tzinfo':
        return this.utcOffsetMinutes === null ? null : tzObject(this.zone());
      case 'isoformat':
        return callable('isoformat', (args, kwargs) => this.isoformat(String(args[0] ?? kwargs.get('sep') ?? 'T')));
      case 'date':
        return callable('date', () => new PyDate(this.year, this.month, this.day));
      case 'timestamp':
        return callable('timestamp', () => this.ordinalMicros() / 1e6);
      case 'replace':
        return callable('replace', (_args, kwargs) => {
          const num = (k: string, dflt: number): number => {
            const v = kwargs.get(k);
            return typeof v === 'number' ? v : dflt;
          };
          const tz = kwargs.has('tzinfo') ? (kwargs.get('tzinfo') === null ? null : this.utcOffsetMinutes) : this.utcOffsetMinutes;
          return new PyDatetime(num('year', this.year), num('month', this.month), num('day', this.day), num('hour', this.hour), num('minute', this.minute), num('second', this.second), num('microsecond', this.microsecond), tz, this.zoneName);
        });
      default:
        return null;
    }
  }
  equals(other: JValue): boolean {
    return other instanceof PyDatetime && (other.utcOffsetMinutes === null) === (this.utcOffsetMinutes === null) && other.ordinalMicros() === this.ordinalMicros();
  }
  compare(other: JValue): number | undefined {
    if (!(other instanceof PyDatetime)) return undefined;
    if ((other.utcOffsetMinutes === null) !== (this.utcOffsetMinutes === null)) {
      throw new JinjaError("can't compare offset-naive and offset-aware datetimes", 'DV012');
    }
    return this.ordinalMicros() - other.ordinalMicros();
  }
}

/** Python's repr() of a timedelta, which normalises to non-negative seconds below a day. */
function timedeltaRepr(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86400);
  const seconds = totalSeconds - days * 86400;
  const parts = [days ? `days=${days}` : '', seconds ? `seconds=${seconds}` : ''].filter(Boolean);
  return `datetime.timedelta(${parts.join(', ')})`;
}

function tzObject(name: string): JObject {
  return { kind: 'object', getAttr: () => null, render: () => name };
}

/** dbt's run_started_at: an aware UTC datetime for a JS Date. */
export function makeDatetime(d: Date): PyDatetime {
  return new PyDatetime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds() * 1000, 0);
}

export function makeDate(year: number, month: number, day: number): PyDate {
  return new PyDate(year, month, day);
}

export function isDateValue(v: JValue): v is PyDate | PyDatetime {
  return isObject(v) && v instanceof PyDateBase;
}

/** Python's strftime with glibc's behaviour for the common directives (and the `-` no-padding flag). */
export function strftime(value: PyDateBase, fmt: string): string {
  const dt = value instanceof PyDatetime ? value : undefined;
  const hour = dt?.hour ?? 0;
  const minute = dt?.minute ?? 0;
  const second = dt?.second ?? 0;
  const weekdaySun0 = (value.weekday + 1) % 7;
  const iso = isoWeek(value);
  return fmt.replace(/%(-?)([a-zA-Z%])/g, (whole, flag: string, d: string) => {
    const num = (n: number, width: number, fill = '0'): string => (flag === '-' ? String(n) : pad(n, width, fill));
    switch (d) {
      case 'Y':
        return String(value.year);
      case 'y':
        return num(value.year % 100, 2);
      case 'm':
        return num(value.month, 2);
      case 'd':
        return num(value.day, 2);
      case 'e':
        return num(value.day, 2, ' ');
      case 'H':
        return num(hour, 2);
      case 'I':
        return num(hour % 12 || 12, 2);
      case 'M':
        return num(minute, 2);
      case 'S':
        return num(second, 2);
      case 'f':
        return pad(dt?.microsecond ?? 0, 6);
      case 'j':
        return num(value.dayOfYear, 3);
      case 'p':
        return hour < 12 ? 'AM' : 'PM';
      case 'a':
        return (DAY_NAMES[value.weekday] as string).slice(0, 3);
      case 'A':
        return DAY_NAMES[value.weekday] as string;
      case 'b':
      case 'h':
        return (MONTH_NAMES[value.month - 1] as string).slice(0, 3);
      case 'B':
        return MONTH_NAMES[value.month - 1] as string;
      case 'w':
        return String(weekdaySun0);
      case 'u':
        return String(value.weekday + 1);
      case 'U':
        return num(Math.floor((value.dayOfYear + 6 - weekdaySun0) / 7), 2);
      case 'W':
        return num(Math.floor((value.dayOfYear + 6 - value.weekday) / 7), 2);
      case 'V':
        return num(iso.week, 2);
      case 'G':
        return String(iso.year);
      case 'z':
        return dt?.utcOffsetText ?? '';
      case 'Z':
        return dt?.zoneText ?? '';
      case 'c':
        return `${(DAY_NAMES[value.weekday] as string).slice(0, 3)} ${(MONTH_NAMES[value.month - 1] as string).slice(0, 3)} ${pad(value.day, 2, ' ')} ${pad(hour)}:${pad(minute)}:${pad(second)} ${value.year}`;
      case 'x':
        return `${pad(value.month)}/${pad(value.day)}/${pad(value.year % 100)}`;
      case 'X':
      case 'T':
        return `${pad(hour)}:${pad(minute)}:${pad(second)}`;
      case 'D':
        return `${pad(value.month)}/${pad(value.day)}/${pad(value.year % 100)}`;
      case 'F':
        return `${value.year}-${pad(value.month)}-${pad(value.day)}`;
      case 'R':
        return `${pad(hour)}:${pad(minute)}`;
      case 's':
        return String(Math.floor(value.ordinalMicros() / 1e6));
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}

function isoWeek(value: PyDateBase): { year: number; week: number } {
  const ordinal = value.ordinal;
  const weekStart = (y: number): number => {
    const jan4 = ordinalOf(y, 1, 4);
    return jan4 - ((jan4 + 6) % 7);
  };
  let year = value.year;
  if (ordinal >= weekStart(year + 1)) year++;
  else if (ordinal < weekStart(year)) year--;
  return { year, week: Math.floor((ordinal - weekStart(year)) / 7) + 1 };
}

/** Parses ISO 8601 (`2024-01-02T03:04:05.123456+02:00`; no offset means UTC) into an aware UTC datetime, keeping microseconds. */
export function datetimeFromIso(text: string): PyDatetime | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '', tz] = m;
  const local = new PyDatetime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(6, '0')), 0);
  let offset = 0;
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  const utcMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - offset * 60000;
  const u = new Date(utcMs);
  return new PyDatetime(u.getUTCFullYear(), u.getUTCMonth() + 1, u.getUTCDate(), u.getUTCHours(), u.getUTCMinutes(), u.getUTCSeconds(), local.microsecond, 0);
}
