/**
 * JSON with object keys sorted and undefined members dropped: equal values give equal text. The
 * audit chain hashes it (so its output must never change for a value that survives a JSON round
 * trip) and tenant specs compare by it. Built with one string per level, no intermediate arrays:
 * the audit thread runs it for every inference record.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null"; // as JSON.stringify writes numbers
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return JSON.stringify(value) ?? "null";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const o = value as Record<string, unknown>;
  let out = "{";
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    if (v === undefined) continue;
    out += `${out.length === 1 ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
