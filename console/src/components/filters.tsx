import { CloseButton, Loader, SegmentedControl, Select, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';

/** A search box that updates the URL a moment after typing stops. */
export function SearchInput({
  value,
  onSearch,
  label,
  placeholder,
  loading = false,
  width = 320,
}: {
  value: string;
  onSearch: (value: string) => void;
  label: string;
  placeholder: string;
  loading?: boolean;
  width?: number;
}) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  // The URL changed from elsewhere (back button, a link): show its search.
  if (value !== seen) {
    setSeen(value);
    setText(value);
  }
  const debounced = useDebouncedCallback((next: string) => onSearch(next.trim()), 300);
  return (
    <TextInput
      aria-label={label}
      placeholder={placeholder}
      type="search"
      w={width}
      value={text}
      leftSection={<IconSearch size={16} aria-hidden />}
      rightSection={
        loading ? (
          <Loader size={14} aria-label="Searching" />
        ) : text ? (
          <CloseButton
            size="sm"
            aria-label="Clear the search"
            onClick={() => {
              setText('');
              debounced.cancel();
              onSearch('');
            }}
          />
        ) : null
      }
      onChange={(event) => {
        setText(event.currentTarget.value);
        debounced(event.currentTarget.value);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') debounced.flush();
      }}
    />
  );
}

export function OriginFilter({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <SegmentedControl
      aria-label="Origin"
      value={value || 'all'}
      onChange={(next) => onChange(next === 'all' ? '' : next)}
      data={[
        { value: 'all', label: 'All origins' },
        { value: 'IDP', label: 'IDP' },
        { value: 'LOCAL', label: 'LOCAL' },
      ]}
    />
  );
}

/** The SCIM connections, to filter by the one that provisioned a record. */
export function ConnectionFilter({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) {
  const connections = useQuery({
    queryKey: ['connections'],
    queryFn: ({ signal }) => api.connections.list(signal),
    staleTime: 60_000,
  });
  return (
    <Select
      aria-label="Connection"
      placeholder="All connections"
      w={200}
      clearable
      data={(connections.data?.items ?? []).map((connection) => ({
        value: connection.id,
        label: connection.name,
      }))}
      value={value || null}
      onChange={(next) => onChange(next ?? '')}
      nothingFoundMessage="No SCIM connections"
    />
  );
}
