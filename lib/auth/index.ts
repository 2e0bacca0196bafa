/**
 * Who the caller is and what they may do: the one place routes and pages ask (see lib/auth/policy.ts
 * for the rules). Routes: `const caller = await callerOf(request); await authorize(caller, action, target)`.
 */
import "server-only";
export { authorId, homeWorkspace, readableWorkspaces, LOCAL_WORKSPACE_ID, type Caller, type ShareKind } from "./caller";
export { callerOf, currentCaller, shareCaller, unauthenticated, WORKSPACE_COOKIE, SHARE_HEADER } from "./identify";
export { authorize, allowed, authorizeNotebookTemplates, refusalOf, requireIdentified, type Target } from "./authorize";
export { noWorkspace } from "./errors";
export { authMode, isSharedDeployment, isLoopbackHost, type AuthMode } from "./mode";
export { ROLES, SCOPES, isRole, isScope, mayAssign, type Role, type Scope, type Action } from "./roles";

