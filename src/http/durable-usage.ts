import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * onSend hook of /v1: a successful answer's bytes wait until its usage event is durable (the
 * ledger's journal, group commit: a few ms shared by every request of that window). Error answers
 * don't wait: their events are journaled all the same, just not ahead of the reply. Streams wait in
 * relayStream, before `[DONE]`.
 */
export function awaitDurableUsage(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload: unknown) => void,
): void {
  const durable = request.meter?.durable;
  if (durable === null || durable === undefined || reply.statusCode >= 400) {
    done(null, payload);
    return;
  }
  durable.then(
    () => done(null, payload),
    () => done(null, payload),
  );
}
