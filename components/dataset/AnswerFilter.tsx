"use client";

import { useRouter } from "next/navigation";
import { useId } from "react";
import { hrefWith } from "@/components/ui/format";

/** Filter the grid by answer; keeps the split filter, resets the page. */
export function AnswerFilter({ base, split, answer, answers }: { base: string; split?: string; answer?: string; answers: { answer: string; count: number }[] }) {
  const router = useRouter();
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-xs font-medium text-stone-600">
        Answer
      </label>
      <select
        id={id}
        className="input w-auto max-w-56"
        value={answer ?? ""}
        onChange={(e) => router.push(hrefWith(base, { split, answer: e.currentTarget.value || undefined }))}
        data-testid="dataset-answer-filter"
      >
        <option value="">All answers ({answers.reduce((s, a) => s + a.count, 0)})</option>
        {answers.map((a) => (
          <option key={a.answer} value={a.answer}>
            {a.answer} ({a.count})
          </option>
        ))}
      </select>
    </div>
  );
}
