import Link from "next/link";
import type { ReactNode } from "react";

/** The narrow card the sign-in, sign-up and invitation pages sit in. */
export function AuthCard({ title, intro, children, testId }: { title: string; intro?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="card mx-auto flex w-full max-w-md flex-col gap-4 px-6 py-8" data-testid={testId}>
      <div>
        <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
        {intro ? <div className="mt-1 text-sm text-stone-600">{intro}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** Local mode has no accounts: what the account pages say there. */
export function LocalModeNotice() {
  return (
    <AuthCard title="No sign-in needed" testId="local-mode">
      <p className="text-sm text-stone-600">
        This studio runs in local mode: there are no accounts, and everything on this machine is yours. Accounts come with a shared deployment (PostgreSQL, a
        non-loopback address, or <code className="font-mono">STUDIO_AUTH=required</code>).
      </p>
      <Link href="/" className="btn btn-primary self-start">
        Open the library
      </Link>
    </AuthCard>
  );
}
