import { Badge, Group, Tooltip } from '@mantine/core';
import { IconCloudComputing, IconHome } from '@tabler/icons-react';
import type { ConnectionRef, Origin, Role } from '../types';

/** Where a record comes from: `IDP · <connection>` (an identity provider owns it) or `LOCAL`. */
export function OriginBadge({
  origin,
  connection,
  withConnection = true,
}: {
  origin: Origin;
  connection?: ConnectionRef | null;
  withConnection?: boolean;
}) {
  if (origin === 'IDP') {
    const label = withConnection && connection ? `IDP · ${connection.name}` : 'IDP';
    return (
      <Badge
        color="blue"
        variant="light"
        leftSection={<IconCloudComputing size={12} aria-hidden />}
        title={connection ? `Provisioned by the SCIM connection "${connection.name}"` : undefined}
        maw="100%"
      >
        {label}
      </Badge>
    );
  }
  return (
    <Badge
      color="gray"
      variant="light"
      leftSection={<IconHome size={12} aria-hidden />}
      title="Made in Gatehouse"
    >
      LOCAL
    </Badge>
  );
}

/** A membership's origin: an `IDP` mapping (the identity provider's group push) or `LOCAL`. */
export function MembershipBadge({
  origin,
  connection,
}: {
  origin: Origin | null;
  connection?: ConnectionRef | null;
}) {
  if (origin === null) {
    return (
      <Tooltip label="Through a nested group">
        <Badge color="gray" variant="outline">
          Inherited
        </Badge>
      </Tooltip>
    );
  }
  if (origin === 'IDP') {
    return (
      <Badge
        color="blue"
        variant="light"
        leftSection={<IconCloudComputing size={12} aria-hidden />}
        title={
          connection
            ? `Mapped by the identity provider (connection "${connection.name}")`
            : 'Mapped by the identity provider'
        }
      >
        {connection ? `IDP · ${connection.name}` : 'IDP'}
      </Badge>
    );
  }
  return (
    <Badge
      color="gray"
      variant="light"
      leftSection={<IconHome size={12} aria-hidden />}
      title="Added in Gatehouse"
    >
      LOCAL
    </Badge>
  );
}

/**
 * The mappings that hold a membership: the identity provider's, a LOCAL one, or both (a member
 * the admin added who is also in the IdP's group push). `Inherited` for one through a nested
 * group (no mappings of its own).
 */
export function MappingBadges({
  mappings,
  connection,
}: {
  mappings: readonly Origin[];
  connection?: ConnectionRef | null;
}) {
  if (mappings.length === 0) return <MembershipBadge origin={null} />;
  return (
    <Group gap={4} wrap="wrap">
      {mappings.map((origin) => (
        <MembershipBadge
          key={origin}
          origin={origin}
          connection={origin === 'IDP' ? connection : null}
        />
      ))}
    </Group>
  );
}

export function StatusBadge({ active }: { active: boolean }) {
  return active ? (
    <Badge color="teal" variant="light">
      Active
    </Badge>
  ) : (
    <Badge color="orange" variant="light">
      Inactive
    </Badge>
  );
}

export function RoleBadge({ role }: { role: Role | null }) {
  if (role === 'admin')
    return (
      <Badge color="grape" variant="light">
        Admin
      </Badge>
    );
  if (role === 'viewer')
    return (
      <Badge color="cyan" variant="light">
        Viewer
      </Badge>
    );
  return null;
}

/** An HTTP status, red from 400 on. */
export function HttpStatusBadge({ status }: { status: number }) {
  const color = status >= 500 ? 'red' : status >= 400 ? 'red' : status >= 300 ? 'gray' : 'teal';
  return (
    <Badge color={color} variant={status >= 400 ? 'filled' : 'light'} ff="monospace">
      {status}
    </Badge>
  );
}
