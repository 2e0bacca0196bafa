import type { EditorIssue } from "./analyze";

interface Props {
  issues: EditorIssue[];
  /** Line number of a character offset, for "line 12". */
  lineOf(offset: number): number;
  onSelect(issue: EditorIssue): void;
}

/** The problems under the editor; each one jumps to its place in the source. */
export function IssueList({ issues, lineOf, onSelect }: Props) {
  if (issues.length === 0) {
    return (
      <p className="flex items-center gap-2 text-sm text-emerald-700" data-testid="editor-valid" role="status">
        <span aria-hidden className="inline-block size-2 rounded-full bg-emerald-500" />
        Valid template
      </p>
    );
  }
  const syntax = issues[0]?.kind === "syntax";
  // After the first syntax error the rest are usually its echoes: show the first.
  const shown = syntax ? issues.slice(0, 1) : issues;
  return (
    <div role="status" data-testid="editor-issues">
      <p className="mb-1 text-sm font-medium text-red-700">
        {syntax ? "The JSON does not parse" : `${issues.length} ${issues.length === 1 ? "problem" : "problems"} in the template`}
      </p>
      <ul className="flex max-h-48 flex-col gap-1 overflow-auto text-sm">
        {shown.map((issue, i) => (
          <li key={i}>
            <button
              type="button"
              onClick={() => onSelect(issue)}
              className="w-full rounded px-2 py-1 text-left wrap-anywhere hover:bg-red-50"
              data-testid="editor-issue"
              data-line={lineOf(issue.start)}
            >
              <span className="mr-2 font-mono text-xs text-stone-500">line {lineOf(issue.start)}</span>
              {issue.path ? <code className="mr-1 font-mono text-xs text-red-800">{issue.path}:</code> : null}
              <span className="text-stone-800">{issue.message}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
