import { ApiFailure } from "./management-api.js";

/**
 * What a JSON editor holds, or a failure worded as the API words a bad body, so that an action
 * shows it where it shows the API's own errors.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiFailure(400, "invalid_request", `This is not valid JSON: ${(e as Error).message}`);
  }
}
