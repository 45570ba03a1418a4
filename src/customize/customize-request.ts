import { ApiError } from "../errors.js";
import type { ModelRoute } from "../tenancy/policy.js";
import type { CacheSalts } from "./cache-salt.js";
import type { GuardFinding } from "./guardrails.js";
import { requestText, rewriteRequestText } from "./request-text.js";
import type { TenantCustomization } from "./tenant-customization.js";

export interface CustomizeInput {
  readonly tenantId: string;
  readonly custom: TenantCustomization;
  readonly model: ModelRoute;
  readonly body: Record<string, unknown>;
  readonly user: string | null;
  readonly now: Date;
  readonly salts: CacheSalts;
  readonly signal: AbortSignal;
  /** Counts the prompt tokens of a (customized) body, for max_input_tokens. */
  readonly promptTokens: (body: Record<string, unknown>) => number;
}

export interface Customized {
  /** The body after prompts and redaction, with the gateway's cache_salt (or none). */
  readonly body: Record<string, unknown>;
  readonly promptVersion: string | null;
  /** Guardrail findings with action `log` or `redact` (never the matched text). */
  readonly findings: readonly GuardFinding[];
}

/** `content_blocked`, carrying the rule for the usage event and the log (never the matched text). */
export class ContentBlockedError extends ApiError {
  constructor(readonly rule: string) {
    super("content_blocked", `The request was blocked by your tenant's content policy (${rule}).`);
  }
}

const blocked = (rule: string) => new ContentBlockedError(rule);

/**
 * The customize stage: the tenant's system prompt, input guardrails (redact / block / log, PII,
 * max_input_tokens, external guard) and the prompt-cache salt. Throws `content_blocked`.
 */
export async function customizeRequest(input: CustomizeInput): Promise<Customized> {
  const { custom, model } = input;
  let body = input.body;
  let promptVersion: string | null = null;
  if (Array.isArray(body.messages) && !custom.prompts.isEmpty) {
    const applied = custom.prompts.apply(body.messages as { role: string }[], {
      tenant: input.tenantId,
      model: model.name,
      user: input.user,
      now: input.now,
    });
    body = { ...body, messages: applied.messages };
    promptVersion = applied.version;
  }

  const findings: GuardFinding[] = [];
  const guard = custom.guardrails;
  if (guard?.checksInput) {
    let block: GuardFinding | null = null;
    body = rewriteRequestText(body, (text) => {
      const scan = guard.scan(text);
      findings.push(...scan.findings);
      block ??= scan.blocked;
      return scan.text;
    });
    if (block !== null) throw blocked((block as GuardFinding).rule);
  }
  if (guard?.maxInputTokens !== undefined && input.promptTokens(body) > guard.maxInputTokens) {
    throw blocked("max_input_tokens");
  }
  if (custom.externalGuard !== null) {
    let verdict;
    try {
      verdict = await custom.externalGuard.guard.check(
        { tenant: input.tenantId, model: model.name, text: requestText(body) },
        input.signal,
      );
    } catch {
      if (!custom.externalGuard.failOpen) throw new ApiError("guard_unavailable");
    }
    if (verdict !== undefined && !verdict.allow)
      throw blocked(`webhook${verdict.reason ? `: ${verdict.reason}` : ""}`);
  }

  const { cache_salt: _clientSalt, ...rest } = body;
  body = rest;
  const salt = model.cacheSalt ? input.salts.salt(input.tenantId, custom.isolation, input.user) : null;
  if (salt !== null) body.cache_salt = salt;
  return { body, promptVersion, findings };
}
