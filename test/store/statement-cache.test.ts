import { describe, expect, it, vi } from "vitest";
import { openSqlite } from "../../src/store/sqlite/driver.js";
import { cachingDatabase } from "../../src/store/sqlite/statement-cache.js";

describe("SQLite statement cache", () => {
  const open = (size?: number) => {
    const db = openSqlite(":memory:");
    db.exec("create table t (n integer)");
    const prepare = vi.spyOn(db, "prepare");
    return { db, prepare, cached: cachingDatabase(db, size) };
  };

  it("prepares a query once and reuses its statement", () => {
    const { prepare, cached } = open();
    for (let i = 0; i < 3; i++) cached.prepare("insert into t (n) values (?)").run([i]);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(cached.prepare("select count(*) as c from t").all([])).toEqual([{ c: 3 }]);
    cached.close();
  });

  it("gives a statement still being iterated to no one else", () => {
    const { prepare, cached } = open();
    cached.prepare("insert into t (n) values (?)").run([1]);
    cached.prepare("insert into t (n) values (?)").run([2]);
    const iterating = cached.prepare("select n from t").iterate([]);
    iterating.next(); // the statement is busy until the iteration ends
    expect(cached.prepare("select n from t").all([])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(prepare).toHaveBeenCalledTimes(3);
    iterating.return?.();
    cached.close();
  });

  it("keeps the most recently used statements, at most its size", () => {
    const { prepare, cached } = open(2);
    const q = (n: number) => cached.prepare(`select ${n} as n`).all([]);
    q(1);
    q(2);
    q(1); // 1 is now the most recent
    q(3); // evicts 2
    q(1);
    expect(prepare).toHaveBeenCalledTimes(3);
    q(2);
    expect(prepare).toHaveBeenCalledTimes(4);
    cached.close();
  });
});
