/** The shapes the workspace routes answer with (lib/store/accounts.ts), for client components. */
export type {
  ApiKeySummary,
  InvitationSummary,
  MemberSummary,
  ShareLinkSummary,
  StoredRole,
  StoredScope,
} from "@/lib/store/accounts";
