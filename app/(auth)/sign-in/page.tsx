import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { authMode, currentCaller } from "@/lib/auth";
import { oidcConfigured } from "@/lib/auth/better-auth";
import { env } from "@/lib/env";
import { countUsers } from "@/lib/store/accounts";
import { AuthCard, LocalModeNotice } from "@/components/account/AuthCard";
import { SignInForm } from "@/components/account/SignInForm";
import { safeNextPath } from "@/components/account/forms";
import { firstParam, hrefWith } from "@/components/ui/format";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  if (authMode() === "local") return <LocalModeNotice />;
  const sp = await searchParams;
  const next = safeNextPath(firstParam(sp.next));
  if ((await currentCaller()).kind === "user") redirect(next);
  const firstAccount = (await countUsers()) === 0;
  // Nobody can sign in yet: the first visitor creates the owner account.
  if (firstAccount) redirect(hrefWith("/sign-up", { next: next === "/" ? undefined : next }));
  const e = env();
  return (
    <AuthCard title="Sign in to Flamingo Studio" intro="This studio is shared by a team: sign in to see its libraries." testId="sign-in-page">
      <SignInForm next={next} oidc={{ enabled: oidcConfigured(), name: e.STUDIO_OIDC_NAME }} signUpHref={e.STUDIO_OPEN_SIGNUP ? "/sign-up" : null} ssoError={firstParam(sp.error)?.slice(0, 80)} />
    </AuthCard>
  );
}
