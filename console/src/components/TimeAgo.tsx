import { Text, Tooltip } from '@mantine/core';
import type { MantineSize } from '@mantine/core';

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

export function formatRelative(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 10) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return absolute.format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return absolute.format(new Date(iso));
}

/** "3 minutes ago", with the exact time on hover and in the `<time>` element. */
export function TimeAgo({
  value,
  never = 'Never',
  size = 'sm',
}: {
  value: string | null | undefined;
  never?: string;
  size?: MantineSize;
}) {
  if (!value) {
    return (
      <Text size={size} c="dimmed" span>
        {never}
      </Text>
    );
  }
  return (
    <Tooltip label={formatDateTime(value)}>
      <Text size={size} span component="time" dateTime={value}>
        {formatRelative(value)}
      </Text>
    </Tooltip>
  );
}
