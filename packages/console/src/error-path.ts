/**
 * The field an API message concerns, as a path like `allowed_scopes[0].direct.granted_for`. The
 * server's own rules start their message with that path; schema failures start with
 * `body/allowed_scopes/0/direct/granted_for` (http/error-renderer.ts). Null when the message names
 * no field.
 */
export function errorPath(message: string): string | null {
  const schema = /^body((?:\/[\w$-]+)+)/.exec(message);
  if (schema?.[1])
    return schema[1]
      .slice(1)
      .split("/")
      .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
      .join("");
  const own = /^([a-z_$][\w$]*(?:\[\d+\]|\.[\w$]+)*)[ :.]/i.exec(message);
  return own?.[1] && /[[._]/.test(own[1]) ? own[1] : null;
}

/**
 * Which of `fields` (paths of the form's inputs) an error at `path` belongs on: the longest one
 * that is the path itself or a prefix of it at a boundary, so an error deep inside a step shows on
 * the step's row when the form has no input for its exact field.
 */
export function fieldFor(path: string | null, fields: Iterable<string>): string | null {
  if (!path) return null;
  let best: string | null = null;
  for (const field of fields) {
    const fits = path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
    if (fits && (best === null || field.length > best.length)) best = field;
  }
  return best;
}
