export * from "./profiles";
export * from "./settings";
export { ConfigSchema, SECRET_KEYS } from "./schema";
