import { inferredModel } from './http-server.startup';

describe('the model an inference path names (the early capacity check)', () => {
  it('reads it from an infer call, with or without a version, decoded', () => {
    expect(inferredModel('/v2/models/credit/infer')).toBe('credit');
    expect(inferredModel('/v2/models/my%20model/versions/3/infer')).toBe('my model');
  });

  it('names none for other paths, and never throws on a malformed escape', () => {
    expect(inferredModel('/v2/models/credit')).toBeUndefined();
    expect(inferredModel('/v2/health/ready')).toBeUndefined();
    expect(inferredModel('/v2/models/%E0%A4%A/infer')).toBeUndefined();
  });
});
