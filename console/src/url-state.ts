import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * A page's state in the URL's query (search, filters, sort, page), so that what an admin sees
 * can be linked to and survives a reload. Changing anything but the page goes back to page 1.
 * Each change is a step of the browser's history (Back returns to the previous page, filter or
 * order), but the search text: it changes as the admin types, so it replaces the current step.
 */
export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const get = useCallback((key: string, fallback = '') => params.get(key) ?? fallback, [params]);
  const set = useCallback(
    (changes: Record<string, string | number | null | undefined>) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === undefined || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          if (!('page' in changes)) next.delete('page');
          return next;
        },
        { replace: Object.keys(changes).every((key) => key === 'q') },
      );
    },
    [setParams],
  );
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  return { get, set, page };
}
