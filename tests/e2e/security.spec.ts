import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { watchConsole } from "./support";

/**
 * Security headers and cross-site writes against the production build: a page and an API answer carry
 * the headers (the page a CSP whose nonce is on every script Next wrote, and the page runs clean under
 * it), and a real HTML form on another origin (a tiny server on 127.0.0.1, another site for the
 * browser), posting JSON as text/plain the way CSRF forms do, is refused and creates nothing.
 */

test("a page and an API response carry the security headers; the page runs under its CSP", async ({ page, request }) => {
  const problems = watchConsole(page);
  const res = await page.goto("/library");
  expect(res?.status()).toBe(200);
  const headers = res!.headers();
  const csp = headers["content-security-policy"] ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "'wasm-unsafe-eval'", "connect-src 'self'"]) expect(csp).toContain(directive);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  // Every script Next wrote into the HTML carries this response's nonce.
  const html = await res!.text();
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  await expect(page.getByRole("heading").first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(problems, "no CSP violation (or any other console error) from the app itself").toEqual([]);
  // Injected markup (what an XSS would add) does not run: an inline handler has no nonce.
  const injectedRan = await page.evaluate(async () => {
    const blocked = new Promise<boolean>((resolve) => {
      document.addEventListener("securitypolicyviolation", () => resolve(true), { once: true });
      setTimeout(() => resolve(false), 2000);
    });
    const div = document.createElement("div");
    div.innerHTML = `<img src="data:," onerror="window.__cspInjected = true" alt="">`;
    document.body.append(div);
    const violation = await blocked;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { violation, ran: (window as unknown as { __cspInjected?: boolean }).__cspInjected === true };
  });
  expect(injectedRan).toEqual({ violation: true, ran: false });
  expect(problems.filter((p) => !/inline event handler violates the following Content Security Policy/.test(p))).toEqual([]);

  const api = await request.get("/api/libraries");
  expect(api.status()).toBe(200);
  expect(api.headers()["content-security-policy"]).toContain("default-src 'none'");
  expect(api.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(api.headers()["x-content-type-options"]).toBe("nosniff");
  expect(api.headers()["referrer-policy"]).toBe("strict-origin-when-cross-origin");
});

test("a cross-site HTML form (and a no-cors fetch) posting to the API is refused and creates nothing", async ({ page, request, baseURL }) => {
  const name = `Planted by another site ${Date.now()}`;
  // <form enctype="text/plain">: the body is `{"name":"…","x":"="}`, valid JSON, with no CORS preflight.
  const evilPage = `<!doctype html><title>elsewhere</title>
<form id="f" method="post" enctype="text/plain" action="${baseURL}/api/libraries">
<input name='{"name":"${name}","x":"' value='"}'><button id="go">go</button></form>
<script>
  window.noCors = () => fetch(${JSON.stringify(`${baseURL}/api/libraries`)}, { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ name: ${JSON.stringify(`${name} (fetch)`)} }) }).then(() => "sent", (e) => String(e));
</script>`;
  const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(evilPage));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const evilOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await page.goto(`${evilOrigin}/`);
    expect(await page.evaluate(() => (window as unknown as { noCors(): Promise<string> }).noCors())).toBe("sent");
    const answer = page.waitForResponse((r) => r.url() === `${baseURL}/api/libraries` && r.request().method() === "POST");
    await page.click("#go");
    const res = await answer;
    expect(res.status()).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("forbidden");
    expect(body.error.message).toContain(evilOrigin);
    await expect(page.locator("body")).toContainText("STUDIO_ALLOWED_ORIGINS");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const { libraries } = (await (await request.get("/api/libraries")).json()) as { libraries: { name: string }[] };
  expect(libraries.filter((l) => l.name.startsWith("Planted by another site"))).toEqual([]);

  // The same write from the studio's own page goes through (and is cleaned up).
  await page.goto("/library");
  const created = await page.evaluate(async (n) => {
    const r = await fetch("/api/libraries", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: n }) });
    return { status: r.status, id: ((await r.json()) as { library?: { id: string } }).library?.id };
  }, `${name} (same origin)`);
  expect(created.status).toBe(201);
  if (created.id) await request.delete(`/api/libraries/${created.id}`);
});
