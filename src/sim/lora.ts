import { SimError, badRequest, notFound } from "./http-util.js";

export interface LoraAdapter {
  readonly name: string;
  readonly path: string;
  readonly baseModel: string;
  readonly created: number;
}

/** Loaded LoRA adapters, as vLLM's `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` manage them. */
export class LoraRegistry {
  private readonly adapters = new Map<string, LoraAdapter>();

  constructor(
    private readonly maxLoras: number,
    private readonly baseModels: readonly string[],
  ) {}

  has(name: string): boolean {
    return this.adapters.has(name);
  }

  list(): LoraAdapter[] {
    return [...this.adapters.values()];
  }

  load(body: Record<string, unknown>): string {
    const name = body.lora_name;
    const path = body.lora_path;
    if (typeof name !== "string" || name === "" || typeof path !== "string" || path === "") {
      throw badRequest("Both 'lora_name' and 'lora_path' must be provided.");
    }
    if (this.adapters.has(name)) {
      throw new SimError(400, `The lora adapter '${name}' has already been loaded.`, "InvalidUserInput");
    }
    if (this.baseModels.includes(name)) {
      throw new SimError(
        400,
        `The lora adapter name '${name}' collides with a served model.`,
        "InvalidUserInput",
      );
    }
    if (this.adapters.size >= this.maxLoras) {
      throw new SimError(
        400,
        `Cannot load LoRA adapter '${name}': the maximum number of loaded adapters (max_loras=${this.maxLoras}) is reached.`,
        "InvalidUserInput",
      );
    }
    const requestedBase = body.base_model_name;
    const baseModel =
      typeof requestedBase === "string" && this.baseModels.includes(requestedBase)
        ? requestedBase
        : (this.baseModels[0] ?? "");
    this.adapters.set(name, { name, path, baseModel, created: Math.floor(Date.now() / 1000) });
    return `Success: LoRA adapter '${name}' added successfully.`;
  }

  unload(body: Record<string, unknown>): string {
    const name = body.lora_name;
    if (typeof name !== "string" || name === "") throw badRequest("'lora_name' needs to be provided.");
    if (!this.adapters.delete(name)) throw notFound(`The lora adapter '${name}' cannot be found.`);
    return `Success: LoRA adapter '${name}' removed successfully.`;
  }
}
