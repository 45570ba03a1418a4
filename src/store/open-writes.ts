import type { Store, StoreWrites } from "./port.js";
import { inlineWrites, ThreadStoreWrites } from "./worker/store-writes.js";

export interface WriteSettings {
  readonly storage: string;
  readonly storage_write_thread: boolean;
}

/**
 * The batched writers' store writes: in their own thread (the default), or on the event loop through
 * `store` when so configured or when the store is an in-memory SQLite database, which only `store`'s
 * connection can see.
 */
export function openStoreWrites(
  settings: WriteSettings,
  store: Store,
  options: {
    /** The chain that the ledger's batches extend with their requests' audit records (null: none). */
    readonly inferenceChain: string | null;
    readonly onThreadError?: (err: Error) => void;
  },
): StoreWrites {
  if (!settings.storage_write_thread || settings.storage === "sqlite://:memory:") {
    return inlineWrites(store, options.inferenceChain);
  }
  // the thread runs one call at a time: one connection is all it uses
  return new ThreadStoreWrites(
    { url: settings.storage, poolSize: 1, inferenceChain: options.inferenceChain },
    options.onThreadError,
  );
}
