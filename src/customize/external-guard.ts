/** The port of an external guard service (e.g. a moderation model) consulted on prompts. */
export interface GuardVerdict {
  readonly allow: boolean;
  readonly reason?: string | undefined;
}

export interface ExternalGuard {
  /** Resolves with the verdict, or rejects when the guard fails or times out. */
  check(input: { tenant: string; model: string; text: string }, signal: AbortSignal): Promise<GuardVerdict>;
}
