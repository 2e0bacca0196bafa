/**
 * Replays what a stranger can send (issue 15) against a running Flamingo Studio and prints one line per
 * case: the HTTP status(es), how long it took, the server's RSS before and after (GET /api/health `rss`),
 * and the worst /api/health latency measured while the case ran.
 *
 *   npm run hostile                              # http://localhost:3000
 *   npm run hostile -- http://localhost:3410
 *
 * Localhost only (it refuses any other host), bounded: every request has a timeout, a flood sends
 * FLOOD requests at most, the largest body is ~80 KB. Every case must end 4xx (a 429 with Retry-After)
 * or be served (no 5xx), with /api/health answering in under HEALTH_BUDGET_MS throughout; the exit
 * status is 1 otherwise.
 *
 * Cases: 4,000 / 8,000 / 12,000 repeated characters, "€" × 33,334, "€" × 64,000 and 32,000 emoji (POST
 * /api/runs); the largest prompt the bundled model takes and 256 long candidates to score (the event loop
 * while the model works); a 10000×10000 PNG (12 KB, 1 bit per pixel) as a data URL to /v1, and five of them
 * in one request; a queue flood (more concurrent runs than the queue holds: 429 with Retry-After).
 */
import { blackPng } from "../tests/support/images";

const HEALTH_BUDGET_MS = 200;
const REQUEST_TIMEOUT_MS = 120_000;
/** More than the server's queue (16 waiting + 1 running). */
const FLOOD = 24;
const MODEL = "flamingo-mini";

const base = new URL(process.argv[2] ?? "http://localhost:3000");
if (!["localhost", "127.0.0.1", "[::1]", "::1"].includes(base.hostname)) {
  console.error(`hostile-inputs runs against this machine only (localhost, 127.0.0.1, [::1]); got ${base.hostname}`);
  process.exit(2);
}
const url = (p: string) => new URL(p, base).toString();

interface Outcome {
  statuses: number[];
  note?: string;
  /** Failed for a reason the statuses do not show (a 429 without Retry-After). */
  bad?: boolean;
}

