import type { RequestMeter } from "../usage/request-meter.js";
import type { UsageSink } from "../usage/usage-event.js";

/** Settles a request's meter (once) and hands the event to every sink. */
export function settle(
  sinks: readonly UsageSink[],
  meter: RequestMeter | null,
  status: number,
  errorCode: string | null,
): void {
  const event = meter?.settle(status, errorCode);
  if (event !== undefined) for (const sink of sinks) sink.record(event);
}
