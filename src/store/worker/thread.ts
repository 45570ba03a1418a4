/**
 * The store-writes thread: a worker thread with its own store connection that runs the ledger's
 * batches (with their inference audit records) and the audit trail's, so that neither SQLite's
 * synchronous statements nor the building of large batch statements, nor the hashing of the audit
 * chain, ever runs on the gateway's event loop. Started by store-writes.ts.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { inferenceAudit } from "../../audit/inference-audit.js";
import { decodingWriter } from "../../usage/ledger-writer.js";
import { openStore } from "../open.js";
import type { Call, Reply, ThreadError, ThreadSettings } from "./protocol.js";

const settings = workerData as ThreadSettings;
lowerPriority();
const store = openStore(settings.url, { poolSize: settings.poolSize });
const port = parentPort!;
const audit = settings.inferenceChain === null ? undefined : inferenceAudit(settings.inferenceChain);
const ledger = decodingWriter({ append: (events) => store.ledger.append(events, audit) });

function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? { message: err.message, code } : { message: err.message };
}

async function run(call: Call): Promise<unknown> {
  switch (call.op) {
    case "ledger.appendRecords":
      return ledger.appendRecords(call.lines);
    case "keys.touch":
      return store.keys.touch(call.uses);
    case "audit.head":
      return store.audit.head(call.chain);
    case "audit.append":
      return store.audit.append(call.records);
    case "ping":
      return store.ping();
    case "close":
      return store.close();
  }
}

// One call at a time, in arrival order: the writers depend on their batches' order.
let queue: Promise<void> = Promise.resolve();
port.on("message", (call: Call) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      reply = { id: call.id, ok: true, value: await run(call) };
    } catch (err) {
      reply = { id: call.id, ok: false, error: toThreadError(err) };
    }
    port.postMessage(reply);
    if (call.op === "close") port.close();
  });
});

/**
 * Runs this thread at the lowest CPU priority (nice 19; Linux, where a thread has its own id): its
 * batches then use the CPU the event loop leaves idle instead of taking time slices from requests
 * in flight when both share a core. Under sustained saturation the store falls behind and events
 * wait in the journal, as during an outage. Elsewhere (no /proc/thread-self) it runs as it is.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // not Linux, or not allowed: same priority as the event loop
  }
}
