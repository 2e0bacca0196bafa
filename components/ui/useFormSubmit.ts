"use client";

import { useState, type FormEvent } from "react";

/**
 * A form's submit handler with its busy flag and error; `action` gets the form's fields. After a
 * success that navigates away, `stayBusy` keeps the button disabled until the page changes.
 */
export function useFormSubmit(action: (form: FormData) => Promise<void>, { stayBusy = false }: { stayBusy?: boolean } = {}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await action(form);
      if (!stayBusy) setBusy(false);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return { busy, error, onSubmit };
}
