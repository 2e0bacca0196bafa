export type SourceEditorTarget =
  | { mode: "create"; libraries: { id: string; name: string }[]; libraryId: string }
  /** `startVersion`: the older version the text came from, if not the latest (saving it unchanged is allowed). */
  | { mode: "edit"; templateId: string; baseVersion: number; startVersion?: number };
