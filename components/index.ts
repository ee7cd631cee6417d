export * from "./app-image";
export * from "./nextjs-app";
export * from "./naming";
export * from "./registry";
export * from "./workload";
