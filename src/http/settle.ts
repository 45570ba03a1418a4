import type { RequestMeter } from "../usage/request-meter.js";
import type { UsageSink } from "../usage/usage-event.js";

/**
 * Settles a request's meter (once) and hands the event to every sink. When a sink holds events
 * durably (the ledger's journal), `meter.durable` resolves once it does: the response's last bytes
 * wait for it (the onSend hook in server.ts, relayStream for streams).
 */
export function settle(
  sinks: readonly UsageSink[],
  meter: RequestMeter | null,
  status: number,
  errorCode: string | null,
): void {
  const event = meter?.settle(status, errorCode);
  if (event === undefined) return;
  let durable: Promise<void> | null = null;
  for (const sink of sinks) {
    sink.record(event);
    const done = sink.durable?.(event);
    if (done !== undefined) durable = durable === null ? done : Promise.all([durable, done]).then(noop);
  }
  meter!.durable = durable;
}

const noop = (): void => undefined;

/** Resolves when the request's usage event is durable (at once if no sink needs that). Never rejects. */
export function whenDurable(meter: RequestMeter | null): Promise<void> | undefined {
  return meter?.durable ?? undefined;
}
