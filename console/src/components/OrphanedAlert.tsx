import { Alert, Text } from '@mantine/core';
import { IconCloudComputing } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** Above a user or group an identity provider made whose SCIM connection was deleted. */
export function OrphanedAlert({ children }: { children: ReactNode }) {
  return (
    <Alert
      color="gray"
      variant="light"
      mb="lg"
      icon={<IconCloudComputing size={18} aria-hidden />}
      title="Its connection was deleted — managed here"
    >
      <Text size="sm">{children}</Text>
    </Alert>
  );
}
