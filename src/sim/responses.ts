import type { GenerationRequest } from "./requests.js";

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(promptTokens: number, completionTokens: number, cachedTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens },
  };
}

/** The non-streaming body, shaped as vLLM / OpenAI return it. */
export function completionBody(
  req: GenerationRequest,
  id: string,
  created: number,
  text: string,
  finishReason: string,
  usage: Usage,
): unknown {
  if (req.kind === "chat") {
    return {
      id,
      object: "chat.completion",
      created,
      model: req.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text },
          logprobs: null,
          finish_reason: finishReason,
          stop_reason: null,
        },
      ],
      usage,
    };
  }
  return {
    id,
    object: "text_completion",
    created,
    model: req.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
    usage,
  };
}

/**
 * Pre-rendered SSE frames for one stream: the per-token frame is a prefix + JSON string of
 * the piece + a suffix, so the hot path only does string concatenation.
 */
export class StreamFrames {
  private readonly head: string;
  private readonly tokenSuffix: string;
  private readonly chat: boolean;

  constructor(req: GenerationRequest, id: string, created: number) {
    this.chat = req.kind === "chat";
    const object = this.chat ? "chat.completion.chunk" : "text_completion";
    this.head = `data: {"id":${JSON.stringify(id)},"object":"${object}","created":${created},"model":${JSON.stringify(req.model)},"choices":`;
    this.tokenSuffix = this.chat
      ? '},"logprobs":null,"finish_reason":null}]}\n\n'
      : ',"logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n';
  }

  /** The first chat frame: `delta: {role: "assistant", content: ""}` (none for completions). */
  start(): string {
    return this.chat
      ? `${this.head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`
      : "";
  }

  token(piece: string): string {
    return this.chat
      ? `${this.head}[{"index":0,"delta":{"content":${JSON.stringify(piece)}${this.tokenSuffix}`
      : `${this.head}[{"index":0,"text":${JSON.stringify(piece)}${this.tokenSuffix}`;
  }

  /** The closing frames: the finish_reason chunk, the usage chunk if asked, then `[DONE]`. */
  finish(finishReason: string, usage: Usage | undefined): string {
    const reason = JSON.stringify(finishReason);
    let out = this.chat
      ? `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":${reason},"stop_reason":null}]}\n\n`
      : `${this.head}[{"index":0,"text":"","logprobs":null,"finish_reason":${reason},"stop_reason":null}]}\n\n`;
    if (usage !== undefined) out += `${this.head}[],"usage":${JSON.stringify(usage)}}\n\n`;
    return out + "data: [DONE]\n\n";
  }
}
