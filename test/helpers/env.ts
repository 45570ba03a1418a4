/** Under CI (or TOLLGATE_REQUIRE_SERVICES=1) a test that cannot reach its service fails; elsewhere it is skipped loudly. */
export const REQUIRE_SERVICES = process.env.CI === "true" || process.env.TOLLGATE_REQUIRE_SERVICES === "1";

export function unavailable(what: string, why: string): void {
  if (REQUIRE_SERVICES) throw new Error(`${what} is required (CI=true) but ${why}`);
  console.warn(`\n*** SKIPPING ${what} tests: ${why} ***\n`);
}
