export * from "./error-body.js";
export * from "./error-catalogue.js";
export * from "./event-types.js";
export * from "./frontend/session.js";
export * from "./identifier.js";
export * from "./management/mode.js";
export * from "./management/user.js";
