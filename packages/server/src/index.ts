export { type AppDependencies, createApp } from "./app.js";
export { type Config, configSchema } from "./config/config-schema.js";
export { ConfigError, loadConfig } from "./config/load-config.js";
export { openRuntime, type Runtime } from "./runtime.js";
