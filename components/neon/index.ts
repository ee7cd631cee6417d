export * from "./client";
export * from "./project";
export * from "./branch";
export * from "./endpoint";
export * from "./role";
export * from "./database";
