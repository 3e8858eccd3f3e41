/** The part of a `models` bucket entry the gateway routes by. */
export interface ModelPointers {
  production?: number;
  canary?: number;
  /** Share of the model's unversioned traffic that goes to the canary, 0..1. */
  canaryWeight?: number;
}

export interface VersionChoice {
  /** The version to ask for first. */
  version?: number;
  /** The version to fall back to when no node serves `version` yet (production after a canary). */
  fallback?: number;
  canary: boolean;
}

/**
 * Each model's production and canary versions, from the `models` bucket. A request that names no
 * version is sent to the canary with probability `canaryWeight` and to production otherwise; a
 * request that names one goes to that version.
 */
export class ModelVersions {
  private readonly pointers = new Map<string, ModelPointers>();

  set(model: string, pointers: ModelPointers | undefined): void {
    if (pointers) this.pointers.set(model, pointers);
    else this.pointers.delete(model);
  }

  knows(model: string): boolean {
    return this.pointers.has(model);
  }

  /** Whether the bucket names `version` as the model's production or canary. */
  names(model: string, version: number): boolean {
    const p = this.pointers.get(model);
    return p?.production === version || p?.canary === version;
  }

  choose(model: string, random: () => number = Math.random): VersionChoice {
    const p = this.pointers.get(model);
    if (!p) return { canary: false };
    const weight = Math.min(1, Math.max(0, p.canaryWeight ?? 0));
    if (p.canary !== undefined && p.canary !== p.production && weight > 0 && random() < weight)
      return { version: p.canary, fallback: p.production, canary: true };
    return { version: p.production, canary: false };
  }
}
