import { Worker } from "node:worker_threads";
import { inferenceAudit } from "../../audit/inference-audit.js";
import { decodingWriter } from "../../usage/ledger-writer.js";
import type { Store, StoreWrites } from "../port.js";
import type { Call, Reply, Results, ThreadSettings } from "./protocol.js";
import { threadEntry } from "./thread-entry.js";

type Body<O extends Call["op"]> = Omit<Extract<Call, { op: O }>, "id" | "op">;

interface Waiter {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** The writes through the gateway's own store connection, on the event loop (an in-memory SQLite store). */
export function inlineWrites(store: Store, inferenceChain: string | null): StoreWrites {
  const audit = inferenceChain === null ? undefined : inferenceAudit(inferenceChain);
  return {
    ledger: decodingWriter({ append: (events) => store.ledger.append(events, audit) }),
    keys: store.keys,
    audit: store.audit,
    ping: () => store.ping(),
    close: () => Promise.resolve(),
  };
}

/**
 * The batched writers' store writes (ledger, audit trail, keys' last use) in a worker thread with its
 * own store connection (thread.ts): SQLite statements run synchronously, and a batch of a few hundred
 * events costs tens of milliseconds of CPU — on the event loop, every request in flight would wait
 * for it. Calls are
 * answered in order. If the thread dies, the calls in flight fail (the writers retry their batch)
 * and the next call starts a new thread. The thread keeps the process alive only while a call is
 * in flight.
 */
export class ThreadStoreWrites implements StoreWrites {
  readonly ledger = {
    appendRecords: (lines: readonly string[]) => this.call("ledger.appendRecords", { lines }),
  };
  readonly keys = {
    touch: (uses: Body<"keys.touch">["uses"]) => this.call("keys.touch", { uses }),
  };
  readonly audit = {
    head: (chain: string) => this.call("audit.head", { chain }),
    append: (records: Body<"audit.append">["records"]) => this.call("audit.append", { records }),
  };
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private closed = false;

  constructor(
    private readonly settings: ThreadSettings,
    private readonly onThreadError?: (err: Error) => void,
  ) {}

  ping(): Promise<void> {
    return this.call("ping", {});
  }

  /** Waits for the calls in flight, closes the thread's store and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker === null) return;
    await this.send(worker, "close", {}).catch(() => undefined);
    this.worker = null;
    await worker.terminate();
  }

  private call<O extends Call["op"]>(op: O, body: Body<O>): Promise<Results[O]> {
    if (this.closed) return Promise.reject(new Error("store writes thread closed"));
    return this.send((this.worker ??= this.spawn()), op, body);
  }

  private send<O extends Call["op"]>(worker: Worker, op: O, body: Body<O>): Promise<Results[O]> {
    const id = this.nextId++;
    return new Promise<Results[O]>((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...body, id, op });
    });
  }

  private spawn(): Worker {
    const entry = threadEntry("thread");
    const worker = new Worker(entry.url, { workerData: this.settings, execArgv: entry.execArgv });
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      if (waiter === undefined) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    worker.on("error", (err) => this.lost(worker, err));
    worker.on("exit", (code) => this.lost(worker, new Error(`store writes thread exited (code ${code})`)));
    return worker;
  }

  /** The thread died: its calls in flight fail, and the next call starts another one. */
  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    if (!this.closed) this.onThreadError?.(err);
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
