import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../../errors.js";
import {
  BUCKET_LIMITS,
  PAGE_GROUPS,
  usagePage,
  type Bucket,
  type PageGroup,
} from "../../usage/usage-page.js";
import type { GatewayDeps } from "../deps.js";

type Query = Record<string, string | string[] | undefined>;

const invalid = (param: string, message: string): ApiError => new ApiError("invalid_request", message, param);

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function integer(q: Query, name: string, what: string, fallback?: number): number {
  const raw = one(q, name);
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw invalid(name, `'${name}' must be ${what}.`);
  }
  return n;
}

const UNIX = "a Unix time in seconds";

function groups(q: Query): PageGroup[] {
  const raw = [q.group_by, q["group_by[]"]].flat().filter((v): v is string => v !== undefined);
  const names = raw
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  for (const n of names) {
    if (!(PAGE_GROUPS as string[]).includes(n)) {
      throw invalid("group_by", `'group_by' takes ${PAGE_GROUPS.join(", ")}; got '${n}'.`);
    }
  }
  return [...new Set(names as PageGroup[])];
}

/**
 * GET /v1/usage: the caller's own tenant's usage in time buckets (OpenAI's usage-API shape). The
 * tenant comes from the key, never from the query, and every read is scoped to it (row-level security
 * on PostgreSQL), so no other tenant's usage is reachable. The store trails the gateway by up to
 * `usage.batch_interval_ms`.
 */
export function usageRoutes(deps: GatewayDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/usage", async (request: FastifyRequest<{ Querystring: Query }>) => {
      const q = request.query;
      const bucket = (one(q, "bucket_width") ?? "1d") as Bucket;
      if (!(bucket in BUCKET_LIMITS)) throw invalid("bucket_width", "'bucket_width' is '1h' or '1d'.");
      const limits = BUCKET_LIMITS[bucket];
      const limit = integer(q, "limit", "an integer", limits.default);
      if (limit < 1 || limit > limits.max) {
        throw invalid("limit", `'limit' is between 1 and ${limits.max} for bucket_width ${bucket}.`);
      }
      const start = integer(q, one(q, "page") === undefined ? "start_time" : "page", UNIX);
      const end = integer(q, "end_time", UNIX, Math.ceil(deps.clock() / 1000));
      if (end <= start) throw invalid("end_time", "'end_time' must be after 'start_time'.");
      return usagePage(deps.ledger, {
        tenantId: request.principal!.tenantId,
        startTime: start,
        endTime: end,
        bucket,
        groupBy: groups(q),
        limit,
      });
    });
  };
}
