import { createHash } from "node:crypto";
import type { SystemPromptConfig } from "../config/customize-schema.js";

export interface PromptContext {
  readonly tenant: string;
  readonly model: string;
  readonly user: string | null;
  readonly now: Date;
}

interface ChatMessage {
  readonly role: string;
  readonly [key: string]: unknown;
}

interface CompiledPrompt {
  readonly version: string;
  readonly models: ReadonlySet<string> | null;
  readonly policy: "prepend" | "enforce";
  readonly template: string;
}

const VARIABLE = /\{\{\s*(\w+)\s*\}\}/g;
const BUILTINS = new Set(["tenant", "model", "user", "date"]);

/** Variables a template uses that neither the builtins nor `variables` define (config validation). */
export function unknownVariables(template: string, variables: Readonly<Record<string, string>>): string[] {
  return [...template.matchAll(VARIABLE)]
    .map((m) => m[1]!)
    .filter((v) => !BUILTINS.has(v) && !(v in variables));
}

/** A tenant's system prompts: the first whose `models` match is applied to chat requests. */
export class SystemPrompts {
  private readonly prompts: readonly CompiledPrompt[];

  constructor(
    prompts: readonly SystemPromptConfig[],
    private readonly variables: Readonly<Record<string, string>>,
  ) {
    this.prompts = prompts.map((p) => ({
      version: `${p.id}@${p.version ?? createHash("sha256").update(p.template).digest("hex").slice(0, 8)}`,
      models: p.models === undefined ? null : new Set(p.models),
      policy: p.policy,
      template: p.template,
    }));
  }

  get isEmpty(): boolean {
    return this.prompts.length === 0;
  }

  /** The messages to send and the prompt version applied (null when none applies). */
  apply<M extends ChatMessage>(
    messages: readonly M[],
    ctx: PromptContext,
  ): { messages: (M | ChatMessage)[]; version: string | null } {
    const prompt = this.prompts.find((p) => p.models === null || p.models.has(ctx.model));
    if (prompt === undefined) return { messages: [...messages], version: null };
    const values: Record<string, string> = {
      ...this.variables,
      tenant: ctx.tenant,
      model: ctx.model,
      user: ctx.user ?? "",
      date: ctx.now.toISOString().slice(0, 10),
    };
    const content = prompt.template.replace(VARIABLE, (_m, name: string) => values[name] ?? "");
    const kept =
      prompt.policy === "enforce"
        ? messages.filter((m) => m.role !== "system" && m.role !== "developer")
        : messages;
    return { messages: [{ role: "system", content }, ...kept], version: prompt.version };
  }
}
