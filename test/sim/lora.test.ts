import { NotFoundError } from "openai";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.js";
import { client, postJson } from "./helpers.js";

describe("LoRA adapters", () => {
  it("loads, lists, serves and unloads adapters as vLLM does", async () => {
    const sim = await startSimulator({ models: ["base-7b"], maxLoras: 2 });
    try {
      const load = await postJson(sim, "/v1/load_lora_adapter", {
        lora_name: "tenant-a-sql",
        lora_path: "/l/a",
      });
      expect(load.status).toBe(200);
      expect(load.text).toMatch(/^Success: LoRA adapter 'tenant-a-sql' added successfully/);

      const again = await postJson(sim, "/v1/load_lora_adapter", {
        lora_name: "tenant-a-sql",
        lora_path: "/l/a",
      });
      expect(again.status).toBe(400);
      expect(again.json.error.message).toMatch(/already been loaded/);
      expect((await postJson(sim, "/v1/load_lora_adapter", { lora_name: "x" })).status).toBe(400);

      const models = await client(sim).models.list();
      const cards = models.data as unknown as {
        id: string;
        parent: string | null;
        root: string;
        owned_by: string;
      }[];
      expect(cards.map((m) => [m.id, m.parent])).toEqual([
        ["base-7b", null],
        ["tenant-a-sql", "base-7b"],
      ]);
      expect(cards.every((m) => m.owned_by === "tollgate-sim")).toBe(true);
      expect(cards[1]!.root).toBe("/l/a");

      const ask = (model: string) =>
        client(sim).chat.completions.create({
          model,
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 8,
        });
      const viaLora = await ask("tenant-a-sql");
      expect(viaLora.model).toBe("tenant-a-sql");
      expect(viaLora.choices[0]!.message.content).not.toBe(
        (await ask("base-7b")).choices[0]!.message.content,
      );

      expect(
        (await postJson(sim, "/v1/load_lora_adapter", { lora_name: "b", lora_path: "/l/b" })).status,
      ).toBe(200);
      const third = await postJson(sim, "/v1/load_lora_adapter", { lora_name: "c", lora_path: "/l/c" });
      expect(third.status).toBe(400);
      expect(third.json.error.message).toMatch(/max_loras=2/);

      const unload = await postJson(sim, "/v1/unload_lora_adapter", { lora_name: "tenant-a-sql" });
      expect(unload.status).toBe(200);
      expect(unload.text).toMatch(/removed successfully/);
      await expect(ask("tenant-a-sql")).rejects.toBeInstanceOf(NotFoundError);
      const unknown = await postJson(sim, "/v1/unload_lora_adapter", { lora_name: "tenant-a-sql" });
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.type).toBe("NotFoundError");
      expect(
        (await postJson(sim, "/v1/load_lora_adapter", { lora_name: "c", lora_path: "/l/c" })).status,
      ).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
