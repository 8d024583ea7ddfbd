import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { testConfig } from './setup';

describe("the stack's Temporal dev server", () => {
  const config = testConfig();

  it('has the LakeSource search attribute registered as a keyword', async () => {
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
      // 2 = INDEXED_VALUE_TYPE_KEYWORD
      expect(res.customAttributes?.LakeSource).toBe(2);
    } finally {
      await connection.close();
    }
  });
});
