import { describe, expect, it } from "vitest";
import { SlotQueue } from "../../src/sim/slots.js";
import type { SlotTicket } from "../../src/sim/slots.js";

describe("SlotQueue", () => {
  it("starts up to capacity at once and the rest in FIFO order", () => {
    const slots = new SlotQueue(2);
    const started: number[] = [];
    const tickets: SlotTicket[] = [];
    for (let i = 0; i < 5; i++) tickets.push(slots.acquire(() => started.push(i)));
    expect(started).toEqual([0, 1]);
    expect([slots.running, slots.waiting]).toEqual([2, 3]);
    tickets[1]!.release();
    expect(started).toEqual([0, 1, 2]);
    tickets[3]!.release(); // leaves the queue without ever running
    tickets[0]!.release();
    expect(started).toEqual([0, 1, 2, 4]);
    expect([slots.running, slots.waiting, slots.maxRunning]).toEqual([2, 0, 2]);
    tickets[0]!.release(); // idempotent
    expect(slots.running).toBe(2);
  });

  it("drains a long queue of synchronous completions without recursion", () => {
    const slots = new SlotQueue(1);
    let completed = 0;
    const blocker = slots.acquire(() => undefined);
    for (let i = 0; i < 50_000; i++) {
      slots.acquire((ticket) => {
        completed++;
        ticket.release();
      });
    }
    expect(slots.waiting).toBe(50_000);
    blocker.release();
    expect(completed).toBe(50_000);
    expect([slots.running, slots.waiting]).toEqual([0, 0]);
  });
});
