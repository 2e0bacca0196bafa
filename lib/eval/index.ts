export * from "./dataset";
export * from "./metrics";
export * from "./report";

export * from "./select";
export * from "./template";
export * from "./rices";
