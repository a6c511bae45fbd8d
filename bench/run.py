#!/usr/bin/env python3
"""The benchmark driver behind `./dev bench` (bench/README.md).

Starts every server it uses on free loopback ports (batchd on temp data dirs, nginx with a temp
prefix and config), runs the scenarios several times, and writes RESULTS.md and results.json into
--out. Speed claims are ratios measured side by side in this same run: the machines are shared and
noisy, so an absolute figure means little on its own.

  python3 bench/run.py --bin B --plugin P --micro M --out DIR [--quick] [--repeat N] [--jobs N]
                       [--wrk-seconds S] [--export-products N] [--only api,lifecycle-pg-2,…]
PostgreSQL + Redis come from BATCHD_TEST_PG_URL / BATCHD_TEST_REDIS_URL (scripts/test-services.sh);
without them the PostgreSQL scenarios are reported as skipped.
Every wait is bounded; every address is 127.0.0.1.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20

# The targets of issue 6 that this harness can measure today.
GET_RATIO_TARGET = 0.5
EMBEDDED_JOBS_TARGET = 2000.0
PG_2W_JOBS_TARGET = 1000.0
EXPORT_RATIO_TARGET = 1.5
EXPORT_RSS_TARGET_MB = 64


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def summary(values):
    """Median and spread of one figure over the runs."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    median = statistics.median(values)
    return {
        "median": median,
        "min": min(values),
        "max": max(values),
        "spread_pct": (100.0 * (max(values) - min(values)) / median) if median else 0.0,
        "runs": values,
    }


# ------------------------------------------------------------------------------------- processes


