import { describe, expect, it } from "vitest";
import { localAssetId } from "@/lib/assets/url";

const id = "ab".repeat(32);

describe("local asset URLs", () => {
  it("reads this server's relative asset paths", () => {
    expect(localAssetId(`/api/assets/${id}`)).toBe(id);
    expect(localAssetId(`/api/assets/${id}/`)).toBe(id);
    expect(localAssetId(` /api/assets/${id} `)).toBe(id);
  });

  it("reads absolute URLs only on the origins it is told are ours", () => {
    const ours = ["http://studio.test", "https://studio.example.com"];
    expect(localAssetId(`http://studio.test/api/assets/${id}`, ours)).toBe(id);
    expect(localAssetId(`https://studio.example.com:443/api/assets/${id}`, ours)).toBe(id);
    expect(localAssetId(`http://studio.test/api/assets/${id}`)).toBeNull();
    expect(localAssetId(`https://studio.test/api/assets/${id}`, ours)).toBeNull(); // another scheme is another origin
    expect(localAssetId(`http://studio.test:8080/api/assets/${id}`, ours)).toBeNull();
  });

  it("never takes another host's URL for ours, however it is spelt", () => {
    for (const url of [
      `https://evil.example/api/assets/${id}`,
      `//evil.example/api/assets/${id}`,
      `/\\evil.example/api/assets/${id}`,
      `\\\\evil.example/api/assets/${id}`,
      `http://studio.test@evil.example/api/assets/${id}`,
      `https://evil.example/proxy/api/assets/${id}`,
      `/evil/api/assets/${id}`,
      `api/assets/${id}`,
      `/api/assets/${id}?download=1`,
      `/api/assets/${id}#x`,
      `/api/assets/${id.toUpperCase()}`,
      `/api/assets/${id}0`,
      `data:image/png;base64,AAAA`,
      `javascript:alert(1)//api/assets/${id}`,
    ]) {
      expect(localAssetId(url, ["http://studio.test"]), url).toBeNull();
    }
  });
});
