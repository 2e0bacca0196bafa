/**
 * Monaco from our own bundle, never a CDN: hand the ESM namespace to
 * @monaco-editor/react's loader and create the workers from the package.
 * Import this module only on the client (MonacoJsonEditor is loaded with
 * next/dynamic, ssr: false).
 */
import * as monaco from "monaco-editor";
import { loader } from "@monaco-editor/react";
import { z } from "zod";
import { TemplateSchema } from "@/lib/prompt/schema";

type WorkerFactory = { getWorker(workerId: string, label: string): Worker };

(self as unknown as { MonacoEnvironment: WorkerFactory }).MonacoEnvironment = {
  getWorker(_workerId, label) {
    if (label === "json") {
      return new Worker(new URL("monaco-editor/language/json/json.worker", import.meta.url), { type: "module" });
    }
    return new Worker(new URL("monaco-editor/editor/editor.worker", import.meta.url), { type: "module" });
  },
};

loader.config({ monaco });

/** Models whose path ends like this get the template JSON Schema (completion and hovers). */
export const TEMPLATE_MODEL_SUFFIX = ".flamingo-template.json";

const templateJsonSchema = z.toJSONSchema(TemplateSchema, { io: "input", target: "draft-7", unrepresentable: "any" });

monaco.json.jsonDefaults.setDiagnosticsOptions({
  validate: true,
  allowComments: false,
  trailingCommas: "error",
  enableSchemaRequest: false,
  // Schema problems are reported by parseTemplate (the server's own rules) as our
  // markers; Monaco's copy would show each one twice.
  schemaValidation: "ignore",
  schemas: [
    {
      uri: "https://flamingo-studio.local/schemas/template-v1.json",
      fileMatch: [`*${TEMPLATE_MODEL_SUFFIX}`],
      schema: templateJsonSchema,
    },
  ],
});

export { monaco };
