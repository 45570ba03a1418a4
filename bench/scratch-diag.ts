import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTarget, openLoop } from "./overhead/load.js";
import { pinSelf, startService, writeGatewayConfig } from "./overhead/processes.js";

const rate = Number(process.argv[2] ?? 3000);
const extra = (process.argv[3] ?? "").split(" ").filter(Boolean);
pinSelf(1);
const dir = mkdtempSync(join(tmpdir(), "tg-diag-"));
const sim = await startService("sim", ["bin/tollgate.js", "sim", "--port", "0", "--model", "m", "--max-num-seqs", "1024"], 1);
const cfg = writeGatewayConfig(dir, sim.url, "m");
const gw = await startService("gateway", [...extra, "bin/tollgate.js", "serve", "--config", cfg.configPath, "--port", "0"], 0);
const t = createTarget("gateway", gw.url, "m", { authorization: `Bearer ${cfg.apiKey}` });
await openLoop(t, 1000, 5);
const stat = (pid: number) => readdirSync(`/proc/${pid}/task`).map((tid) => {
  const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
  const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  return { tid, name, u: Number(f[11]), s: Number(f[12]), ns };
});
const cpus = () => readFileSync("/proc/stat", "utf8").split("\n").filter((l) => /^cpu\d/.test(l)).map((l) => l.split(/\s+/).slice(1).map(Number));
const { spawn } = await import("node:child_process");
const perf = process.env.PERF ? spawn("perf", ["record", "-F", "4999", "-e", "cpu-clock", "-g", "-o", "/tmp/perf.data", "-p", String(gw.pid), "--", "sleep", "10"], { stdio: "inherit" }) : null;
const a = stat(gw.pid); const ca = cpus();
const r = await openLoop(t, rate, 10);
const b = stat(gw.pid); const cb = cpus();
console.log(`rate ${rate}: p50 ${r.latency.p50.toFixed(3)} p99 ${r.latency.p99.toFixed(2)} max ${r.latency.max.toFixed(1)} svc p99 ${r.service.p99.toFixed(2)} lag p99 ${r.sendLag.p99.toFixed(2)}`);
for (const x of b) { const y = a.find((q) => q.tid === x.tid); const du = x.u - (y?.u ?? 0), ds = x.s - (y?.s ?? 0); const dns = (x.ns - (y?.ns ?? 0)) / 1e6; if (dns > 1) console.log(`  thread ${x.name}: user ${du} sys ${ds} ticks, exec ${dns.toFixed(0)} ms`); }
cb.forEach((c, i) => { const d = c.map((v, k) => v - ca[i]![k]!); console.log(`  cpu${i}: user ${d[0]} nice ${d[1]} sys ${d[2]} idle ${d[3]} iowait ${d[4]} irq ${d[5]} softirq ${d[6]} steal ${d[7]}`); });
if (perf) await new Promise((r) => perf.once("exit", r));
await t.pool.close(); await gw.stop(); await sim.stop();
