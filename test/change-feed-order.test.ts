/**
 * The change feed in commit order: a follower that has read up to `seq` never meets a lower
 * `seq` later. With writers in parallel (PostgreSQL, or several instances on one database) a
 * sequence hands out numbers in the order transactions ask, not the order they commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, listEvents } from '../src/changes/events.ts';
import type { ChangeEvent } from '../src/changes/events.ts';
import { inTransaction } from '../src/directory/context.ts';
import { DIALECTS, openTestDatabase } from './support/databases.ts';
import type { TestDatabase } from './support/databases.ts';

const NOW = '2026-11-29T00:00:00.000Z';
const event = (name: string): ChangeEvent => ({
  type: 'group.created',
  resourceType: 'Group',
  resourceId: name,
  actor: 'test',
  summary: {},
});

for (const dialect of DIALECTS) {
  describe(`change feed order (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await openTestDatabase(dialect);
    });
    afterAll(() => database.drop());

    // Only PostgreSQL runs two writes at once: on SQLite the second waits for the first (and so
    // does the follower's read, until the first ends).
    const onPostgres = dialect === 'postgres' ? it : () => undefined;
    onPostgres(
      'a write that commits first never shows its event before an earlier one still open',
      async () => {
        const after = (await listEvents(database.db, { order: 'desc', limit: 1 }))[0]?.seq ?? 0;
        let releaseFirst!: () => void;
        const held = new Promise<void>((resolve) => (releaseFirst = resolve));
        let firstAppended!: () => void;
        const appended = new Promise<void>((resolve) => (firstAppended = resolve));
        // The first write appends its event, then stays open.
        const first = inTransaction(database, async (trx) => {
          await appendEvents(trx, [event('first')], NOW);
          firstAppended();
          await held;
        });
        await appended;
        // The second starts after it, appends and would commit at once.
        const second = inTransaction(database, (trx) => appendEvents(trx, [event('second')], NOW));
        // A follower reading meanwhile must not see the second alone.
        let meanwhile: Awaited<ReturnType<typeof listEvents>>;
        try {
          await new Promise((resolve) => setTimeout(resolve, 200));
          meanwhile = await listEvents(database.db, { after });
        } finally {
          releaseFirst();
          await Promise.all([first, second]);
        }
        expect(meanwhile.map((e) => e.resourceId)).not.toEqual(['second']);
        const events = await listEvents(database.db, { after });
        expect(events.map((e) => e.resourceId)).toEqual(['first', 'second']);
        // Everything the follower saw comes before what it had not seen.
        const seen = new Set(meanwhile.map((e) => e.seq));
        const unseen = events.filter((e) => !seen.has(e.seq));
        for (const e of unseen) {
          for (const s of seen) expect(e.seq).toBeGreaterThan(s);
        }
      },
    );

    it('followers polling during parallel writes miss no event', async () => {
      const start = (await listEvents(database.db, { order: 'desc', limit: 1 }))[0]?.seq ?? 0;
      let cursor = start;
      const followed: number[] = [];
      let writing = true;
      const follower = (async () => {
        while (writing) {
          const page = await listEvents(database.db, { after: cursor, limit: 1000 });
          for (const e of page) followed.push(e.seq);
          if (page.length > 0) cursor = page.at(-1)!.seq;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 25; i++) {
            await inTransaction(database, async (trx) => {
              // Writers of different lengths, so that their commits overtake each other.
              if ((w + i) % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
              await appendEvents(trx, [event(`w${w}-${i}`)], NOW);
              if ((w + i) % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
            });
          }
        }),
      );
      writing = false;
      await follower;
      for (const e of await listEvents(database.db, { after: cursor, limit: 1000 })) {
        followed.push(e.seq);
      }
      const all = (await listEvents(database.db, { after: start, limit: 1000 })).map((e) => e.seq);
      expect(all).toHaveLength(200);
      expect(followed).toEqual(all);
    });
  });
}
