export * from "./schema";
export * from "./parse";
export * from "./ops";
export * from "./run-record";
