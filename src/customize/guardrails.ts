import type { GuardrailsConfig } from "../config/customize-schema.js";
import { findPii, type PiiKind } from "./pii.js";

export type GuardAction = "block" | "redact" | "log";

export interface GuardFinding {
  /** "pii:email", "deny:<index>", … (never the matched text). */
  readonly rule: string;
  readonly action: GuardAction;
}

export interface GuardScan {
  /** The text with every `redact` finding replaced. */
  readonly text: string;
  readonly findings: readonly GuardFinding[];
  readonly blocked: GuardFinding | null;
}

interface Span {
  readonly index: number;
  readonly length: number;
  readonly finding: GuardFinding;
  readonly label: string;
}

/** A tenant's compiled guardrails: deny patterns and PII detectors, each with its action. */
export class Guardrails {
  readonly maxInputTokens: number | undefined;
  readonly checksInput: boolean;
  readonly checksOutput: boolean;
  private readonly deny: readonly RegExp[];
  private readonly denyAction: GuardAction | "off";
  private readonly piiActions: ReadonlyMap<PiiKind, GuardAction>;

  constructor(config: GuardrailsConfig) {
    this.maxInputTokens = config.max_input_tokens;
    this.checksInput = config.apply_to !== "output";
    this.checksOutput = config.apply_to !== "input";
    this.deny = config.deny_patterns.map((p) => new RegExp(p, "giu"));
    this.denyAction = config.deny_action;
    this.piiActions = new Map(
      Object.entries(config.pii)
        .filter(([, action]) => action !== "off")
        .map(([kind, action]) => [kind as PiiKind, action as GuardAction]),
    );
  }

  private spans(text: string): Span[] {
    const spans: Span[] = [];
    if (this.denyAction !== "off") {
      this.deny.forEach((re, i) => {
        for (const m of text.matchAll(re)) {
          if (m[0].length === 0) continue;
          spans.push({
            index: m.index,
            length: m[0].length,
            finding: { rule: `deny:${i}`, action: this.denyAction as GuardAction },
            label: "[REDACTED]",
          });
        }
      });
    }
    if (this.piiActions.size > 0) {
      for (const m of findPii(text, new Set(this.piiActions.keys()))) {
        spans.push({
          ...m,
          finding: { rule: `pii:${m.kind}`, action: this.piiActions.get(m.kind)! },
          label: `[REDACTED:${m.kind}]`,
        });
      }
    }
    return spans.sort((a, b) => a.index - b.index);
  }

  /** Scans text; `limit` restricts redaction to spans that end before it (streams hold back the rest). */
  scan(text: string): GuardScan {
    const spans = this.spans(text);
    const findings = spans.map((s) => s.finding);
    const blocked = findings.find((f) => f.action === "block") ?? null;
    let out = "";
    let at = 0;
    for (const s of spans) {
      if (s.finding.action !== "redact" || s.index < at) continue;
      out += text.slice(at, s.index) + s.label;
      at = s.index + s.length;
    }
    return { text: out + text.slice(at), findings, blocked };
  }

  /** Where a stream may cut `text` so that no finding straddles the cut (≤ `wanted`). */
  safeCut(text: string, wanted: number): number {
    let cut = wanted;
    for (const s of this.spans(text)) if (s.index < cut && s.index + s.length > cut) cut = s.index;
    return cut;
  }
}
