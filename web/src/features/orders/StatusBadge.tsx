import { Badge } from '@/components/Badge';
import type { OrderStatus } from '@/api/types';
import { STATUS_TONES, statusLabel } from './status';

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <Badge tone={STATUS_TONES[status]}>{statusLabel(status)}</Badge>;
}
