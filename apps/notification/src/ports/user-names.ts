/** Display names for lock-screen text. */
export abstract class UserNames {
  /** null for a user the directory does not know (any more). */
  abstract displayName(orgId: string, userId: string): Promise<string | null>;
}
