/** `C` with the fields named by the defaults `D` made optional. */
export type WithDefaults<C, D> = Omit<C, keyof D> & Partial<Pick<C, Extract<keyof D, keyof C>>>;

/** Builds a client from its config; `.defaults()` gives a factory with more settings preset. */
export interface ClientFactory<C, T> {
  (config: C): T;
  defaults<D extends Partial<C>>(preset: D): ClientFactory<WithDefaults<C, D>, T>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/**
 * Merges config layers, later ones winning. Plain objects (e.g. `retry`, `rateLimit`) merge key by
 * key so a preset `retry.retries` keeps a caller's `retry.baseDelayMs`; anything else (functions,
 * stores, arrays) is replaced whole.
 */
export function mergeConfig<C extends object>(...layers: Array<Partial<C> | undefined>): C {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value === undefined) continue;
      const current = out[key];
      out[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
    }
  }
  return out as C;
}

/**
 * octokit's `Octokit.defaults()` for any client: `clientFactory(build)` is a function that builds a
 * client, and `.defaults(preset)` returns a new factory whose configs start from `preset`
 * (stackable: `.defaults(a).defaults(b)`).
 */
export function clientFactory<C extends object, T>(build: (config: C) => T, preset: Partial<C> = {}): ClientFactory<C, T> {
  const factory = ((config: C) => build(mergeConfig<C>(preset, config))) as ClientFactory<C, T>;
  factory.defaults = <D extends Partial<C>>(more: D) =>
    clientFactory(build, mergeConfig<Partial<C>>(preset, more)) as unknown as ClientFactory<WithDefaults<C, D>, T>;
  return factory;
}
