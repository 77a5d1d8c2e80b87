export { type AppDependencies, createApp } from "./app.js";
export { type Config, configSchema } from "./config/config-schema.js";
export { ConfigError, loadConfig } from "./config/load-config.js";
export { type RunningServer, startServer } from "./main.js";
export { openRuntime, type Runtime } from "./runtime.js";
