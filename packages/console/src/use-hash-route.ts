import { useEffect, useState } from "preact/hooks";

/** The route in the URL's fragment (`#/users/usr_…`): bookmarkable, and never sent to the server. */
export function useHashRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}
