"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field } from "@/components/ui/Field";
import { PASSWORD_MIN_LENGTH, responseMessage, signUpProblems, type SignUpInput } from "./forms";

interface Props {
  /** The invitation link's token; its address is then fixed. */
  invitation?: { token: string; email: string };
  next: string;
  submitLabel: string;
  /** Offer "Sign in" instead (not for the very first account: there is nobody to sign in as). */
  signInLink?: boolean;
}

export function SignUpForm({ invitation, next, submitLabel, signInLink = true }: Props) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Partial<Record<keyof SignUpInput, string>>>({});

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const input: SignUpInput = {
      name: String(form.get("name") ?? ""),
      email: invitation?.email ?? String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      confirm: String(form.get("confirm") ?? ""),
    };
    const found = signUpProblems(input);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setError(null);
    const res = await fetch("/api/account/sign-up", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: input.name.trim(), email: input.email.trim(), password: input.password, invitation: invitation?.token }),
    }).catch(() => null);
    if (res?.ok) {
      window.location.assign(next);
      return;
    }
    setError(res ? await responseMessage(res, "Creating the account failed.") : "Could not reach the server. Check that Flamingo Studio is still running.");
    setBusy(false);
  }

  const hint = (field: keyof SignUpInput) =>
    problems[field] ? (
      <p className="mt-1 text-xs text-red-700" id={`${id}-${field}-problem`}>
        {problems[field]}
      </p>
    ) : null;

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3" data-testid="sign-up-form">
      <Field htmlFor={`${id}-name`} label="Your name">
        <input id={`${id}-name`} name="name" autoComplete="name" required maxLength={120} autoFocus className="input" data-testid="sign-up-name" />
        {hint("name")}
      </Field>
      <Field htmlFor={`${id}-email`} label="E-mail">
        <input
          id={`${id}-email`}
          name="email"
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          className="input read-only:bg-stone-100"
          defaultValue={invitation?.email}
          readOnly={Boolean(invitation)}
          data-testid="sign-up-email"
        />
        {hint("email")}
      </Field>
      <Field htmlFor={`${id}-password`} label={`Password (at least ${PASSWORD_MIN_LENGTH} characters)`}>
        <input id={`${id}-password`} name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN_LENGTH} maxLength={256} className="input" data-testid="sign-up-password" />
        {hint("password")}
      </Field>
      <Field htmlFor={`${id}-confirm`} label="Password again">
        <input id={`${id}-confirm`} name="confirm" type="password" autoComplete="new-password" required className="input" data-testid="sign-up-confirm" />
        {hint("confirm")}
      </Field>
      {error ? <ErrorNotice error={error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={busy} data-testid="sign-up-submit">
        {busy ? "Creating the account…" : submitLabel}
      </button>
      {signInLink ? (
        <p className="text-sm text-stone-600">
          Have an account?{" "}
          <Link href={`/sign-in?next=${encodeURIComponent(next)}`} className="text-brand-700 hover:underline">
            Sign in
          </Link>
          .
        </p>
      ) : null}
    </form>
  );
}