class Process:
    """A server started by the harness: stdout read line by line, stderr to a log file."""

    def __init__(self, name, argv, env, log_path, ready_pattern):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.ready = None
        found = threading.Event()

        def reader():
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").strip()
                match = re.search(ready_pattern, line)
                if match and not found.is_set():
                    self.ready = match
                    found.set()
            found.set()

        threading.Thread(target=reader, daemon=True).start()
        if not found.wait(START_TIMEOUT_S) or self.ready is None:
            self.stop()
            raise RuntimeError(f"{name} did not start:\n{self.log_tail()}")

    def log_tail(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-3000:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def run(argv, env=None, timeout=120, **kwargs):
    result = subprocess.run(argv, env=env, timeout=timeout, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} … failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result.stdout


class Batchd:
    """One batchd deployment: a store (SQLite in a temp dir, or a fresh PostgreSQL database), an
    admin token, and either one `serve` with workers or `serve --no-workers` plus N `worker`s."""

    def __init__(self, opts, tmp, pg_admin_url=None, redis_url=None, worker_processes=0, seed=None):
        self.opts = opts
        self.data_dir = tempfile.mkdtemp(prefix="batchd-", dir=tmp)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("BATCHD_") and k not in ("DATABASE_URL", "REDIS_URL")}
        # warn: per-request info logs would measure the terminal, not the server.
        self.env["BATCHD_LOG_LEVEL"] = "warn"
        self.database = None
        self.pg_admin_url = pg_admin_url
        if pg_admin_url:
            self.database = "bench_" + uuid.uuid4().hex[:12]
            run(["psql", pg_admin_url, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {self.database}"])
            self.env["DATABASE_URL"] = re.sub(r"/[^/?]*(\?|$)", f"/{self.database}\\1", pg_admin_url, count=1) \
                if re.match(r"^postgres(ql)?://[^/]+/", pg_admin_url) else pg_admin_url
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.processes = []
        common = ["--data-dir", self.data_dir]
        try:
            run([opts.bin, "migrate", *common], env=self.env)
            self.token = run([opts.bin, "user", "add", "--email", "bench@batchd.local", *common],
                             env=self.env).strip().splitlines()[-1]
            self.seed_output = run([opts.bin, "seed", *seed, *common], env=self.env, timeout=1800).strip() \
                if seed else ""
            for i in range(worker_processes):
                self.processes.append(Process(
                    f"worker {i}", [opts.bin, "worker", *common, "--plugin", opts.plugin], self.env,
                    os.path.join(self.data_dir, f"worker-{i}.log"), r"^batchd worker ready"))
            serve = [opts.bin, "serve", "--port", "0", *common, "--plugin", opts.plugin]
            if worker_processes > 0:
                serve.append("--no-workers")
            server = Process("batchd serve", serve, self.env, os.path.join(self.data_dir, "serve.log"),
                             r"^batchd listening on (http://\S+)$")
            self.processes.append(server)
            self.url = server.ready.group(1)
            self.pid = server.proc.pid
        except BaseException:
            self.stop()
            raise

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "x-medusa-access-token": self.token, "content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.read()

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        self.processes = []
        if self.database:
            try:
                run(["psql", self.pg_admin_url, "-q", "-c", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"])
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
                log(f"could not drop {self.database}: {error}")
            self.database = None


class Nginx:
    """nginx from the Debian package, with a prefix and config of its own (never the system
    service), serving one file at `path` with the given body."""

    def __init__(self, tmp, path, body):
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=tmp)
        os.chmod(self.dir, 0o755)  # nginx's workers may run as another user
        self.port = free_port()
        with open(os.path.join(self.dir, "body.json"), "wb") as f:
            f.write(body)
        os.chmod(os.path.join(self.dir, "body.json"), 0o644)
        user = "user root;" if os.geteuid() == 0 else ""
        conf = f"""
{user}
worker_processes auto;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {self.dir}/client_body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        location = {path} {{
            default_type application/json;
            alias {self.dir}/body.json;
        }}
    }}
}}
"""
        conf_path = os.path.join(self.dir, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        self._log = open(os.path.join(self.dir, "stderr.log"), "wb")
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-c", conf_path], stdout=self._log,
                                     stderr=self._log, stdin=subprocess.DEVNULL, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}{path}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(self.url, timeout=5) as res:
                    if res.read() != body:
                        raise RuntimeError("nginx serves another body than batchd's")
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("nginx did not start: " + open(os.path.join(self.dir, "error.log")).read())
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


# ---------------------------------------------------------------------------------------- wrk


def parse_duration_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, seconds, token, script=None):
    argv = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "--timeout", "10s",
            "-H", f"x-medusa-access-token: {token}"]
    env = dict(os.environ)
    if script:
        argv += ["-s", script]
        env["BATCHD_BENCH_TOKEN"] = token
        argv = [a for a in argv if a not in ("-H", f"x-medusa-access-token: {token}")]
    out = run(argv + [url], env=env, timeout=seconds + 60)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50_ms": parse_duration_ms(p50.group(1)) if p50 else None,
        "p99_ms": parse_duration_ms(p99.group(1)) if p99 else None,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


# ---------------------------------------------------------------------------------- scenarios


def wait_completed(server, job_id, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = server.request("GET", f"/admin/batch-jobs/{job_id}")
        if json.loads(body)["batch_job"]["status"] == "completed":
            return body
        time.sleep(0.05)
    raise RuntimeError(f"job {job_id} did not complete in {timeout_s} s")


def scenario_api(opts, tmp):
    log("scenario 1 (API): batchd GET vs nginx, then POST")
    server = Batchd(opts, tmp)
    nginx = None
    try:
        created = json.loads(server.request("POST", "/admin/batch-jobs",
                                            {"type": "test-noop", "context": {}, "dry_run": False}))
        job_id = created["batch_job"]["id"]
        path = f"/admin/batch-jobs/{job_id}"
        body = wait_completed(server, job_id)
        nginx = Nginx(tmp, path, body)
        runs = []
        for i in range(opts.repeat):
            # Alternated, so slow drift of the shared machine hits both sides alike.
            ours = wrk(server.url + path, opts.wrk_seconds, server.token)
            theirs = wrk(nginx.url, opts.wrk_seconds, server.token)
            runs.append({"batchd": ours, "nginx": theirs, "ratio": ours["rps"] / theirs["rps"]})
            log(f"  GET run {i + 1}: batchd {ours['rps']:.0f} req/s, nginx {theirs['rps']:.0f} req/s")
        nginx.stop()
        nginx = None
        posts = []
        for i in range(opts.repeat):
            posts.append(wrk(server.url + "/admin/batch-jobs", opts.wrk_seconds, server.token,
                             script=os.path.join(BENCH, "post.lua")))
            log(f"  POST run {i + 1}: {posts[-1]['rps']:.0f} req/s")
        return {
            "body_bytes": len(body),
            "get_batchd_rps": summary([r["batchd"]["rps"] for r in runs]),
            "get_nginx_rps": summary([r["nginx"]["rps"] for r in runs]),
            "get_ratio": summary([r["ratio"] for r in runs]),
            "get_batchd_p99_ms": summary([r["batchd"]["p99_ms"] for r in runs]),
            "get_nginx_p99_ms": summary([r["nginx"]["p99_ms"] for r in runs]),
            "get_non_2xx": sum(r["batchd"]["non_2xx"] for r in runs),
            "post_rps": summary([p["rps"] for p in posts]),
            "post_p99_ms": summary([p["p99_ms"] for p in posts]),
            "post_non_2xx": sum(p["non_2xx"] for p in posts),
            "runs": runs,
            "posts": posts,
        }
    finally:
        if nginx:
            nginx.stop()
        server.stop()


def lifecycle_once(opts, server):
    out = run(["node", os.path.join(BENCH, "lifecycle.mjs"), "--url", server.url, "--token", server.token,
               "--jobs", str(opts.jobs), "--concurrency", "32", "--timeout-s", str(opts.lifecycle_timeout)],
              timeout=opts.lifecycle_timeout + 60)
    return json.loads(out.strip().splitlines()[-1])


def scenario_lifecycle(opts, tmp, name, pg_url=None, redis_url=None, worker_processes=0):
    log(f"scenario 2 (lifecycle): {name}, {opts.jobs} jobs × {opts.repeat}")
    runs = []
    for i in range(opts.repeat):
        # A fresh store each run: every run starts from the same empty tables.
        if redis_url:
            subprocess.run(["redis-cli", "-u", redis_url, "FLUSHALL"], capture_output=True, timeout=30)
        server = Batchd(opts, tmp, pg_admin_url=pg_url, redis_url=redis_url, worker_processes=worker_processes)
        try:
            result = lifecycle_once(opts, server)
        finally:
            server.stop()
        runs.append(result)
        log(f"  run {i + 1}: {result['jobs_per_s']:.0f} jobs/s, p50 {result['latency_ms']['p50']} ms, "
            f"p99 {result['latency_ms']['p99']} ms")
    return {
        "name": name,
        "jobs": opts.jobs,
        "worker_processes": worker_processes,
        "jobs_per_s": summary([r["jobs_per_s"] for r in runs]),
        "wall_jobs_per_s": summary([r["wall_jobs_per_s"] for r in runs]),
        "create_per_s": summary([r["create_per_s"] for r in runs]),
        "latency_p50_ms": summary([r["latency_ms"]["p50"] for r in runs]),
        "latency_p99_ms": summary([r["latency_ms"]["p99"] for r in runs]),
        "runs": runs,
    }


# The rows of a product export, one per variant with the same columns, written by the database's
# own bulk copy: the limit an export could reach on this machine. Prices, options, images and
# channels come aggregated per variant (the export spreads them over columns; the bytes are alike).
# On PostgreSQL prices and option values are indexed by (product_id, variant_id): the baseline
# names both, so that it gets the same index batchd's reads use.
EXPORT_SELECT = """
SELECT p.id, p.handle, p.title, p.subtitle, p.description, p.status, p.thumbnail, p.weight, p.length,
       p.width, p.height, p.hs_code, p.origin_country, p.mid_code, p.material, c.title, c.handle,
       t.value,
       (SELECT {agg}(tg.value, ',') FROM product_tags pt JOIN product_tag tg ON tg.id = pt.product_tag_id
         WHERE pt.product_id = p.id),
       p.discountable, p.external_id, sp.name, sp.type, v.id, v.title, v.sku, v.barcode,
       v.inventory_quantity, v.allow_backorder, v.manage_inventory, v.weight, v.length, v.width,
       v.height, v.hs_code, v.origin_country, v.mid_code, v.material,
       (SELECT {agg}(ma.currency_code || ':' || ma.amount, ';') FROM money_amount ma
         WHERE {by_product_ma}ma.variant_id = v.id AND ma.price_list_id IS NULL),
       (SELECT {agg}(o.title || ':' || ov.value, ';') FROM product_variant_option_value ov
         JOIN product_option o ON o.id = ov.option_id WHERE {by_product_ov}ov.variant_id = v.id),
       (SELECT {agg}(i.url, ';') FROM product_images pi JOIN image i ON i.id = pi.image_id
         WHERE pi.product_id = p.id),
       (SELECT {agg}(sc.id || ':' || sc.name || ':' || COALESCE(sc.description, ''), ';')
         FROM product_sales_channel ps JOIN sales_channel sc ON sc.id = ps.sales_channel_id
         WHERE ps.product_id = p.id)
FROM product p
JOIN product_variant v ON v.product_id = p.id AND v.deleted_at IS NULL
LEFT JOIN product_collection c ON c.id = p.collection_id
LEFT JOIN product_type t ON t.id = p.type_id
LEFT JOIN shipping_profile sp ON sp.id = p.profile_id
WHERE p.deleted_at IS NULL
ORDER BY p.created_at DESC, p.id DESC, v.variant_rank
"""


def timed(argv, out_path, env=None, timeout=1800):
    """Runs argv with stdout into out_path; returns (seconds, bytes written)."""
    start = time.monotonic()
    with open(out_path, "wb") as out:
        subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, env=env, timeout=timeout, check=True)
    return time.monotonic() - start, os.path.getsize(out_path)


def baseline_copy(server, out_path):
    """The same rows through the store's own bulk path: PostgreSQL COPY … TO STDOUT, or sqlite3's
    CSV mode on the embedded file."""
    if server.database:
        select = EXPORT_SELECT.format(agg="string_agg", by_product_ma="ma.product_id = p.id AND ",
                                      by_product_ov="ov.product_id = p.id AND ")
        sql = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
        return "PostgreSQL COPY TO", timed(["psql", server.env["DATABASE_URL"], "-q", "-c", sql], out_path)
    db = os.path.join(server.data_dir, "batchd.db")
    sql = EXPORT_SELECT.format(agg="group_concat", by_product_ma="", by_product_ov="") + ";"
    return "sqlite3 -csv", timed(["sqlite3", "-readonly", "-csv", "-separator", ";", db, sql], out_path)


def export_once(server):
    """One product-export of the whole catalog through the API: wall seconds from POST to seeing it
    completed, the file size, and batchd's peak RSS (VmRSS sampled every 20 ms, and VmHWM)."""
    def rss_kib(field):
        with open(f"/proc/{server.pid}/status") as f:
            match = re.search(rf"^{field}:\s+(\d+) kB$", f.read(), re.M)
        return int(match.group(1)) if match else 0

    start = time.monotonic()
    created = json.loads(server.request("POST", "/admin/batch-jobs", {"type": "product-export", "context": {}}))
    job_id = created["batch_job"]["id"]
    peak = rss_kib("VmRSS")
    while True:
        peak = max(peak, rss_kib("VmRSS"))
        job = json.loads(server.request("GET", f"/admin/batch-jobs/{job_id}"))["batch_job"]
        if job["status"] in ("completed", "failed", "canceled"):
            break
        if time.monotonic() - start > 1800:
            raise RuntimeError(f"export {job_id} did not finish in 30 minutes")
        time.sleep(0.02)
    seconds = time.monotonic() - start
    if job["status"] != "completed":
        raise RuntimeError(f"export {job_id} ended {job['status']}: {job.get('result')}")
    return {"seconds": seconds, "file_bytes": job["result"]["file_size"], "products": job["result"].get("count", 0),
            # VmHWM also catches a peak between two samples; it covers the server's whole life, in which
            # nothing but exports ran (the seed is a process of its own).
            "peak_rss_mb": max(peak, rss_kib("VmHWM")) / 1024}


def scenario_export(opts, tmp, name, pg_url=None):
    products = opts.export_products
    log(f"scenario 3 (export): {name}, {products:,} products × 4 variants × {opts.repeat}")
    server = Batchd(opts, tmp, pg_admin_url=pg_url,
                    seed=["--products", str(products), "--variants-per-product", "4"])
    try:
        log(f"  {server.seed_output.splitlines()[-1] if server.seed_output else 'seeded'}")
        runs = []
        for i in range(opts.repeat):
            # Alternated, so slow drift of the shared machine hits both sides alike.
            ours = export_once(server)
            label, (base_s, base_bytes) = baseline_copy(server, os.path.join(tmp, "baseline.csv"))
            runs.append({"batchd": ours, "baseline_s": base_s, "baseline_bytes": base_bytes,
                         "ratio": ours["seconds"] / base_s})
            log(f"  run {i + 1}: batchd {ours['seconds']:.2f} s ({ours['file_bytes'] / 1e6:.0f} MB, "
                f"peak RSS {ours['peak_rss_mb']:.0f} MB), {label} {base_s:.2f} s ({base_bytes / 1e6:.0f} MB)")
        return {
            "name": name,
            "baseline": label,
            "products": products,
            "variants": products * 4,
            "batchd_s": summary([r["batchd"]["seconds"] for r in runs]),
            "baseline_s": summary([r["baseline_s"] for r in runs]),
            "ratio": summary([r["ratio"] for r in runs]),
            "peak_rss_mb": summary([r["batchd"]["peak_rss_mb"] for r in runs]),
            "file_mb": runs[-1]["batchd"]["file_bytes"] / 1e6,
            "baseline_mb": runs[-1]["baseline_bytes"] / 1e6,
            "runs": runs,
        }
    finally:
        server.stop()


def scenario_micro(opts):
    if not opts.micro or not os.path.exists(opts.micro):
        log("scenario 4 (micro): no batchd_micro_bench binary; skipped")
        return None
    log("scenario 4 (micro): Google Benchmark")
    argv = [opts.micro, "--benchmark_format=json"]
    if opts.quick:
        argv.append("--benchmark_min_time=0.01")
    else:
        argv += ["--benchmark_repetitions=5", "--benchmark_min_time=0.2"]
    data = json.loads(run(argv, timeout=600))
    figures = {}
    for bench in data["benchmarks"]:
        name = bench.get("run_name", bench["name"])
        if bench.get("run_type") == "aggregate":
            continue
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[bench.get("time_unit", "ns")]
        figures.setdefault(name, []).append(bench["real_time"] * scale)
    return {
        "library_build_type": data.get("context", {}).get("library_build_type"),
        "ns_per_op": {name: summary(values) for name, values in figures.items()},
    }


# ------------------------------------------------------------------------------------ machine


def version(argv, pattern=r"(.+)"):
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        text = (result.stdout + result.stderr).strip()
        match = re.search(pattern, text)
        return match.group(1).strip() if match else text.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def machine_info(opts):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    commit = version(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain"], capture_output=True, text=True).stdout
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "load_average_at_start": os.getloadavg(),
        "versions": {
            "batchd": f"{commit}{' (uncommitted changes)' if dirty.strip() else ''}, {opts.build_label}",
            "wrk": version(["wrk", "-v"], r"(wrk \S+)"),
            "nginx": version(["nginx", "-v"], r"nginx version: (\S+)"),
            "postgresql": version(["/usr/lib/postgresql/15/bin/postgres", "--version"]),
            "redis": version(["redis-server", "--version"], r"(v=\S+)"),
            "node": version(["node", "--version"]),
            "python": platform.python_version(),
            "compiler": version(["c++", "--version"]),
        },
    }


# ------------------------------------------------------------------------------------- report


def fmt(value, digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def figure(s, digits=0, unit=""):
    if not s:
        return "—"
    if len(s["runs"]) == 1:
        return f"{fmt(s['median'], digits)}{unit}"
    return (f"{fmt(s['median'], digits)}{unit} ({fmt(s['min'], digits)}–{fmt(s['max'], digits)}, "
            f"±{s['spread_pct'] / 2:.0f}%)")


def verdict(met):
    return "**met**" if met else "**missed**"


def write_report(opts, results, out_dir):
    m = results["machine"]
    lines = [
        "# batchd benchmark results",
        "",
        f"Written by `./dev bench{' --quick' if opts.quick else ''}` on {m['date']}. Each figure is the "
        f"median of {opts.repeat} run(s), with the range (min–max) and the half-spread in brackets; "
        "each ratio is computed per run from figures measured side by side in this same run, then its "
        "median is taken. These machines are shared and noisy: read the ratios, not the absolute numbers.",
        "",
    ]
    if opts.quick:
        lines += ["**--quick run**: tiny sizes, once each, possibly on a Debug+sanitizer build; it only "
                  "proves the harness works. Its numbers mean nothing.", ""]
    lines += [
        "## Machine",
        "",
        f"* {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, Linux {m['kernel']}",
        f"* load average at start: {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}"
        " (the machine is shared; other work ran during the benchmark)",
    ]
    for name, value in m["versions"].items():
        lines.append(f"* {name}: {value}")
    lines += ["", "## Targets", "", "| target | measured (median) | limit | verdict |", "|---|---|---|---|"]
    targets = results["targets"]
    for t in targets:
        lines.append(f"| {t['name']} | {t['measured']} | {t['limit']} | {t['verdict']} |")

    api = results.get("api")
    lines += ["", "## 1. API (wrk: 2 threads, 64 connections, keep-alive, auth header)", ""]
    if api:
        lines += [
            f"`GET /admin/batch-jobs/:id` on batchd (embedded SQLite store, a completed `test-noop` job, "
            f"{api['body_bytes']} bytes of JSON) against nginx serving a static file with exactly the "
            f"same bytes. {opts.wrk_seconds} s per wrk run, batchd and nginx alternated; wrk runs on the "
            "same machine. nginx: `worker_processes auto`, `access_log off`.",
            "",
            "| figure | batchd | nginx | ratio batchd/nginx |",
            "|---|---|---|---|",
            f"| GET req/s | {figure(api['get_batchd_rps'])} | {figure(api['get_nginx_rps'])} | "
            f"{figure(api['get_ratio'], 2, '×')} |",
            f"| GET p99 latency | {figure(api['get_batchd_p99_ms'], 2, ' ms')} | "
            f"{figure(api['get_nginx_p99_ms'], 2, ' ms')} | |",
            f"| POST /admin/batch-jobs req/s (`test-noop`) | {figure(api['post_rps'])} | | |",
            f"| POST p99 latency | {figure(api['post_p99_ms'], 2, ' ms')} | | |",
            "",
            f"Non-2xx answers: GET {api['get_non_2xx']}, POST {api['post_non_2xx']}. The POSTed jobs "
            "run on the same server's 4 worker threads while the POSTs go on, as they would in use.",
        ]
    else:
        lines.append("Did not run: " + results.get("api_error", "unknown"))

    lines += ["", "## 2. Lifecycle throughput (`test-noop`, created through the API, 32 in flight)", ""]
    lines += [
        "jobs/s = N / (last `completed_at` − first `created_at`), from the server's own timestamps; "
        "latency = `completed_at` − `created_at` per job (millisecond timestamps). The wall figure is "
        "what the client saw (first POST sent → all seen completed, polled every 20 ms). Each run "
        "starts on an empty store. The client (Node's node:http, keep-alive) runs on the same machine "
        "and takes CPU from the servers; when jobs/s equals create req/s and latencies are a few ms, "
        "creation through the API is the limit, not the workers.",
        "",
        "| store | processes | N | jobs/s | wall jobs/s | create req/s | latency p50 | latency p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for entry in results["lifecycle"]:
        if "error" in entry:
            lines.append(f"| {entry['name']} | | | did not run: {entry['error']} | | | | |")
            continue
        procs = ("1 × `serve` (4 worker threads)" if entry["worker_processes"] == 0 else
                 f"`serve --no-workers` + {entry['worker_processes']} × `worker` (4 threads each)")
        lines.append(
            f"| {entry['name']} | {procs} | {entry['jobs']:,} | {figure(entry['jobs_per_s'])} | "
            f"{figure(entry['wall_jobs_per_s'])} | {figure(entry['create_per_s'])} | "
            f"{figure(entry['latency_p50_ms'], 0, ' ms')} | {figure(entry['latency_p99_ms'], 0, ' ms')} |")

    lines += ["", "## 3. Export (product-export of a seeded catalog, 4 variants per product)", "",
              "batchd: wall time from `POST /admin/batch-jobs` to seeing the job `completed` (polled every "
              "20 ms): pre-processing (count and shape pass) and processing, the file written to the local "
              "file store. Baseline: the same rows — one per variant, the same product, variant, "
              "collection, type, profile, tag, price, option, image and channel values, joined and "
              "ordered alike — written by the database's own bulk path into a file: PostgreSQL "
              "`COPY (SELECT …) TO STDOUT WITH CSV` through psql, or `sqlite3 -csv` on the embedded "
              "file. Peak RSS: batchd's VmRSS sampled every 20 ms during the export, and its VmHWM.",
              "",
              "| store | variants | batchd | baseline | ratio batchd/baseline | peak RSS | file | baseline file |",
              "|---|---|---|---|---|---|---|---|"]
    for entry in results.get("export", []):
        if "error" in entry:
            lines.append(f"| {entry['name']} | | did not run: {entry['error']} | | | | | |")
            continue
        lines.append(
            f"| {entry['name']} | {entry['variants']:,} | {figure(entry['batchd_s'], 2, ' s')} | "
            f"{entry['baseline']}: {figure(entry['baseline_s'], 2, ' s')} | {figure(entry['ratio'], 2, '×')} | "
            f"{figure(entry['peak_rss_mb'], 0, ' MB')} | {entry['file_mb']:.0f} MB | {entry['baseline_mb']:.0f} MB |")

    micro = results.get("micro")
    lines += ["", "## 4. Micro benchmarks (Google Benchmark, ns/op)", ""]
    if micro:
        lines += ["| benchmark | ns/op |", "|---|---|"]
        for name, s in micro["ns_per_op"].items():
            lines.append(f"| {name} | {figure(s, 1)} |")
        lines += ["", "`BmJobToJson`: a completed job's full JSON, serialised. `BmRouterMatch`: "
                  "`GET /admin/batch-jobs/:id` among the 9 admin and health routes. `BmApplyLifecycle`: "
                  "three rule-table steps (pre-process+confirm, start, complete). `BmApplyRefused`: one "
                  "refused step. `BmParseQueryString`: a medusa-js list query with arrays, a date "
                  "filter, fields and expand."]
    else:
        lines.append("Did not run (no batchd_micro_bench binary).")

    lines += ["", "## For scale (issue 6, not measured here)", "",
              "On this kind of machine Medusa v1 answers ~450 GET/s and ~280 POST/s and completes ~20 "
              "trivial jobs/s; BullMQ on the same Redis completes ~6k no-op jobs/s with one worker at "
              "concurrency 1 (no durable store).", ""]
    with open(os.path.join(out_dir, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))


def compute_targets(results):
    targets = []
    api = results.get("api")
    if api:
        ratio = api["get_ratio"]["median"]
        targets.append({"name": "API GET req/s vs nginx, same body", "measured": f"{ratio:.2f}×",
                        "limit": f"≥ {GET_RATIO_TARGET}×", "met": ratio >= GET_RATIO_TARGET})
    else:
        targets.append({"name": "API GET req/s vs nginx, same body", "measured": "did not run",
                        "limit": f"≥ {GET_RATIO_TARGET}×", "met": False})
    for name, limit in (("embedded (SQLite)", EMBEDDED_JOBS_TARGET), ("PostgreSQL + Redis, 2 workers", PG_2W_JOBS_TARGET)):
        entry = next((e for e in results["lifecycle"] if e["name"] == name), None)
        measured = entry["jobs_per_s"]["median"] if entry and "jobs_per_s" in entry else None
        targets.append({"name": f"lifecycle jobs/s, {name}",
                        "measured": f"{measured:,.0f} jobs/s" if measured is not None else "did not run",
                        "limit": f"≥ {limit:,.0f} jobs/s", "met": measured is not None and measured >= limit})
    for t in targets:
        t["verdict"] = verdict(t["met"])
    pg_export = next((e for e in results.get("export", []) if e["name"] == "PostgreSQL"), None)
    if pg_export and "ratio" in pg_export:
        ratio = pg_export["ratio"]["median"]
        targets.append({"name": f"export time vs PostgreSQL COPY TO, {pg_export['variants']:,} variants",
                        "measured": f"{ratio:.2f}×", "limit": f"≤ {EXPORT_RATIO_TARGET}×",
                        "met": ratio <= EXPORT_RATIO_TARGET})
    else:
        targets.append({"name": "export time vs PostgreSQL COPY TO", "measured": "did not run",
                        "limit": f"≤ {EXPORT_RATIO_TARGET}×", "met": False})
    for entry in results.get("export", []):
        if "peak_rss_mb" in entry:
            peak = entry["peak_rss_mb"]["max"]
            targets.append({"name": f"export peak RSS, {entry['name']}, {entry['variants']:,} variants",
                            "measured": f"{peak:.0f} MB", "limit": f"≤ {EXPORT_RSS_TARGET_MB} MB",
                            "met": peak <= EXPORT_RSS_TARGET_MB})
    for t in targets:
        t["verdict"] = verdict(t["met"])
    return targets


# --------------------------------------------------------------------------------------- main

# The scenario names --only takes. One run of a single figure is what profiling a change needs;
# the full report is for the lead's quiet-machine run.
SCENARIOS = ("api", "lifecycle-embedded", "lifecycle-pg-1", "lifecycle-pg-2", "export-embedded", "export-pg",
             "micro")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--micro")
    parser.add_argument("--out", required=True)
    parser.add_argument("--build-label", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--wrk-seconds", type=int)
    parser.add_argument("--export-products", type=int, help="products (× 4 variants) seeded for the export")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help="comma-separated scenarios to run, of: " + ", ".join(SCENARIOS) +
                        " (default: all); the others are reported as not run")
    opts = parser.parse_args()
    opts.only = {name.strip() for name in opts.only.split(",") if name.strip()}
    if unknown := opts.only - set(SCENARIOS):
        parser.error(f"--only: unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    opts.export_products = opts.export_products or (2_000 if opts.quick else 250_000)
    opts.repeat = opts.repeat or (1 if opts.quick else 3)
    opts.jobs = opts.jobs or (100 if opts.quick else 3000)
    opts.wrk_seconds = opts.wrk_seconds or (1 if opts.quick else 10)
    opts.lifecycle_timeout = 60 if opts.quick else 180
    opts.build_label = opts.build_label or os.path.dirname(os.path.dirname(os.path.dirname(opts.bin)))
    for path in (opts.bin, opts.plugin):
        if not os.path.exists(path):
            sys.exit(f"bench: {path} not found")
    os.makedirs(opts.out, exist_ok=True)

    pg_url = os.environ.get("BATCHD_TEST_PG_URL")
    redis_url = os.environ.get("BATCHD_TEST_REDIS_URL")
    results = {"machine": machine_info(opts), "quick": opts.quick, "repeat": opts.repeat, "lifecycle": []}
    failures = []
    tmp = tempfile.mkdtemp(prefix="batchd-bench-")
    os.chmod(tmp, 0o755)
    try:
        if "api" in opts.only:
            try:
                results["api"] = scenario_api(opts, tmp)
            except Exception as error:  # noqa: BLE001 - one broken scenario must not hide the others
                failures.append(f"API: {error}")
                results["api_error"] = str(error).splitlines()[0]
        else:
            results["api_error"] = "not selected (--only)"
        configs = [("lifecycle-embedded", "embedded (SQLite)", None, None, 0)]
        if pg_url and redis_url:
            configs += [("lifecycle-pg-1", "PostgreSQL + Redis, 1 worker", pg_url, redis_url, 1),
                        ("lifecycle-pg-2", "PostgreSQL + Redis, 2 workers", pg_url, redis_url, 2)]
        for key, name, pg, redis, workers in configs:
            if key not in opts.only:
                results["lifecycle"].append({"name": name, "error": "not selected (--only)"})
                continue
            try:
                results["lifecycle"].append(scenario_lifecycle(opts, tmp, name, pg, redis, workers))
            except Exception as error:  # noqa: BLE001
                failures.append(f"lifecycle {name}: {error}")
                results["lifecycle"].append({"name": name, "error": str(error).splitlines()[0]})
        if not (pg_url and redis_url):
            log("no BATCHD_TEST_PG_URL/BATCHD_TEST_REDIS_URL: PostgreSQL scenarios skipped")
            for name in ("PostgreSQL + Redis, 1 worker", "PostgreSQL + Redis, 2 workers"):
                results["lifecycle"].append({"name": name, "error": "no PostgreSQL/Redis given"})
        results["export"] = []
        for key, name, pg in [("export-embedded", "embedded (SQLite)", None)] + \
                ([("export-pg", "PostgreSQL", pg_url)] if pg_url else []):
            if key not in opts.only:
                results["export"].append({"name": name, "error": "not selected (--only)"})
                continue
            try:
                results["export"].append(scenario_export(opts, tmp, name, pg))
            except Exception as error:  # noqa: BLE001
                failures.append(f"export {name}: {error}")
                results["export"].append({"name": name, "error": str(error).splitlines()[0]})
        if "micro" in opts.only:
            try:
                results["micro"] = scenario_micro(opts)
            except Exception as error:  # noqa: BLE001
                failures.append(f"micro: {error}")
        results["targets"] = compute_targets(results)
        with open(os.path.join(opts.out, "results.json"), "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
        write_report(opts, results, opts.out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"wrote {opts.out}/RESULTS.md and results.json")
    for t in results["targets"]:
        log(f"  {t['name']}: {t['measured']} (limit {t['limit']}): {t['verdict'].strip('*')}")
    if failures:
        for failure in failures:
            log(f"FAILED: {failure}")
        sys.exit(1)


if __name__ == "__main__":
    main()
