import { z } from "zod";
import type { AuditCursor, AuditQuery, AuditReader } from "../../audit/audit-log.js";
import type { AuditRecord } from "../../audit/chain.js";
import { ApiError } from "../../errors.js";
import { route, type AnyRoute, type RouteContext } from "./route.js";
import { notFound } from "./validate.js";

const time = z.iso.datetime({ offset: true });

const auditQuery = z.strictObject({
  actor: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .meta({ description: 'Exact actor, e.g. "admin-key:ak_…", "key:…".' }),
  action: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: 'Exact action ("tenant.update", "inference"), or a prefix ending in * ("key.*").' }),
  from: time.optional().meta({ description: "Inclusive start (record time)." }),
  to: time.optional().meta({ description: "Exclusive end." }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional().meta({ description: "`next_cursor` of the previous page." }),
});
const platformQuery = auditQuery.extend({
  tenant: z.string().min(1).max(128).optional().meta({ description: "Only this tenant's records." }),
});

const recordView = z.strictObject({
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  tenant: z.string().nullable(),
  target: z.string().nullable(),
  source_ip: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  chain: z.string(),
  seq: z.number().int(),
  prev_hash: z.string(),
  hash: z.string(),
});
const page = z.strictObject({
  object: z.literal("list"),
  data: z.array(recordView),
  next_cursor: z.string().nullable(),
});

const view = (r: AuditRecord): z.output<typeof recordView> => ({
  time: r.time,
  actor: r.actor,
  action: r.action,
  tenant: r.tenant,
  target: r.target,
  source_ip: r.sourceIp,
  data: r.data,
  chain: r.chain,
  seq: r.seq,
  prev_hash: r.prevHash,
  hash: r.hash,
});

function decodeCursor(cursor: string): AuditCursor {
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<AuditCursor>;
    if (typeof c.time === "string" && typeof c.chain === "string" && Number.isSafeInteger(c.seq))
      return c as AuditCursor;
  } catch {
    // fall through
  }
  throw new ApiError("invalid_request", "Not a cursor of this API.", "cursor");
}

const encodeCursor = (r: AuditRecord): string =>
  Buffer.from(JSON.stringify({ time: r.time, chain: r.chain, seq: r.seq })).toString("base64url");

async function search(reader: AuditReader, tenant: string | undefined, q: z.output<typeof auditQuery>) {
  const query: AuditQuery = {
    tenant,
    actor: q.actor,
    action: q.action,
    from: q.from === undefined ? undefined : new Date(q.from),
    to: q.to === undefined ? undefined : new Date(q.to),
    limit: q.limit,
    before: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
  };
  const records = await reader.query(query);
  const last = records[records.length - 1];
  return {
    object: "list" as const,
    data: records.map(view),
    next_cursor: records.length === q.limit && last !== undefined ? encodeCursor(last) : null,
  };
}

/** The tenant a query may read: a tenant-bound actor only its own (another one answers 404, like a missing one). */
function scope(ctx: RouteContext, asked: string | undefined): string | undefined {
  const own = ctx.actor.tenant;
  if (own === null) return asked;
  if (asked !== undefined && asked !== own) throw notFound("tenant", asked);
  return own;
}

/**
 * Audit queries, newest first, a page at a time: `/audit` (platform admins: every tenant and the
 * platform's own records; tenant-bound actors: their tenant) and `/tenants/{tenant}/audit`.
 */
export function auditRoutes(reader: AuditReader): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/audit",
      summary: "Query the audit trail by tenant, actor, action and time (tenant-bound callers: their tenant)",
      tag: "audit",
      permission: "audit:read",
      query: platformQuery,
      response: page,
      handler: (ctx) => search(reader, scope(ctx, ctx.query.tenant), ctx.query),
    }),
    route({
      method: "GET",
      path: "/tenants/{tenant}/audit",
      summary: "Query a tenant's audit trail by actor, action and time",
      tag: "audit",
      permission: "audit:read",
      query: auditQuery,
      response: page,
      handler: (ctx) => search(reader, ctx.tenant.id, ctx.query),
    }),
  ];
}
