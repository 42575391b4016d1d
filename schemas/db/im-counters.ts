import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const imCounters = sqliteTable(
  'im_counters',
  {
    metric: text('metric').notNull(),
    labels: text('labels').notNull(),
    value: integer('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.metric, t.labels] })],
);
