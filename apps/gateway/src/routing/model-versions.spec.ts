import { ModelVersions } from './model-versions';

describe('ModelVersions', () => {
  it('sends a share of unversioned traffic equal to canaryWeight to the canary', () => {
    const versions = new ModelVersions();
    versions.set('churn', { production: 3, canary: 4, canaryWeight: 0.2 });
    expect(versions.choose('churn', () => 0.19)).toEqual({ version: 4, fallback: 3, canary: true });
    expect(versions.choose('churn', () => 0.2)).toEqual({ version: 3, canary: false });
  });

  it('ignores a canary with no weight, or the same as production', () => {
    const versions = new ModelVersions();
    versions.set('a', { production: 1, canary: 2 });
    versions.set('b', { production: 2, canary: 2, canaryWeight: 1 });
    expect(versions.choose('a', () => 0)).toEqual({ version: 1, canary: false });
    expect(versions.choose('b', () => 0)).toEqual({ version: 2, canary: false });
  });

  it('knows nothing of a model the bucket does not name', () => {
    const versions = new ModelVersions();
    versions.set('gone', { production: 1 });
    versions.set('gone', undefined);
    expect(versions.knows('gone')).toBe(false);
    expect(versions.choose('gone')).toEqual({ canary: false });
  });
});
