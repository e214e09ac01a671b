/**
 * The UTC instant (ms, whole seconds) of a wall-clock time in an IANA timezone, through Intl: the
 * zone's offset at a first guess, then at the corrected instant (twice, which settles DST edges;
 * a time that falls in a spring-forward gap is read with the offset before it).
 */
export function zonedToUtc(
  [year, month, day, hour, minute, second]: [number, number, number, number, number, number],
  timezone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (timezone === 'UTC') return wall;
  let utc = wall - offsetAt(wall, timezone);
  utc = wall - offsetAt(utc, timezone);
  return utc;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `instant`, in ms (Europe/Berlin in summer: +7,200,000). */
function offsetAt(instant: number, timezone: string): number {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}
