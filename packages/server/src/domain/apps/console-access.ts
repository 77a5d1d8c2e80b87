import type { DomainDeps } from "../shared/domain-deps.js";

/**
 * Whether the admin console is served now (docs/console.md): `on` and `off` say so; `auto` serves
 * it while no app of the installation is in `prod` mode, so a production installation shows it
 * only when its operator asks for it. Read per request: an app switched to prod hides it at once.
 */
export async function consoleServed(
  deps: Pick<DomainDeps, "store">,
  setting: "auto" | "on" | "off",
): Promise<boolean> {
  if (setting !== "auto") return setting === "on";
  return (await deps.store.apps.list()).every((app) => app.mode !== "prod");
}
