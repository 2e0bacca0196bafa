export * from "./schema";
export * from "./sequence";
export * from "./render";
export * from "./validate";
export * from "./variables";
