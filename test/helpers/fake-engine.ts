import { startHttpServer } from "./http-server.js";

/**
 * A minimal OpenAI-compatible engine that answers every chat request with a fixed text — for
 * output-guardrail tests, where the answer must contain what the guard looks for. Streams send the
 * text in `chunkSize`-character pieces, so matches straddle chunks.
 */
export async function startFakeEngine(
  text: string,
  chunkSize = 3,
): Promise<{ url: string; close: () => Promise<void> }> {
  return startHttpServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw) as { model: string; stream?: boolean };
      const usage = { prompt_tokens: 5, completion_tokens: 10, total_tokens: 15 };
      const base = { id: "chatcmpl-fake", created: 0, model: body.model };
      if (!body.stream) {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            ...base,
            object: "chat.completion",
            choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
            usage,
          }),
        );
        return;
      }
      res.setHeader("content-type", "text/event-stream");
      const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      for (let i = 0; i < text.length; i += chunkSize) {
        send({
          ...base,
          object: "chat.completion.chunk",
          choices: [{ index: 0, delta: { content: text.slice(i, i + chunkSize) }, finish_reason: null }],
        });
      }
      send({
        ...base,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      });
      send({ ...base, object: "chat.completion.chunk", choices: [], usage });
      res.end("data: [DONE]\n\n");
    });
  });
}
