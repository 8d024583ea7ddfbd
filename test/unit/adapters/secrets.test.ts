import { describe, expect, it } from 'vitest';
import { resolveSecret, SecretError, secretEnvName } from '../../../adapters/secrets';

describe('named secrets', () => {
  it('derives the variable name: uppercased, non-alphanumerics as _', () => {
    expect(secretEnvName('analytics-db')).toBe('LAKE_SECRET_ANALYTICS_DB');
    expect(secretEnvName('crm.prod db')).toBe('LAKE_SECRET_CRM_PROD_DB');
  });

  it('resolves a name to the URL in its variable', () => {
    const url = 'postgres://reader:s3cr3t@db.internal:5432/crm';
    expect(resolveSecret('crm-prod', { LAKE_SECRET_CRM_PROD: url })).toBe(url);
  });

  it('names the variable it expected for an unknown secret', () => {
    expect(() => resolveSecret('crm-prod', {})).toThrow(`secret "crm-prod": unknown: set LAKE_SECRET_CRM_PROD in the worker's environment to its connection URL`);
    try {
      resolveSecret('crm-prod', {});
    } catch (e) {
      expect(e).toBeInstanceOf(SecretError);
      expect(e).toMatchObject({ secret: 'crm-prod', variable: 'LAKE_SECRET_CRM_PROD' });
    }
  });

  it('never prints the value of a bad secret', () => {
    const bad = 'not a url with password hunter2';
    let message = '';
    try {
      resolveSecret('x', { LAKE_SECRET_X: bad });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/LAKE_SECRET_X does not hold a URL/);
    expect(message).not.toContain('hunter2');
    expect(() => resolveSecret('x', { LAKE_SECRET_X: '  ' })).toThrow(/LAKE_SECRET_X is set but empty/);
    expect(() => resolveSecret(' ', {})).toThrow(/needs a name/);
  });
});
