import { Group, Pagination, Select, Skeleton, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import type { CSSProperties, ReactNode } from 'react';

export type SortOrder = 'asc' | 'desc';

/** A column header that sorts the table; `aria-sort` tells assistive technology the order. */
export function SortableTh({
  field,
  sort,
  order,
  onSort,
  children,
  style,
}: {
  field: string;
  sort: string;
  order: SortOrder;
  onSort: (field: string, order: SortOrder) => void;
  children: ReactNode;
  style?: CSSProperties;
}) {
  const active = sort === field;
  const Icon = active ? (order === 'asc' ? IconArrowUp : IconArrowDown) : IconArrowsSort;
  return (
    <Table.Th
      style={style}
      aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <UnstyledButton
        onClick={() => onSort(field, active && order === 'asc' ? 'desc' : 'asc')}
        fw={600}
        fz="sm"
        style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}
      >
        {children}
        <Icon size={14} aria-hidden style={{ opacity: active ? 1 : 0.45 }} />
      </UnstyledButton>
    </Table.Th>
  );
}

/** Placeholder rows the height of real ones, so a table does not jump when its data arrives. */
export function SkeletonRows({ columns, rows = 8 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, row) => (
        <Table.Tr key={row} aria-hidden>
          {Array.from({ length: columns }, (_, column) => (
            <Table.Td key={column}>
              <Skeleton height={12} my={6} width={column === 0 ? '70%' : '55%'} radius="sm" />
            </Table.Td>
          ))}
        </Table.Tr>
      ))}
    </>
  );
}

/** One full-width row for an empty table or an error. */
export function TableMessageRow({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Td colSpan={columns} style={{ whiteSpace: 'normal' }}>
        {children}
      </Table.Td>
    </Table.Tr>
  );
}

export const PAGE_SIZES = ['25', '50', '100', '200'];

/** "1–50 of 1,234", page size, and pages: server-side pagination under a table. */
export function TablePager({
  total,
  page,
  pageSize,
  onPage,
  onPageSize,
  noun,
}: {
  total: number | undefined;
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
  onPageSize?: (size: number) => void;
  noun: string;
}) {
  const pages = total === undefined ? 1 : Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 || total === undefined ? 0 : (page - 1) * pageSize + 1;
  const last = total === undefined ? 0 : Math.min(total, page * pageSize);
  const format = new Intl.NumberFormat();
  // An empty table says why above: no pager under it.
  if (total === 0) return null;
  return (
    <Group justify="space-between" mt="md" gap="md" wrap="nowrap">
      <Text size="sm" c="dimmed" aria-live="polite">
        {total === undefined
          ? '\u00a0'
          : `${format.format(first)}–${format.format(last)} of ${format.format(total)} ${noun}`}
      </Text>
      <Group gap="md" wrap="nowrap">
        {onPageSize && (
          <Group gap={8} wrap="nowrap">
            <Text size="sm" c="dimmed" component="label" htmlFor="gh-page-size">
              Rows per page
            </Text>
            <Select
              id="gh-page-size"
              size="xs"
              w={78}
              data={PAGE_SIZES}
              value={String(pageSize)}
              allowDeselect={false}
              onChange={(value) => value && onPageSize(Number(value))}
            />
          </Group>
        )}
        <Pagination
          total={pages}
          value={Math.min(page, pages)}
          onChange={onPage}
          size="sm"
          siblings={1}
          boundaries={1}
          aria-label={`Pages of ${noun}`}
          getItemProps={(item) => ({ 'aria-label': `Page ${item}` })}
          getControlProps={(control) => ({
            'aria-label': {
              first: 'First page',
              previous: 'Previous page',
              next: 'Next page',
              last: 'Last page',
            }[control],
          })}
        />
      </Group>
    </Group>
  );
}
