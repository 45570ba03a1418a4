/** Exact decimal USD text of integer micro-dollars ("1.234567", "-0.000050"); no float rounding. */
export function usdText(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
}

/** USD per 1,000 tokens of an integer micro-dollar unit price. */
export const unitUsd = (microsPer1k: number): number => microsPer1k / 1_000_000;
