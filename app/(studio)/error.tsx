"use client";

import { useEffect } from "react";

export default function StudioError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div role="alert" className="card mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-12 text-center" data-testid="page-error">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="text-sm text-stone-600">The page could not be loaded. {error.digest ? `(ref ${error.digest})` : null}</p>
      <button type="button" className="btn btn-primary" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
