import type { Metadata } from "next";
import Link from "next/link";
import { getTemplate } from "@/lib/store";
import { TemplateSourceEditor } from "@/components/editor/TemplateSourceEditor";
import { toSource } from "@/components/editor/starter";
import { orNotFound } from "../../../not-found-guard";

export const metadata: Metadata = { title: "Edit template" };
export const dynamic = "force-dynamic";

export default async function EditTemplatePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const template = await orNotFound(getTemplate(id));
  const back = `/templates/${encodeURIComponent(template.id)}`;
  return (
    <div className="flex flex-col gap-4">
      <header>
        <nav aria-label="Breadcrumb" className="text-sm text-stone-500">
          <Link href={back} className="hover:text-stone-900 hover:underline">
            {template.name}
          </Link>
          <span aria-hidden className="mx-1.5">
            /
          </span>
          <span>source</span>
        </nav>
        <h1 className="text-2xl font-semibold tracking-tight">
          Edit source <span className="text-base font-normal text-stone-500">from v{template.latestVersion}</span>
        </h1>
      </header>
      <TemplateSourceEditor
        // A new latest version remounts the editor with fresh text.
        key={template.latestVersion}
        target={{ mode: "edit", templateId: template.id, baseVersion: template.latestVersion }}
        initialText={toSource(template.document)}
        cancelHref={back}
      />
    </div>
  );
}
