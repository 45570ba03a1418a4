import type { z } from "zod";
import { ApiError } from "../../errors.js";

/** Parses admin API input; a failure is 400 invalid_request naming the first bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const first = issues[0];
  const param = first === undefined || first.path.length === 0 ? null : first.path.map(String).join(".");
  const text = issues
    .slice(0, 5)
    .map((i) => (i.path.length === 0 ? i.message : `${i.path.map(String).join(".")}: ${i.message}`))
    .join("; ");
  throw new ApiError("invalid_request", `Invalid ${where}: ${text}`, param);
}

/** 400 from problems already phrased as "path: message". */
export function invalid(where: string, problems: readonly string[]): ApiError {
  const param = problems[0]?.split(":")[0] ?? null;
  return new ApiError("invalid_request", `Invalid ${where}: ${problems.slice(0, 5).join("; ")}`, param);
}

export const notFound = (what: string, id: string): ApiError =>
  new ApiError("resource_not_found", `No ${what} '${id}'.`);
