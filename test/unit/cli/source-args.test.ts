// `lake source add`'s arguments as a source definition: a Kafka topic with its own brokers, the lake source
// it lands in and discriminators; one kind of source at a time.
import { describe, expect, it } from 'vitest';
import { definitionFromArgs } from '../../../cli/commands/source';
import { validateSourceDefinition } from '../../../crawl/source';

const args = (...pairs: [string, string][]) => {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
};

describe('lake source add', () => {
  it('reads a topic with its brokers, the lake source it lands in and discriminators', () => {
    const def = definitionFromArgs('app-events', args(['kafka', 'app.events'], ['bootstrap', 'ingest-kafka'], ['lands-in', 'activity-log'], ['discriminators', 'service, event'], ['schedule', 'hourly']));
    expect(def).toMatchObject({
      kind: 'kafka', name: 'app-events', schedule: 'hourly', targetTable: 'app_events',
      location: { topic: 'app.events', bootstrapRef: 'ingest-kafka', landsIn: 'activity-log' },
      options: { discriminators: ['service', 'event'], detectDates: false },
    });
    expect(validateSourceDefinition(def)).toEqual([]);
    expect(definitionFromArgs('t', args(['kafka', 'plain'])).location).toEqual({ topic: 'plain' });
  });

  it('takes one kind of source', () => {
    expect(() => definitionFromArgs('x', args(['kafka', 't'], ['s3', 's3://b/p/']))).toThrow(/one of --s3, --postgres or --kafka/);
    expect(() => definitionFromArgs('x', args())).toThrow(/--kafka <topic>/);
  });
});
