export * from "./profiles";
export * from "./settings";
export * from "./types";
export { SettingsError, show, type SettingsIssue } from "./errors";
export { ConfigSchema, SECRET_KEYS } from "./schema";
