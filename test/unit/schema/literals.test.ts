import { describe, expect, it } from 'vitest';
import { temporalTextType } from '../../../schema/infer/literals';
import { T } from '../../../schema/types';

describe('dates and timestamps in text', () => {
  it('types only days that exist', () => {
    expect(temporalTextType('2024-02-29')).toEqual(T.date); // a leap year
    expect(temporalTextType('2000-02-29')).toEqual(T.date); // divisible by 400
    expect(temporalTextType('2023-02-29')).toBeUndefined();
    expect(temporalTextType('1900-02-29')).toBeUndefined(); // divisible by 100, not by 400
    expect(temporalTextType('2023-02-31')).toBeUndefined();
    expect(temporalTextType('2023-04-31')).toBeUndefined();
    expect(temporalTextType('2023-12-31')).toEqual(T.date);
    expect(temporalTextType('2023-02-31T10:00:00Z')).toBeUndefined();
    expect(temporalTextType('2023-01-31T23:59:59.123Z')).toEqual(T.timestamp);
  });
});
