/** The attribution engine's public API: import from "@/lib/attribution". */
export * from "./errors";
export * from "./tokenizer";
export * from "./sais";
export * from "./view";
export * from "./corpus";
export * from "./shards";
export * from "./shards-artifact";
export * from "./artifact";
export * from "./pool";
export * from "./infinigram";
export * from "./span-trace";
export * from "./evaluate-infinigram";
export * from "./record";
export * from "./knn";
export * from "./knn-artifact";
export * from "./evaluate-knn";
export * from "./run";
