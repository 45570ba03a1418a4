import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open as openFile, type FileHandle } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openFileJournal, type FileJournal } from "../../../src/usage/journal/file-journal.js";
import { segmentName } from "../../../src/usage/journal/segments.js";

let dir: string;
const open = (segmentBytes = 1 << 20) =>
  openFileJournal({ dir, fsync: "commit", commitIntervalMs: 2, segmentBytes, retryMs: 10 });
const onDisk = () =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tollgate-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("file journal", () => {
  it("with fsync: interval, answers once written and fdatasyncs in the background, once per interval", async () => {
    const probe = await openFile(join(dir, "probe"), "w");
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as FileHandle, "datasync");
    await probe.close();
    const j = await openFileJournal({
      dir,
      fsync: "interval",
      fsyncIntervalMs: 80,
      commitIntervalMs: 0,
      segmentBytes: 1 << 20,
    });
    try {
      for (let i = 0; i < 5; i++) await j.append(`{"n":${i}}`); // five groups, one after another
      expect(onDisk().split("\n")).toHaveLength(6);
      expect(datasync).not.toHaveBeenCalled();
      await new Promise((r) => setTimeout(r, 200));
      expect(datasync).toHaveBeenCalledTimes(1); // one for all five groups
    } finally {
      await j.close();
      datasync.mockRestore();
    }
  });

  it("makes appends of one commit window durable together, in order, before resolving", async () => {
    const j = await open();
    const commits: number[] = [];
    j.onDurable((n) => commits.push(n));
    const lines = Array.from({ length: 100 }, (_, i) => `{"n":${i}}`);
    const acks = lines.map((l) => j.append(l));
    await acks[0];
    // resolved only once written: every line of the group is in the file
    expect(onDisk()).toBe(lines.map((l) => `${l}\n`).join(""));
    await Promise.all(acks);
    expect(commits).toEqual([100]);
    const batch = await j.read(j.start, 1000);
    expect(batch.lines).toEqual(lines);
    await j.close();
  });

  it("reads across segments, deletes what a checkpoint covers and replays only the rest after a restart", async () => {
    let j = await open(200);
    const lines = Array.from({ length: 30 }, (_, i) => `{"record":${i},"pad":"xxxxxxxxxxxxxxxxxxxxxxxxx"}`);
    for (const l of lines) await j.append(l); // one group each: the 200-byte segments rotate often
    const first = await j.read(j.start, 12);
    expect(first.lines).toEqual(lines.slice(0, 12));
    const rest = await j.read(first.next, 1000);
    expect(rest.lines).toEqual(lines.slice(12));
    const segmentsBefore = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).length;
    await j.checkpoint(first.next);
    expect(readdirSync(dir).filter((f) => f.endsWith(".jsonl")).length).toBeLessThan(segmentsBefore);
    await j.close();

    j = await open(200);
    expect(j.backlogAtOpen).toBe(18);
    expect((await j.read(j.start, 1000)).lines).toEqual(lines.slice(12));
    await j.append('{"after":"restart"}');
    expect((await j.read(j.start, 1000)).lines).toEqual([...lines.slice(12), '{"after":"restart"}']);
    await j.close();
  });

  it("regression: an append made as the previous group is acknowledged is not stranded", async () => {
    const j = await open();
    for (let i = 0; i < 50; i++) await j.append(`{"i":${i}}`); // each append follows the last ack at once
    expect((await j.read(j.start, 100)).lines).toHaveLength(50);
    await j.close();
  });

  it("skips the torn last record of a segment left by a crash", async () => {
    writeFileSync(join(dir, segmentName(1)), '{"a":1}\n{"b":2}\n{"torn":');
    const j = await open();
    expect(j.backlogAtOpen).toBe(2);
    await j.append('{"c":3}');
    expect((await j.read(j.start, 10)).lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    await j.close();
  });

  it("holds its directory: a second opener is refused, a dead owner's lock is taken over", async () => {
    const j = await open();
    await expect(open()).rejects.toThrow(/already open in this process/);
    await j.close();

    writeFileSync(join(dir, "LOCK"), String(process.ppid)); // a live process that is not us
    await expect(open()).rejects.toThrow(/in use by process/);

    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid; // exited already
    writeFileSync(join(dir, "LOCK"), String(dead));
    const k: FileJournal = await open();
    expect(readFileSync(join(dir, "LOCK"), "utf8")).toBe(String(process.pid));
    await k.close();
  });
});
