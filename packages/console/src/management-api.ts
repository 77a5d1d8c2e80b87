/** Where the console is signed in: an app and one of its management API keys. */
export interface Credentials {
  appId: string;
  apiKey: string;
}

/** An answer of the Management API that is not 2xx, with its catalogue code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Management API as the console calls it: same origin, the API key as a Bearer token, JSON.
 * The console can do nothing this API cannot (docs/console.md).
 */
export function managementApi(credentials: Credentials) {
  const base = `/v2/session/apps/${encodeURIComponent(credentials.appId)}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${credentials.apiKey}`,
          accept: "application/json",
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiFailure(0, "network_error", "The server could not be reached.");
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok)
      throw new ApiFailure(
        response.status,
        typeof json.code === "string" ? json.code : "unknown",
        typeof json.message === "string" ? json.message : `HTTP ${response.status}`,
      );
    return json as T;
  };
  return {
    get: <T>(path: string) => call<T>("GET", path),
    post: <T>(path: string, body: unknown) => call<T>("POST", path, body),
    put: <T>(path: string, body: unknown) => call<T>("PUT", path, body),
    patch: <T>(path: string, body: unknown) => call<T>("PATCH", path, body),
    delete: <T>(path: string, body?: unknown) => call<T>("DELETE", path, body),
  };
}

export type ManagementApi = ReturnType<typeof managementApi>;
