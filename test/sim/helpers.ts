import OpenAI from "openai";
import type { RunningSim } from "../../src/sim/server.js";

export function client(sim: RunningSim): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "x", maxRetries: 0 });
}

export interface JsonReply {
  status: number;
  contentType: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON replies
  json: any;
  text: string;
}

export async function postJson(
  sim: RunningSim,
  path: string,
  body: unknown,
  raw = false,
): Promise<JsonReply> {
  const res = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sim-test-key" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), json, text };
}

/** Parses an SSE body into its `data:` payloads (the final "[DONE]" kept as a string). */
export function sseEvents(text: string): unknown[] {
  const events: unknown[] = [];
  for (const block of text.split("\n\n")) {
    if (block.trim() === "") continue;
    if (!block.startsWith("data: ")) throw new Error(`not an SSE data frame: ${block}`);
    const data = block.slice(6);
    events.push(data === "[DONE]" ? data : JSON.parse(data));
  }
  return events;
}

export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
