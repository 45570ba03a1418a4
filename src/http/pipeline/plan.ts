import type { FastifyRequest } from "fastify";
import type { Principal } from "../../auth/principal.js";
import { ContentBlockedError, customizeRequest, type Customized } from "../../customize/customize-request.js";
import { OutputGuard } from "../../customize/output-guard.js";
import type { TenantCustomization } from "../../customize/tenant-customization.js";
import { ApiError } from "../../errors.js";
import type { ModelRoute, TenantPolicy } from "../../tenancy/policy.js";
import type { GatewayDeps } from "../deps.js";
import { parseBody } from "../openai-schemas.js";
import { outputCap, upstreamBody, type EndpointSpec } from "./endpoints.js";

/** Everything decided about a request before admission: what it asks, for whom, and what goes upstream. */
export interface Plan {
  readonly spec: EndpointSpec;
  readonly tenant: TenantPolicy;
  readonly principal: Principal;
  readonly model: ModelRoute;
  readonly custom: TenantCustomization;
  readonly stream: boolean;
  readonly wantsUsage: boolean;
  readonly maxOutput: number;
  /** The gateway's count of the (customized) prompt. */
  readonly promptTokens: number;
  /** The customized request, before the upstream rewrite (the response cache keys on it). */
  readonly body: Record<string, unknown>;
  /** The JSON sent to the engine. */
  readonly payload: string;
  /** The JSON for another model of the fallback chain. */
  payloadFor(model: ModelRoute): string;
  /** Models to try when `model`'s engines are all unavailable (the tenant's fallback chain). */
  readonly fallbacks: readonly ModelRoute[];
  /** For prefix affinity: the tenant's salt and the start of the prompt. */
  readonly affinityKey: string | null;
  readonly newOutputGuard: () => OutputGuard | null;
}

/** authorize model → customize (system prompt, guardrails, cache_salt) → output cap. */
export async function planRequest(
  deps: GatewayDeps,
  spec: EndpointSpec,
  request: FastifyRequest,
  signal: AbortSignal,
): Promise<Plan> {
  const meter = request.meter!;
  const principal = request.principal!;
  const tenant = deps.catalog.tenant(principal.tenantId);
  const custom = deps.customizations.get(principal.tenantId);
  // Deleted between authentication and now (the tenant directory refreshed meanwhile).
  if (tenant === undefined || custom === undefined) throw new ApiError("invalid_api_key");
  const body = parseBody(spec.schema, request.body);

  const found = deps.catalog.resolveModel(tenant, body.model, principal.keyModels);
  if (!found.ok) {
    // A known model outside the tenant's tier is recorded by name; unknown names are not (label cardinality).
    if (found.reason === "not_allowed") meter.model = body.model;
    throw found.reason === "not_found"
      ? new ApiError("model_not_found", `The model '${body.model}' does not exist.`, "model")
      : new ApiError(
          "model_not_allowed",
          `The model '${body.model}' is not available to your tenant.`,
          "model",
        );
  }
  const model = found.model;
  if (model.kind !== spec.kind) {
    throw new ApiError(
      "unsupported_model_kind",
      `The model '${model.name}' does not serve ${spec.path}.`,
      "model",
    );
  }
  meter.model = model.name;
  meter.servedModel = model.servedModel;
  meter.price = model.price;
  meter.user ??= typeof body.user === "string" ? body.user : null;
  const stream = spec.streams && (body as { stream?: boolean | null }).stream === true;
  meter.stream = stream;

  let customized: Customized;
  try {
    customized = await customizeRequest({
      tenantId: tenant.id,
      custom,
      model,
      body,
      user: meter.user,
      now: new Date(deps.clock()),
      salts: deps.salts,
      signal,
      promptTokens: (b) => spec.promptTokens(b as typeof body),
    });
  } catch (err) {
    if (err instanceof ContentBlockedError) {
      meter.blockedBy = err.rule;
      request.log.warn(
        { tenant: tenant.id, rule: err.rule, request_id: request.id },
        "guardrail blocked a request",
      );
    }
    throw err;
  }
  meter.promptVersion = customized.promptVersion;
  if (customized.findings.length > 0) {
    request.log.info(
      { tenant: tenant.id, guardrails: customized.findings.map((f) => `${f.rule}:${f.action}`) },
      "guardrail findings",
    );
  }

  const maxOutput = outputCap(spec, body, model);
  const guardrails = custom.guardrails;
  const send = customized.body as typeof body;
  const payloadFor = (m: ModelRoute) =>
    JSON.stringify(upstreamBody(spec, send, m, stream, Math.min(maxOutput, m.maxOutputTokens)));
  const fallbacks =
    model.lora === undefined
      ? (tenant.fallbacks.get(model.name) ?? [])
          .map((n) => deps.catalog.model(n)!)
          .filter((m) => m.kind === model.kind)
      : [];
  return {
    spec,
    tenant,
    principal,
    model,
    custom,
    stream,
    wantsUsage:
      (body as { stream_options?: { include_usage?: boolean } | null }).stream_options?.include_usage ===
      true,
    maxOutput,
    promptTokens: spec.promptTokens(customized.body as typeof body),
    body: customized.body,
    payload: payloadFor(model),
    payloadFor,
    fallbacks,
    affinityKey:
      model.affinity === "prefix"
        ? `${typeof send.cache_salt === "string" ? send.cache_salt : tenant.id}\u0000${JSON.stringify(send).slice(0, 512)}`
        : null,
    newOutputGuard: () => (guardrails?.checksOutput ? new OutputGuard(guardrails) : null),
  };
}
