// A SQLite outbox holding dead letters of a device no account is configured for (`new-panel`), as
// the service leaves them: what `dead-letters`, `requeue` and `events` read in their tests.

import { join } from 'node:path';
import { decodeEventDocument } from '../../src/ingest/index.js';
import { openSqliteOutbox } from '../../src/outbox/index.js';
import { ARC_DESTINATION, encodeStoredEvent } from '../../src/service/stored-event.js';
import { tempDir } from './temp-files.js';

export const DEAD_LETTER_REASON = 'no-account: no account for device new-panel';

/** A new store file with `count` dead letters received from 2026-01-01T00:00:00Z on, 1 ms apart. */
export async function storeWithDeadLetters(name: string, count = 1): Promise<{ path: string; ids: number[] }> {
  const path = join(tempDir(), `${name}-${process.pid}-${Math.random().toString(16).slice(2)}.db`);
  const decoded = decodeEventDocument(
    JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', devIndex: 'new-panel', CIDAlarm: { CIDCode: '1130', zoneNo: 4 } } }),
  );
  if (decoded.kind !== 'event') throw new Error('fixture');
  const stored = encodeStoredEvent({ message: null, event: decoded.event, source: 'stream' });
  const outbox = openSqliteOutbox({ path });
  const ids = await outbox.append(
    Array.from({ length: count }, (_, i) => ({
      destination: ARC_DESTINATION,
      account: '',
      receivedAt: Date.UTC(2026, 0, 1) + i,
      ...stored,
      deadReason: DEAD_LETTER_REASON,
    })),
  );
  await outbox.close();
  return { path, ids };
}
