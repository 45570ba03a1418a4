import type { Engine } from "./engine.js";
import { MAX_MODEL_LEN } from "./engine.js";

interface ModelCard {
  id: string;
  object: "model";
  created: number;
  owned_by: "tollgate-sim";
  root: string;
  parent: string | null;
  max_model_len: number;
}

/** `GET /v1/models`: served models, embedding models, then loaded LoRA adapters (parent = base). */
export function listModels(engine: Engine): { object: "list"; data: ModelCard[] } {
  const created = engine.created;
  const card = (id: string, root: string, parent: string | null, at = created): ModelCard => ({
    id,
    object: "model",
    created: at,
    owned_by: "tollgate-sim",
    root,
    parent,
    max_model_len: MAX_MODEL_LEN,
  });
  const names = [...new Set([...engine.opts.models, ...engine.opts.embeddingModels])];
  const data = names.map((name) => card(name, name, null));
  for (const lora of engine.loras.list()) data.push(card(lora.name, lora.path, lora.baseModel, lora.created));
  return { object: "list", data };
}
