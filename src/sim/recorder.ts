import type { ReceivedRequest } from "./server.js";

/** A ring buffer of the last `capacity` requests received, oldest first when read. */
export class Recorder {
  private readonly items: ReceivedRequest[] = [];
  private next = 0;

  constructor(private readonly capacity = 100) {}

  record(item: ReceivedRequest): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  list(): ReceivedRequest[] {
    if (this.items.length < this.capacity) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}
