import type { AuditEntry } from "./chain.js";

/**
 * Audit entries on their way to the journal: made safe to store and to hash before they are linked.
 * Text fields lose control characters (PostgreSQL refuses NUL in text) and are capped; `data` is
 * made plain JSON (what is hashed is exactly what is stored and read back); a bad time becomes now.
 */

// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;
/** Larger `data` is replaced by a marker: the trail is not a blob store. */
const MAX_DATA_CHARS = 64 * 1024;

function text(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return String(value).replace(CONTROL, "").slice(0, max);
}

function plainData(data: unknown): Record<string, unknown> {
  try {
    const json = JSON.stringify(data ?? {});
    if (json === undefined || !json.startsWith("{")) return { invalid: true };
    if (json.length > MAX_DATA_CHARS) return { truncated: true, chars: json.length };
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return { unserializable: true }; // a cycle or a BigInt: record that something happened anyway
  }
}

function isoTime(value: unknown, now: () => Date): string {
  const t = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return (Number.isNaN(t) ? now() : new Date(t)).toISOString();
}

export function normalizeEntry(e: AuditEntry, now: () => Date = () => new Date()): AuditEntry {
  return {
    time: isoTime(e.time, now),
    actor: text(e.actor, 256) || "unknown",
    action: text(e.action, 128) || "unknown",
    tenant: text(e.tenant, 128),
    target: text(e.target, 512),
    sourceIp: text(e.sourceIp, 64),
    data: plainData(e.data),
  };
}

/** One journal line. Never throws. */
export function encodeEntry(e: AuditEntry): string {
  return JSON.stringify(normalizeEntry(e));
}

/** A journal line back to an entry; undefined for a line that is not one. */
export function decodeEntry(line: string): AuditEntry | undefined {
  try {
    const v = JSON.parse(line) as Partial<Record<keyof AuditEntry, unknown>>;
    const str = (x: unknown): x is string => typeof x === "string";
    const opt = (x: unknown): x is string | null => x === null || typeof x === "string";
    if (
      !str(v.time) ||
      !str(v.actor) ||
      !str(v.action) ||
      !opt(v.tenant) ||
      !opt(v.target) ||
      !opt(v.sourceIp)
    )
      return undefined;
    if (v.data === null || typeof v.data !== "object" || Array.isArray(v.data)) return undefined;
    return {
      time: v.time,
      actor: v.actor,
      action: v.action,
      tenant: v.tenant,
      target: v.target,
      sourceIp: v.sourceIp,
      data: v.data as Record<string, unknown>,
    };
  } catch {
    return undefined;
  }
}
