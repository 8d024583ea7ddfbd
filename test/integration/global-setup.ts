// Before any integration test: the stack must answer (npm test brings it up), and the test catalog
// database is recreated and migrated.
import { checkAll } from '../../infra/health';
import { loadConfig } from '../../config';
import { prepareTestDatabase } from './setup';

export default async function setup(): Promise<void> {
  const down = (await checkAll(loadConfig())).filter((h) => !h.healthy);
  if (down.length > 0) {
    throw new Error(
      `the local stack is not healthy (${down.map((h) => `${h.service} at ${h.address}: ${h.detail}`).join('; ')}); ` +
        'run `npm run stack -- up` (npm test does this for you)',
    );
  }
  await prepareTestDatabase();
}
