export {
  createManagementClient,
  type ManagementClient,
  type ManagementClientOptions,
  type UserPage,
} from "./management-client.js";
export { isApiError, OvertureApiError } from "./overture-api-error.js";
