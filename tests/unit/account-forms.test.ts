import { describe, expect, it } from "vitest";
import { responseMessage, safeNextPath, signUpProblems } from "@/components/account/forms";
import { normalisedPath } from "@/app/api/auth/[...all]/paths";

describe("safeNextPath", () => {
  it("keeps local paths with their query", () => {
    expect(safeNextPath("/templates/abc?version=2")).toBe("/templates/abc?version=2");
    expect(safeNextPath("/workspace")).toBe("/workspace");
  });
  it("refuses other sites, schemes and junk", () => {
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/\t/evil.example", "", null, undefined, "x".repeat(3000)]) {
      expect(safeNextPath(bad)).toBe("/");
    }
  });
  it("does not loop back to the account pages or into the API", () => {
    expect(safeNextPath("/sign-in?next=/")).toBe("/");
    expect(safeNextPath("/api/account")).toBe("/");
  });
});

describe("signUpProblems", () => {
  const ok = { name: "Ada", email: "ada@example.com", password: "correct horse", confirm: "correct horse" };
  it("accepts a complete form", () => expect(signUpProblems(ok)).toEqual({}));
  it("names each problem", () => {
    expect(signUpProblems({ ...ok, name: " " }).name).toMatch(/name/);
    expect(signUpProblems({ ...ok, email: "ada" }).email).toMatch(/e-mail/);
    expect(signUpProblems({ ...ok, password: "short", confirm: "short" }).password).toMatch(/10 characters/);
    expect(signUpProblems({ ...ok, confirm: "other horse" }).confirm).toMatch(/differ/);
  });
});

describe("responseMessage", () => {
  it("reads our error shape and Better Auth's", async () => {
    expect(await responseMessage(Response.json({ error: { message: "ours" } }), "x")).toBe("ours");
    expect(await responseMessage(Response.json({ message: "theirs", code: "X" }), "x")).toBe("theirs");
    expect(await responseMessage(new Response("<html>"), "fallback")).toBe("fallback");
  });
});

describe("normalisedPath (the closed Better Auth sign-up)", () => {
  it("matches the path however it is spelt", () => {
    for (const url of ["http://h/api/auth/sign-up/email", "http://h/api/auth/sign-up/email/", "http://h/api//auth/Sign-Up/email", "http://h/api/auth/sign-up/%65mail"]) {
      expect(normalisedPath(url)).toBe("/api/auth/sign-up/email");
    }
    expect(normalisedPath("http://h/api/auth/sign-in/email?x=1")).toBe("/api/auth/sign-in/email");
  });
});
