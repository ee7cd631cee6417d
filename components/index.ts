export * from "./app-image";
export * from "./app-namespace";
export * from "./database";
export * from "./local-postgres";
export * from "./nextjs-app";
export * from "./naming";
export * from "./registry";
export * from "./workload";
