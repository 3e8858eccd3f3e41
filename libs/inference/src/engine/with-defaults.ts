/**
 * Options over their defaults, where an option given as undefined keeps its default: callers
 * forward optional config fields as they are, and `{ ...defaults, ...options }` would let an
 * absent one erase the default.
 */
export function withDefaults<T extends object>(defaults: T, options: Partial<T> = {}): T {
  const merged = { ...defaults };
  for (const key of Object.keys(options) as Array<keyof T>) {
    if (options[key] !== undefined) merged[key] = options[key] as T[keyof T];
  }
  return merged;
}
