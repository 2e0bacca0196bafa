/**
 * The account forms' pure parts: where to go after signing in, and what to say about a sign-up form
 * before the server does (the server checks the same rules: app/api/account/schema.ts).
 */

/** Better Auth's and our minimum (lib/auth/better-auth.ts, app/api/account/schema.ts). */
export const PASSWORD_MIN_LENGTH = 10;

/**
 * A same-site path to return to after signing in, or "/". Only a local path counts: `//evil.example`
 * and `/\evil.example` are other sites to a browser, and anything with a scheme is refused.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || next.length > 2000) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Control characters (a tab or newline inside "//") could make a browser read another host.
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === "\\")) return "/";
  if (next.startsWith("/sign-in") || next.startsWith("/sign-up") || next.startsWith("/api/")) return "/";
  return next;
}

export interface SignUpInput {
  name: string;
  email: string;
  password: string;
  confirm: string;
}

/** Field → problem, empty when the form may be sent. */
export function signUpProblems(input: SignUpInput): Partial<Record<keyof SignUpInput, string>> {
  const problems: Partial<Record<keyof SignUpInput, string>> = {};
  if (input.name.trim() === "") problems.name = "Enter your name.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email.trim())) problems.email = "Enter an e-mail address, e.g. ada@example.com.";
  if (input.password.length < PASSWORD_MIN_LENGTH) problems.password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  else if (input.password !== input.confirm) problems.confirm = "The two passwords differ.";
  return problems;
}

/** Better Auth answers errors as { message, code }; ours as { error: { message } }. */
export async function responseMessage(res: Response, fallback: string): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown; error?: { message?: unknown } };
    if (typeof body.error?.message === "string") return body.error.message;
    if (typeof body.message === "string") return body.message;
  } catch {
    // not JSON
  }
  return fallback;
}
