import Type from "typebox";

/** Management API error body (seed 000). `status` is the catalogue's status name, not the HTTP number. */
export const ManagementErrorBody = Type.Object(
  {
    code: Type.String({ examples: ["invalid_request"] }),
    status: Type.String({ examples: ["bad_request"] }),
    message: Type.String({ examples: ["The request is invalid."] }),
  },
  { title: "ManagementError", description: "Error body of every Management API failure." },
);
export type ManagementErrorBody = Type.Static<typeof ManagementErrorBody>;

/** Frontend API error body (client-protocol.md §1): the web SDK reads `code` and `message`. */
export const FrontendErrorBody = Type.Object(
  {
    code: Type.String({ examples: ["unauthorized"] }),
    message: Type.String(),
    type: Type.String({ examples: ["unauthorized"] }),
    request_id: Type.Optional(Type.String()),
  },
  { title: "FrontendError", description: "Error body of every Frontend API failure." },
);
export type FrontendErrorBody = Type.Static<typeof FrontendErrorBody>;
