import { Anchor, Code, List, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * Renders the project's own guides (docs/idp/*.md, bundled at build time) in the console, so the
 * guide an admin reads is the one of the running version. It knows the Markdown those guides
 * use: headings, paragraphs, lists, fenced code, tables, **bold**, `code` and links. Links to
 * other files of the repository are shown as text.
 */
export function Markdown({ source }: { source: string }) {
  return <>{blocks(source.replace(/\r\n/g, '\n').split('\n'), 'b')}</>;
}

const LIST_ITEM = /^(\s*)([-*]|\d+\.)\s+(.*)$/;
const FENCE = /^(\s*)```/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function dedent(lines: string[], by: number): string[] {
  return lines.map((line) => line.slice(Math.min(by, indentOf(line))));
}

function startsBlock(line: string): boolean {
  return /^#{1,6}\s/.test(line) || FENCE.test(line) || /^\s*\|/.test(line) || LIST_ITEM.test(line);
}

function blocks(lines: string[], key: string): ReactNode[] {
  const out: ReactNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const k = `${key}-${i}`;
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const indent = fence[1]?.length ?? 0;
      const body: string[] = [];
      i++;
      while (i < lines.length && !FENCE.test(lines[i] ?? '')) body.push(lines[i++] ?? '');
      i++;
      out.push(
        <Code key={k} block my="sm" fz="xs" tabIndex={0}>
          {dedent(body, indent).join('\n')}
        </Code>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, (heading[1]?.length ?? 1) + 1) as 2 | 3 | 4 | 5 | 6;
      out.push(
        <Title
          key={k}
          order={level}
          fz={level <= 2 ? 'xl' : level === 3 ? 'lg' : 'md'}
          mt="lg"
          mb="xs"
        >
          {inline(heading[2] ?? '', k)}
        </Title>,
      );
      i++;
      continue;
    }
    if (/^\s*\|/.test(line)) {
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i] ?? '')) rows.push(cells(lines[i++] ?? ''));
      const [head, , ...body] = rows;
      out.push(
        <Table.ScrollContainer key={k} minWidth={500} my="sm">
          <Table withTableBorder withColumnBorders fz="sm" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                {(head ?? []).map((cell, c) => (
                  <Table.Th key={c}>{inline(cell, `${k}-h${c}`)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {body.map((row, r) => (
                <Table.Tr key={r}>
                  {row.map((cell, c) => (
                    <Table.Td key={c}>{inline(cell, `${k}-${r}-${c}`)}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>,
      );
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const indent = item[1]?.length ?? 0;
      const ordered = /\d/.test(item[2] ?? '');
      const items: ReactNode[] = [];
      while (i < lines.length) {
        const current = LIST_ITEM.exec(lines[i] ?? '');
        if (
          !current ||
          (current[1]?.length ?? 0) !== indent ||
          /\d/.test(current[2] ?? '') !== ordered
        )
          break;
        const contentIndent = indent + (current[2]?.length ?? 1) + 1;
        const content = [current[3] ?? ''];
        i++;
        // The item goes on while lines are indented under it (blank lines between them included).
        while (i < lines.length) {
          const next = lines[i] ?? '';
          if (!next.trim()) {
            const following = lines.slice(i + 1).find((candidate) => candidate.trim());
            if (following !== undefined && indentOf(following) >= contentIndent) {
              content.push('');
              i++;
              continue;
            }
            break;
          }
          if (indentOf(next) < contentIndent && (LIST_ITEM.test(next) || startsBlock(next))) break;
          if (indentOf(next) <= indent && !content[content.length - 1]) break;
          content.push(next);
          i++;
        }
        const [first = '', ...rest] = content;
        const restLines = dedent(rest, contentIndent);
        items.push(
          <List.Item key={`${k}-${items.length}`}>
            {restLines.some((restLine) => restLine.trim()) ? (
              <>
                <Text size="sm" span>
                  {inline(
                    [first, ...restLines.slice(0, firstBlankOrBlock(restLines))].join(' '),
                    `${k}-${items.length}`,
                  )}
                </Text>
                {blocks(restLines.slice(firstBlankOrBlock(restLines)), `${k}-${items.length}`)}
              </>
            ) : (
              <Text size="sm" span>
                {inline(first, `${k}-${items.length}`)}
              </Text>
            )}
          </List.Item>,
        );
      }
      out.push(
        <List
          key={k}
          type={ordered ? 'ordered' : 'unordered'}
          size="sm"
          spacing={4}
          my="xs"
          withPadding
        >
          {items}
        </List>,
      );
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() && !startsBlock(lines[i] ?? '')) {
      paragraph.push((lines[i++] ?? '').trim());
    }
    out.push(
      <Text key={k} size="sm" my="xs">
        {inline(paragraph.join(' '), k)}
      </Text>,
    );
  }
  return out;
}

function firstBlankOrBlock(lines: string[]): number {
  const index = lines.findIndex((line) => !line.trim() || startsBlock(line));
  return index === -1 ? lines.length : index;
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

const INLINE = /(\*\*.+?\*\*|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/g;

function inline(text: string, key: string): ReactNode[] {
  return text.split(INLINE).map((part, index) => {
    const k = `${key}-i${index}`;
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) {
      return <b key={k}>{inline(part.slice(2, -2), k)}</b>;
    }
    if (part.startsWith('`') && part.endsWith('`') && part.length > 2) {
      return <Code key={k}>{part.slice(1, -1)}</Code>;
    }
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
    if (link) {
      const [, label = '', href = ''] = link;
      if (/^https?:\/\//.test(href)) {
        return (
          <Anchor key={k} href={href} target="_blank" rel="noreferrer" size="sm" underline="always">
            {inline(label, k)}
          </Anchor>
        );
      }
      return <span key={k}>{inline(label, k)}</span>;
    }
    return part;
  });
}
