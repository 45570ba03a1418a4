import type { GuardFinding, Guardrails } from "./guardrails.js";

/** Characters held back from the client so that a match split across chunks is still seen whole. */
const HOLDBACK = 64;

export interface GuardedText {
  readonly text: string;
  readonly blocked: GuardFinding | null;
}

/**
 * Guardrails on a stream of output text: text is released once it is more than HOLDBACK characters
 * behind the newest token (or at the end), redacted; a blocking finding stops the stream before the
 * matched text reaches the client.
 */
export class OutputGuard {
  private pending = "";
  readonly findings: GuardFinding[] = [];

  constructor(private readonly guardrails: Guardrails) {}

  push(text: string): GuardedText {
    this.pending += text;
    if (this.pending.length <= HOLDBACK) return { text: "", blocked: null };
    return this.release(this.guardrails.safeCut(this.pending, this.pending.length - HOLDBACK));
  }

  /** The rest, at the end of the stream. */
  flush(): GuardedText {
    return this.release(this.pending.length);
  }

  private release(cut: number): GuardedText {
    const scan = this.guardrails.scan(this.pending);
    if (scan.blocked !== null) {
      this.findings.push(...scan.findings);
      this.pending = "";
      return { text: "", blocked: scan.blocked };
    }
    const head = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    const released = this.guardrails.scan(head);
    this.findings.push(...released.findings);
    return { text: released.text, blocked: null };
  }
}
