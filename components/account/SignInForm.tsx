"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field } from "@/components/ui/Field";
import { responseMessage } from "./forms";

interface Props {
  /** Where to go once signed in (already checked with safeNextPath). */
  next: string;
  oidc: { enabled: boolean; name: string };
  /** A link to sign up when this deployment lets new people in (first account, open sign-up). */
  signUpHref: string | null;
  /** Better Auth's error code when a single sign-on came back refused (`?error=` on this page). */
  ssoError?: string;
}

const JSON_HEADERS = { "content-type": "application/json" };

export function SignInForm({ next, oidc, signUpHref, ssoError }: Props) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(ssoError ? ssoErrorMessage(oidc.name, ssoError) : null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const res = await fetch("/api/auth/sign-in/email", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: String(form.get("email") ?? "").trim(), password: String(form.get("password") ?? "") }),
    }).catch(() => null);
    if (res?.ok) {
      // A full load: the nav bar and every server component see the new session.
      window.location.assign(next);
      return;
    }
    setError(res ? await responseMessage(res, "Signing in failed.") : "Could not reach the server. Check that Flamingo Studio is still running.");
    setBusy(false);
  }

  async function singleSignOn() {
    setBusy(true);
    setError(null);
    // The generic OAuth provider is a social provider to Better Auth: it answers with the provider's URL.
    const res = await fetch("/api/auth/sign-in/social", { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ provider: "oidc", callbackURL: next, errorCallbackURL: `/sign-in?next=${encodeURIComponent(next)}` }) }).catch(() => null);
    const body = res?.ok ? ((await res.json()) as { url?: unknown }) : null;
    if (typeof body?.url === "string") {
      window.location.assign(body.url);
      return;
    }
    setError(res ? await responseMessage(res, `${oidc.name} is not available right now.`) : "Could not reach the server.");
    setBusy(false);
  }

  return (
    <div className="flex flex-col gap-4">
      <form onSubmit={onSubmit} className="flex flex-col gap-3" data-testid="sign-in-form">
        <Field htmlFor={`${id}-email`} label="E-mail">
          <input id={`${id}-email`} name="email" type="email" autoComplete="email" required autoFocus className="input" data-testid="sign-in-email" />
        </Field>
        <Field htmlFor={`${id}-password`} label="Password">
          <input id={`${id}-password`} name="password" type="password" autoComplete="current-password" required className="input" data-testid="sign-in-password" />
        </Field>
        {error ? <ErrorNotice error={error} /> : null}
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="sign-in-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {oidc.enabled ? (
        <button type="button" className="btn" onClick={() => void singleSignOn()} disabled={busy} data-testid="sign-in-oidc">
          Continue with {oidc.name}
        </button>
      ) : null}
      <p className="text-sm text-stone-600">
        {signUpHref ? (
          <>
            No account yet?{" "}
            <Link href={signUpHref} className="text-brand-700 hover:underline" data-testid="sign-up-link">
              Create one
            </Link>
            .
          </>
        ) : (
          "New here? Ask an admin of your workspace for an invitation link."
        )}
      </p>
    </div>
  );
}

/** The refusal a single sign-on came back with, in words (the code only: the URL's free text is anyone's to write). */
function ssoErrorMessage(provider: string, code: string): string {
  if (code === "invitation_required") {
    return `${provider} knows you, but this studio is invitation-only: ask an admin of a workspace to invite the address your provider gives, then sign in again.`;
  }
  return `${provider} did not sign you in (${code}). New here? You need an invitation for the address your provider gives.`;
}