async function post(pathname: string, body: unknown): Promise<Response> {
  return fetch(url(pathname), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

async function health(): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  const res = await fetch(url("/api/health"), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const json = (await res.json()) as { rss?: number; memory?: { rss?: number } };
  return { ms: performance.now() - t0, rss: json.rss ?? json.memory?.rss ?? Number.NaN };
}

/** A message from an error body (our shape or OpenAI's), shortened. */
async function errorOf(res: Response): Promise<string> {
  try {
    const j = (await res.json()) as { error?: { message?: string } };
    return (j.error?.message ?? "").slice(0, 110);
  } catch {
    return "";
  }
}

const run = async (text: string, extra: object = {}): Promise<Outcome> => {
  const res = await post("/api/runs", { model: MODEL, prompt: { parts: [{ type: "text", text }] }, stream: false, ...extra });
  return { statuses: [res.status], note: res.ok ? "served" : await errorOf(res) };
};

const bomb = blackPng(10_000, 10_000);
const bombUrl = `data:image/png;base64,${bomb.toString("base64")}`;
const v1Image = async (n: number): Promise<Outcome> => {
  const content = [...Array.from({ length: n }, () => ({ type: "image_url", image_url: { url: bombUrl } })), { type: "text", text: "Output:" }];
  const res = await post("/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content }], max_tokens: 4 });
  return { statuses: [res.status], note: `${Math.round(JSON.stringify(content).length / 1024)} KB request; ${res.ok ? "served" : await errorOf(res)}` };
};

/** FLOOD concurrent requests: more than the queue holds; the refused ones must be 429 with Retry-After. */
async function flood(pathname: string, body: unknown): Promise<Outcome> {
  const rs = await Promise.all(Array.from({ length: FLOOD }, () => post(pathname, body).catch(() => null)));
  const busy = rs.filter((r) => r?.status === 429);
  const retryAfter = [...new Set(busy.map((r) => r?.headers.get("retry-after") ?? "(none)"))].join(", ");
  await Promise.all(rs.map((r) => r?.arrayBuffer().catch(() => undefined)));
  const missing = busy.some((r) => !/^\d+$/.test(r?.headers.get("retry-after") ?? ""));
  return { statuses: rs.map((r) => r?.status ?? 0), note: busy.length > 0 ? `Retry-After: ${retryAfter}` : "no 429", ...(busy.length === 0 || missing ? { bad: true } : {}) };
}

const cases: [string, () => Promise<Outcome>][] = [
  ["4,000 × 'a'", () => run("a".repeat(4_000))],
  ["8,000 × 'a'", () => run("a".repeat(8_000))],
  ["12,000 × 'a'", () => run("a".repeat(12_000))],
  ["33,334 × '€'", () => run("€".repeat(33_334))],
  ["64,000 × '€'", () => run("€".repeat(64_000))],
  ["32,000 emoji", () => run("😀".repeat(32_000))],
  // flamingo-mini reads 512 tokens: 492 + 20 max tokens is the largest run it takes.
  ["largest allowed (492 + 20)", () => run("a".repeat(492), { maxTokens: 20, minTokens: 20 })],
  [
    "score 256 × 300-token candidates",
    async () => {
      const res = await post("/api/score", { model: MODEL, prompt: { parts: [{ type: "text", text: "Output:" }] }, candidates: Array.from({ length: 256 }, (_, i) => "a".repeat(300) + String(i)) });
      return { statuses: [res.status], note: res.ok ? "served" : await errorOf(res) };
    },
  ],
  ["/v1 10000×10000 PNG data URL", () => v1Image(1)],
  ["/v1 five 10000×10000 PNGs", () => v1Image(5)],
  [`queue flood: ${FLOOD} × /api/runs`, () => flood("/api/runs", { model: MODEL, prompt: { parts: [{ type: "text", text: "a".repeat(300) }] }, maxTokens: 20, minTokens: 20, stream: false })],
  [`queue flood: ${FLOOD} × /v1`, () => flood("/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content: "a".repeat(300) }], max_tokens: 20 })],
];

function summarize(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => (n > 1 ? `${n}×${s}` : String(s))).join(" ");
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const mb = (b: number) => `${Math.round(b / 1e6)} MB`;

async function main(): Promise<void> {
  const first = await health().catch((e: unknown) => {
    console.error(`No server at ${base.origin}: ${(e as Error).message}`);
    process.exit(2);
  });
  // Load the model first so that its load is not counted against a case.
  await run("Output:", { maxTokens: 1 });
  let baseline = 0;
  for (let i = 0; i < 5; i++) baseline = Math.max(baseline, (await health()).ms);
  console.log(`server ${base.origin}: RSS ${mb(first.rss)} at start; /api/health idle ${baseline.toFixed(0)} ms (worst of 5)`);
  console.log(`${pad("case", 34)} ${pad("status", 12)} ${pad("time", 8)} ${pad("RSS before → after", 22)} ${pad("health max", 11)} note`);
  let failed = false;
  for (const [name, f] of cases) {
    const before = (await health()).rss;
    let done = false;
    let worst = 0;
    const probe = (async () => {
      while (!done) {
        const h = await health().catch(() => ({ ms: REQUEST_TIMEOUT_MS, rss: 0 }));
        worst = Math.max(worst, h.ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const t0 = performance.now();
    const out: Outcome = await f().catch((e: unknown) => ({ statuses: [0], note: (e as Error).message }));
    const ms = performance.now() - t0;
    done = true;
    await probe;
    const after = (await health()).rss;
    const bad = out.statuses.some((s) => s === 0 || s >= 500) || worst >= HEALTH_BUDGET_MS || out.bad === true;
    failed ||= bad;
    console.log(
      `${pad(name, 34)} ${pad(summarize(out.statuses), 12)} ${pad(`${(ms / 1000).toFixed(2)} s`, 8)} ${pad(`${mb(before)} → ${mb(after)}`, 22)} ${pad(`${worst.toFixed(0)} ms`, 11)} ${bad ? "FAIL " : ""}${out.note ?? ""}`,
    );
  }
  const idle = await health();
  console.log(`RSS at the end: ${mb(idle.rss)}`);
  console.log(
    failed
      ? `FAILED: some case answered 5xx, a 429 without Retry-After, or kept /api/health over ${HEALTH_BUDGET_MS} ms.`
      : `Every case ended 4xx (429s with Retry-After) or was served; /api/health stayed under ${HEALTH_BUDGET_MS} ms.`,
  );
  process.exit(failed ? 1 : 0);
}

await main();
