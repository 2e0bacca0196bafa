import { describe, expect, it } from "vitest";
import { filterQuery } from "@/components/library/filter-query";

describe("library filter URL", () => {
  it("keeps filled fields, trimmed, and leaves empty ones out", () => {
    expect(filterQuery([["search", " blicket "], ["library", ""], ["tag", "vqa"]])).toBe("/?search=blicket&tag=vqa");
    expect(filterQuery([["search", "   "]])).toBe("/");
    expect(filterQuery([["view", "notebooks"], ["search", "a&b"]])).toBe("/?view=notebooks&search=a%26b");
  });
});
