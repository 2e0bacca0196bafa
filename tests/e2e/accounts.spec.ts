/**
 * Accounts on a shared deployment (the "accounts" project: a server with STUDIO_AUTH=required on its own
 * empty database, playwright.config.ts): the first visitor creates the owner account, invites an editor
 * and a viewer by link; the viewer reads but cannot save; a share link opens read-only signed out and
 * stops when revoked; a workspace API key calls /v1 until revoked; a cross-site write is refused.
 * Every wait is on state (a URL, an element, a response), never on time.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { captionTemplate, makePng } from "./support";

test.describe.configure({ mode: "serial" });

const PASSWORD = "correct horse battery";
const OWNER = { name: "Olive Owner", email: "olive@example.com" };
const EDITOR = { name: "Eddie Editor", email: "eddie@example.com" };
const VIEWER = { name: "Vera Viewer", email: "vera@example.com" };

const state: { owner?: BrowserContext; ownerPage?: Page; templateId?: string; document?: ReturnType<typeof captionTemplate>; invites: Record<string, string> } = { invites: {} };

async function signUpWith(page: Page, who: { name: string; email: string }, emailFixed: boolean) {
  await expect(page.getByTestId("sign-up-form")).toBeVisible();
  await page.getByTestId("sign-up-name").fill(who.name);
  if (emailFixed) await expect(page.getByTestId("sign-up-email")).toHaveValue(who.email);
  else await page.getByTestId("sign-up-email").fill(who.email);
  await page.getByTestId("sign-up-password").fill(PASSWORD);
  await page.getByTestId("sign-up-confirm").fill(PASSWORD);
  await page.getByTestId("sign-up-submit").click();
  await expect(page.getByTestId("account-name")).toHaveText(who.name);
}

async function invite(page: Page, email: string, role: "editor" | "viewer"): Promise<string> {
  await page.getByTestId("invite-email").fill(email);
  await page.getByTestId("invite-role").selectOption(role);
  await page.getByTestId("invite-submit").click();
  const url = page.getByTestId("invite-url");
  await expect(url).toContainText("/invite/");
  await expect(page.getByTestId("invitation-row").filter({ hasText: email })).toBeVisible();
  return (await url.textContent())!.trim();
}

async function joinByInvitation(browser: Browser, url: string, who: { name: string; email: string }): Promise<BrowserContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId("invitation-role")).toBeVisible();
  await page.getByTestId("invitation-sign-up").click();
  await signUpWith(page, who, true);
  return context;
}

test.afterAll(async () => {
  await state.owner?.close();
});

test("the first visitor creates the owner account; the studio then needs sign-in", async ({ browser, request }) => {
  // Signed out, every studio page and API answers with sign-in.
  expect((await request.get("/api/libraries")).status()).toBe(401);
  const anonymous = await browser.newPage();
  await anonymous.goto("/notebooks");
  await expect(anonymous).toHaveURL(/\/sign-up\?next=%2Fnotebooks$/);
  await expect(anonymous.getByRole("heading", { name: "Create the owner account" })).toBeVisible();
  await anonymous.close();

  // Better Auth's own sign-up is closed: accounts are made through /api/account/sign-up.
  const closed = await request.post("/api/auth/sign-up/email", { data: { name: "x", email: "x@example.com", password: PASSWORD } });
  expect(closed.status()).toBe(403);

  state.owner = await browser.newContext();
  const page = (state.ownerPage = await state.owner.newPage());
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-up/);
  await signUpWith(page, OWNER, false);
  await expect(page).toHaveURL(/\/$/);

  // A template with an image, in a library of the owner's workspace.
  const api = page.request;
  const upload = await api.post("/api/assets", { multipart: { file: { name: "shot.png", mimeType: "image/png", buffer: await makePng(7) } } });
  expect(upload.status(), await upload.text()).toBeLessThan(300);
  const { asset } = (await upload.json()) as { asset: { id: string } };
  const lib = await api.post("/api/libraries", { data: { name: "Team prompts" } });
  expect(lib.status(), await lib.text()).toBe(201);
  const { library } = (await lib.json()) as { library: { id: string } };
  state.document = captionTemplate("Shared captions", asset.id, "A swatch.");
  const created = await api.post("/api/templates", { data: { libraryId: library.id, document: state.document } });
  expect(created.status(), await created.text()).toBe(201);
  state.templateId = ((await created.json()) as { template: { id: string } }).template.id;

  // A second sign-up without an invitation is refused.
  const stranger = await request.post("/api/account/sign-up", { data: { name: "Sam", email: "sam@example.com", password: PASSWORD } });
  expect(stranger.status()).toBe(403);
  expect(((await stranger.json()) as { error: { message: string } }).error.message).toMatch(/invitation/);
});

test("the owner invites an editor and a viewer, who join by their links", async ({ browser }) => {
  const page = state.ownerPage!;
  await page.getByTestId("workspace-link").click();
  await expect(page.getByTestId("workspace-role")).toHaveText("owner");
  state.invites.editor = await invite(page, EDITOR.email, "editor");
  state.invites.viewer = await invite(page, VIEWER.email, "viewer");

  for (const [who, url] of [[EDITOR, state.invites.editor], [VIEWER, state.invites.viewer]] as const) {
    const context = await joinByInvitation(browser, url, who);
    await context.close();
  }
  await page.reload();
  await expect(page.getByTestId("member-row")).toHaveCount(3);
  await expect(page.getByTestId("member-row").filter({ hasText: VIEWER.email }).getByTestId("member-role")).toHaveValue("viewer");
  await expect(page.getByTestId("invitation-row")).toHaveCount(0);

  // An invitation link works once.
  const again = await browser.newPage();
  await again.goto(state.invites.viewer!);
  await expect(again.getByTestId("invitation-gone")).toBeVisible();
  await again.close();
});

test("the viewer sees the template but cannot save it; the editor can", async ({ browser }) => {
  const save = (page: Page) =>
    page.request.post(`/api/templates/${state.templateId}/versions`, { data: { document: { ...state.document, description: "Changed." }, baseVersion: 1, message: "edit" } });

  for (const [who, allowedToSave] of [[VIEWER, false], [EDITOR, true]] as const) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByTestId("sign-in-email").fill(who.email);
    await page.getByTestId("sign-in-password").fill(PASSWORD);
    await page.getByTestId("sign-in-submit").click();
    await expect(page.getByTestId("account-name")).toHaveText(who.name);
    await page.goto(`/templates/${state.templateId}`);
    await expect(page.getByTestId("template-name")).toHaveText("Shared captions");
    // Sharing is for admins and owners only.
    await expect(page.getByTestId("share-button")).toHaveCount(0);
    const res = await save(page);
    if (allowedToSave) {
      expect(res.status(), await res.text()).toBe(201);
    } else {
      expect(res.status()).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/viewer/);
    }
    await context.close();
  }
});

test("a share link opens read-only when signed out, and not after it is revoked", async ({ browser }) => {
  const page = state.ownerPage!;
  await page.goto(`/templates/${state.templateId}`);
  await page.getByTestId("share-button").click();
  const dialog = page.getByTestId("share-dialog");
  await dialog.getByTestId("share-create").click();
  const row = dialog.getByTestId("share-link-row").first();
  await expect(row.getByTestId("share-link-url")).toContainText("/share/");
  const url = (await row.getByTestId("share-link-url").textContent())!.trim();

  const outsider = await browser.newContext();
  const view = await outsider.newPage();
  const opened = await view.goto(url);
  expect(opened?.status()).toBe(200);
  await expect(view.getByTestId("shared-name")).toHaveText("Shared captions");
  await expect(view.getByTestId("shared-banner")).toBeVisible();
  // Read-only: no editing, and the image loads through the link's token.
  await expect(view.getByTestId("edit-source-link")).toHaveCount(0);
  const image = view.getByTestId("image-block").locator("img").first();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  // Signed in, the link's page offers to fork into one's own library.
  await page.keyboard.press("Escape");
  const own = await state.owner!.newPage();
  await own.goto(url);
  await own.getByTestId("fork-shared-submit").click();
  await expect(own.getByTestId("fork-done")).toContainText("Open your copy");
  await own.close();

  await page.getByTestId("share-button").click();
  await row.getByTestId("share-link-revoke").click();
  await expect(row).toHaveAttribute("data-revoked", "true");
  const gone = await view.goto(url);
  expect(gone?.status()).toBe(404);
  await expect(view.getByTestId("share-gone")).toBeVisible();
  await outsider.close();
  await page.keyboard.press("Escape");
});

test("an API key calls /v1 until it is revoked", async ({ request }) => {
  const page = state.ownerPage!;
  await page.goto("/workspace");
  await page.getByTestId("api-key-name").fill("e2e runner");
  await page.getByTestId("api-key-scope-read").uncheck();
  await page.getByTestId("api-key-scope-run").check();
  await page.getByTestId("api-key-create").click();
  const secret = (await page.getByTestId("api-key-secret").textContent())!.trim();
  expect(secret).toMatch(/^fsk_/);

  const call = () =>
    request.post("/v1/chat/completions", {
      headers: { authorization: `Bearer ${secret}` },
      data: { model: "flamingo-mini", messages: [{ role: "user", content: "Output:" }], max_tokens: 2 },
    });
  const ok = await call();
  expect(ok.status(), await ok.text()).toBe(200);
  await page.reload();
  await expect(page.getByTestId("api-key-row").first()).not.toContainText("never");

  await page.getByTestId("api-key-revoke").first().click();
  await expect(page.getByTestId("api-key-revoked")).toBeVisible();
  expect((await call()).status()).toBe(401);
});

test("a write sent from another site with the session cookie is refused", async () => {
  const api = state.ownerPage!.request;
  const res = await api.post("/api/libraries", { headers: { origin: "https://evil.example" }, data: { name: "Planted" } });
  expect(res.status()).toBe(403);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain("https://evil.example");
  // The same write from the studio's own page goes through: the refusal was the origin, not the session.
  const own = await api.post("/api/libraries", { data: { name: "Own" } });
  expect(own.status()).toBe(201);
});
