import { DecisionLinkToken } from '@approval-hub/protocol';

/** The token of a decision link's page (`/d/<token>`), or null on any other path: the console proper runs there. */
export function decisionLinkTokenFromPath(pathname: string): string | null {
  const match = /^\/d\/([^/]+)\/?$/.exec(pathname);
  if (!match) return null;
  const parsed = DecisionLinkToken.safeParse(match[1]);
  // A malformed token still gets the link page (it says the link is not valid) rather than the sign-in page.
  return parsed.success ? parsed.data : match[1]!;
}
