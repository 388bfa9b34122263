/**
 * The console's only way to the admin API (docs/admin-api.md): same-origin cookies, the CSRF
 * header on every write, and error bodies turned into thrown `ApiError`s that carry the API's
 * own words. A 401 on any request but the sign-in ones sends the browser to /signin.
 */
import type {
  ApiKey,
  Connection,
  ConnectionSettings,
  Connections,
  EventPage,
  Group,
  LogEntryDetail,
  LogPage,
  Member,
  Overview,
  Page,
  Role,
  Session,
  User,
  UserDetail,
} from './types';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** The sign-in and setup calls answer 401 as part of their job: no redirect for them. */
  readonly redirectOn401?: boolean;
}

let csrfToken: string | undefined;
let onUnauthorized: () => void = () => {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/signin?next=${encodeURIComponent(next)}`);
};

/** Keeps the CSRF token of the current session for the writes that follow. */
export function rememberSession(session: Session | undefined): void {
  csrfToken = session?.csrfToken;
}

/** What to do when the session has ended (the app navigates to /signin without a reload). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(
      'Could not reach the Gatehouse server. Check that it is running and try again.',
      0,
      'network',
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;

  const error = (body as { error?: { code?: string; message?: string; details?: unknown } })?.error;
  const apiError = new ApiError(
    error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
    response.status,
    error?.code ?? 'http_error',
    (error?.details as Record<string, unknown> | undefined) ?? undefined,
  );
  if (response.status === 401 && options.redirectOn401 !== false) {
    csrfToken = undefined;
    onUnauthorized();
  }
  throw apiError;
}

/** The validation message of one field, when the API named it in `details.fields`. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const fields = error.details?.fields;
  if (fields && typeof fields === 'object' && field in fields) {
    const value = (fields as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

export interface UserListParams {
  search?: string;
  origin?: string;
  status?: string;
  connection?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface UserInput {
  userName?: string;
  displayName?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  email?: string | null;
  active?: boolean;
  password?: string;
}

export interface GroupListParams {
  search?: string;
  origin?: string;
  connection?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface LogParams {
  connection?: string;
  failed?: boolean;
  resource?: string;
  before?: string;
  limit?: number;
}

export interface EventParams {
  after?: number;
  before?: number;
  resource?: string;
  order?: 'asc' | 'desc';
  limit?: number;
}

export const api = {
  session: {
    get: (signal?: AbortSignal) =>
      request<Session>('GET', '/session', { signal, redirectOn401: false }),
    signIn: (userName: string, password: string) =>
      request<Session>('POST', '/session', {
        body: { userName, password },
        redirectOn401: false,
      }),
    signOut: () => request<void>('DELETE', '/session', { redirectOn401: false }),
  },
  setup: {
    status: (signal?: AbortSignal) =>
      request<{ needed: boolean }>('GET', '/setup', { signal, redirectOn401: false }),
    complete: (input: {
      token: string;
      userName: string;
      password: string;
      displayName?: string;
    }) => request<Session>('POST', '/setup', { body: input, redirectOn401: false }),
  },
  overview: (signal?: AbortSignal) => request<Overview>('GET', '/overview', { signal }),
  users: {
    list: (params: UserListParams, signal?: AbortSignal) =>
      request<Page<User>>('GET', '/users', { query: { ...params }, signal }),
    get: (id: string, signal?: AbortSignal) =>
      request<UserDetail>('GET', `/users/${encodeURIComponent(id)}`, { signal }),
    create: (input: UserInput) => request<User>('POST', '/users', { body: input }),
    update: (id: string, input: UserInput) =>
      request<User>('PATCH', `/users/${encodeURIComponent(id)}`, { body: input }),
    delete: (id: string) => request<void>('DELETE', `/users/${encodeURIComponent(id)}`),
    setPassword: (id: string, password: string) =>
      request<void>('PUT', `/users/${encodeURIComponent(id)}/password`, { body: { password } }),
    setRole: (id: string, role: Role | null) =>
      request<User>('PUT', `/users/${encodeURIComponent(id)}/role`, { body: { role } }),
    events: (id: string, limit: number, signal?: AbortSignal) =>
      request<Pick<EventPage, 'items'>>('GET', `/users/${encodeURIComponent(id)}/events`, {
        query: { limit },
        signal,
      }),
  },
  groups: {
    list: (params: GroupListParams, signal?: AbortSignal) =>
      request<Page<Group>>('GET', '/groups', { query: { ...params }, signal }),
    get: (id: string, signal?: AbortSignal) =>
      request<Group>('GET', `/groups/${encodeURIComponent(id)}`, { signal }),
    members: (
      id: string,
      params: { search?: string; limit: number; offset: number },
      signal?: AbortSignal,
    ) =>
      request<Page<Member>>('GET', `/groups/${encodeURIComponent(id)}/members`, {
        query: { ...params },
        signal,
      }),
    create: (displayName: string) => request<Group>('POST', '/groups', { body: { displayName } }),
    rename: (id: string, displayName: string) =>
      request<Group>('PATCH', `/groups/${encodeURIComponent(id)}`, { body: { displayName } }),
    delete: (id: string) => request<void>('DELETE', `/groups/${encodeURIComponent(id)}`),
    addMember: (id: string, memberId: string) =>
      request<{ memberId: string }>('POST', `/groups/${encodeURIComponent(id)}/members`, {
        body: { memberId },
      }),
    removeMember: (id: string, memberId: string) =>
      request<void>(
        'DELETE',
        `/groups/${encodeURIComponent(id)}/members/${encodeURIComponent(memberId)}`,
      ),
  },
  connections: {
    list: (signal?: AbortSignal) => request<Connections>('GET', '/connections', { signal }),
    create: (name: string) =>
      request<Connection & { token: string }>('POST', '/connections', { body: { name } }),
    update: (id: string, settings: Partial<ConnectionSettings>) =>
      request<Connection>('PATCH', `/connections/${encodeURIComponent(id)}`, {
        body: settings,
      }),
    rotateToken: (id: string, graceSeconds: number) =>
      request<{ token: string; previousTokensExpireAt: string | null }>(
        'POST',
        `/connections/${encodeURIComponent(id)}/rotate-token`,
        { body: { graceSeconds } },
      ),
    revokeTokens: (id: string) =>
      request<{ revoked: number }>('POST', `/connections/${encodeURIComponent(id)}/revoke-tokens`, {
        body: {},
      }),
    delete: (id: string) => request<void>('DELETE', `/connections/${encodeURIComponent(id)}`),
  },
  provisioningLog: {
    list: (params: LogParams, signal?: AbortSignal) =>
      request<LogPage>('GET', '/provisioning-log', { query: { ...params }, signal }),
    get: (id: string, signal?: AbortSignal) =>
      request<LogEntryDetail>('GET', `/provisioning-log/${encodeURIComponent(id)}`, { signal }),
  },
  events: {
    list: (params: EventParams, signal?: AbortSignal) =>
      request<EventPage>('GET', '/events', { query: { ...params }, signal }),
  },
  apiKeys: {
    list: (signal?: AbortSignal) =>
      request<{ items: readonly ApiKey[] }>('GET', '/api-keys', { signal }),
    create: (name: string, role: Role) =>
      request<ApiKey & { key: string }>('POST', '/api-keys', { body: { name, role } }),
    revoke: (id: string) => request<void>('DELETE', `/api-keys/${encodeURIComponent(id)}`),
  },
};
