import type { DomainDeps } from "../shared/domain-deps.js";
import type { Repositories } from "../shared/store.js";
import type { AppRecord } from "./app-repository.js";
import type { ConfigRecord } from "./config-repository.js";

/**
 * An app setting kept as one document per app (password login, the migration hook, and later
 * step-up): its storage kind, and how a request becomes the stored value.
 */
export interface SingleConfigKind<Value, Input> {
  kind: string;
  /** Words for messages: "password login", "migration". */
  label: string;
  /** The stored value for a request: defaults applied, every rule checked. */
  complete(app: AppRecord, input: Input): { ok: true; value: Value } | { ok: false; message: string };
  /**
   * Rules that read other config (e.g. that scopes are allowed ones), checked in the write's
   * transaction so that what they read cannot change before it commits: why the value is refused,
   * or null.
   */
  checkInTx?(tx: Repositories, app: AppRecord, value: Value): Promise<string | null>;
  /** Runs once a first config exists (e.g. make the key its calls are signed with). */
  afterCreate?(deps: DomainDeps, app: AppRecord): Promise<void>;
}

type Invalid = { ok: false; reason: "invalid_input"; message: string };
type Missing = { ok: false; reason: "not_configured"; message: string };

/** Create, read, replace and delete of one kind of single config; the same rules for every kind. */
export function singleConfig<Value, Input>(k: SingleConfigKind<Value, Input>) {
  const missing: Missing = {
    ok: false,
    reason: "not_configured",
    message: `This app has no ${k.label} config.`,
  };
  const read = (deps: Pick<DomainDeps, "store">, appId: string) =>
    deps.store.configs.get<Value>(appId, k.kind);
  /** The write, after the kind's checks in the same transaction; its result, or why it was refused. */
  const write = (
    deps: DomainDeps,
    app: AppRecord,
    value: Value,
    store: (tx: Repositories) => Promise<boolean>,
  ): Promise<boolean | Invalid> =>
    k.checkInTx
      ? deps.store.transaction<boolean | Invalid>(async (tx, rollback) => {
          const why = await k.checkInTx?.(tx, app, value);
          if (why) return rollback({ ok: false, reason: "invalid_input", message: why });
          return store(tx);
        })
      : store(deps.store);
  return {
    read,
    async create(
      deps: DomainDeps,
      app: AppRecord,
      input: Input,
    ): Promise<
      | { ok: true; config: ConfigRecord<Value> }
      | Invalid
      | { ok: false; reason: "already_exists"; message: string }
    > {
      const complete = k.complete(app, input);
      if (!complete.ok) return { ok: false, reason: "invalid_input", message: complete.message };
      const now = deps.clock.now();
      const created = await write(deps, app, complete.value, (tx) =>
        tx.configs.create(app.id, k.kind, complete.value, now),
      );
      if (created === true) await k.afterCreate?.(deps, app);
      else if (created === false)
        return {
          ok: false,
          reason: "already_exists",
          message: `This app already has a ${k.label} config; update it with PUT.`,
        };
      else return created;
      return { ok: true, config: { value: complete.value, createdAt: now, updatedAt: now } };
    },
    async get(
      deps: Pick<DomainDeps, "store">,
      app: AppRecord,
    ): Promise<{ ok: true; config: ConfigRecord<Value> } | Missing> {
      const config = await read(deps, app.id);
      return config ? { ok: true, config } : missing;
    },
    async replace(
      deps: DomainDeps,
      app: AppRecord,
      input: Input,
    ): Promise<{ ok: true; config: ConfigRecord<Value> } | Invalid | Missing> {
      const complete = k.complete(app, input);
      if (!complete.ok) return { ok: false, reason: "invalid_input", message: complete.message };
      const replaced = await write(deps, app, complete.value, (tx) =>
        tx.configs.replace(app.id, k.kind, complete.value, deps.clock.now()),
      );
      if (replaced === false) return missing;
      if (replaced !== true) return replaced;
      const config = await read(deps, app.id);
      return config ? { ok: true, config } : missing;
    },
    async remove(deps: DomainDeps, app: AppRecord): Promise<{ ok: true } | Missing> {
      return (await deps.store.configs.delete(app.id, k.kind)) ? { ok: true } : missing;
    },
  };
}
