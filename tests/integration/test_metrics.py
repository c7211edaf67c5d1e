"""GET /metrics (extension) with the real thing: promtool accepts what we serve (text
0.0.4; a real Prometheus 2.x negotiates OpenMetrics), a real Prometheus started here on
127.0.0.1 scrapes our inet server running a gunicorn-style deployment (masters forking
workers, tests/helpers/testchild.cc `workers`) and answers PromQL about it: the tree RSS of
one instance, and the restarts after a SIGKILL of its master. Counters keep counting
across an update that replaces the instance. The example scrape config and alert rules in
docs/prometheus/ pass `promtool check config` and `promtool check rules`. node_exporter's
supervisord collector (the XML-RPC scraper people use with Python Supervisor) reads our inet
server (states, up, start times, exit statuses). [inet_http_server] metrics_auth=false opens /metrics alone; output a log file could
not take is counted as lost."""
import base64
import os
import shutil
import signal
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import json

import pytest

from support import OUR_SUPERVISORD, TESTCHILD, wait_for, raw_request

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "prometheus")
pytestmark = pytest.mark.skipif(not PROMETHEUS or not PROMTOOL,
                                reason="Debian's prometheus package (scripts/setup.sh)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app(port):
    """Two instances of a master with 3 workers, and a program that cannot spawn."""
    return f"""[inet_http_server]
port=127.0.0.1:{port}

[program:my_app]
command={TESTCHILD} workers 3
numprocs=2
process_name=%(program_name)s_%(process_num)02d
startsecs=0
autorestart=true

[program:broken]
command=/nonexistent/broken
startretries=0
"""


def metrics(d, accept=None, query=""):
    """(headers text, body) of GET /metrics over the UNIX socket."""
    extra = f"Accept: {accept}\r\n" if accept else ""
    raw = raw_request(d.sock, f"GET /metrics{query} HTTP/1.1\r\nHost: x\r\n{extra}\r\n"
                              .encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.decode(), body.decode()


def sample(body, metric, **labels):
    """The value of the one sample of `metric` whose labels include `labels`."""
    for line in body.splitlines():
        if line.startswith(metric + "{") or line.startswith(metric + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {metric} {labels}")


def tree_rss_kb(d, name):
    return {p["name"]: p for p in d.rpc.supervisor.getAllProcessTreeInfo()}[name]["rss_kb"]


def running(d, n):
    return lambda: sum(p["statename"] == "RUNNING"
                       for p in d.rpc.supervisor.getAllProcessInfo()) == n


@pytest.fixture
def deployment(daemon_factory):
    port = free_port()
    d = daemon_factory(app(port))
    d.port = port
    wait_for(running(d, 2), what="my_app's 2 instances RUNNING")
    wait_for(lambda: sample(metrics(d)[1], "supervisor_process_tree_workers",
                            name="my_app_01") == 3, what="3 workers each")
    return d


def test_promtool_accepts_both_formats_and_the_values_are_right(deployment):
    d = deployment
    # A just-forked worker's RSS grows as it faults in its pages: the tree's RSS is read
    # just before and just after the scrape, and the scrape's must lie between them.
    before = tree_rss_kb(d, "my_app_01")
    head, body = metrics(d)
    after = tree_rss_kb(d, "my_app_01")
    assert "Content-Type: text/plain; version=0.0.4; charset=utf-8" in head
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    info = {p["name"]: p for p in d.rpc.supervisor.getAllProcessTreeInfo()}
    one = info["my_app_01"]
    assert sample(body, "supervisor_process_pid", name="my_app_01") == one["pid"]
    assert sample(body, "supervisor_process_state", name="my_app_01") == 20
    assert sample(body, "supervisor_process_ready", name="my_app_01") == 1
    rss = sample(body, "supervisor_process_tree_resident_memory_bytes", name="my_app_01")
    low, high = min(before, after) * 1024, max(before, after) * 1024
    assert rss > 0 and 0.8 * low <= rss <= 1.2 * high, (before, rss / 1024, after)
    # PSS and open fds cost a read per member each: only when the scrape asks.
    assert "supervisor_process_tree_open_fds" not in body
    assert "supervisor_process_tree_pss_bytes" not in body
    extra = metrics(d, query="?pss=1&fds=1")[1]
    assert sample(extra, "supervisor_process_tree_open_fds", name="my_app_01") >= 4 * 3
    pss = sample(extra, "supervisor_process_tree_pss_bytes", name="my_app_01")
    assert 0 < pss <= 1.2 * rss
    assert sample(body, "supervisor_group_instances", group="my_app") == 2
    assert sample(body, "supervisor_group_running_instances", group="my_app") == 2
    assert sample(body, "supervisor_process_spawn_errors_total", name="broken") >= 1
    assert sample(body, "supervisor_process_state", name="broken") == 200  # FATAL
    assert sample(body, "supervisor_rpc_requests_total",
                  method="supervisor.getAllProcessInfo") >= 1
    assert sample(body, "process_open_fds") > 0
    # An unknown XML-RPC method does not add a label value of the client's choosing.
    try:
        d.rpc.supervisor.noSuchMethod()
    except Exception:
        pass
    body = metrics(d)[1]
    assert "noSuchMethod" not in body
    assert sample(body, "supervisor_rpc_requests_total", method="unknown") == 1

    head, om = metrics(d, "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    assert "Content-Type: application/openmetrics-text; version=1.0.0" in head
    assert om.endswith("# EOF\n")
    assert "# TYPE supervisor_process_restarts counter\n" in om


def test_counters_never_go_backwards_across_update(deployment):
    d = deployment
    d.rpc.supervisor.stopProcess("my_app:my_app_01")
    d.rpc.supervisor.startProcess("my_app:my_app_01")
    before = metrics(d)[1]
    restarts = sample(before, "supervisor_process_restarts_total", name="my_app_01")
    stopped = sample(before, "supervisor_process_exits_total", name="my_app_01", kind="stopped")
    assert restarts == 1 and stopped == 1
    # A changed command replaces both instances (a new Instance each).
    with open(d.conf) as f:
        text = f.read()
    with open(d.conf, "w") as f:
        f.write(text.replace(f"{TESTCHILD} workers 3", f"{TESTCHILD} workers 2"))
    r = d.ctl("update")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(running(d, 2), what="replaced instances RUNNING")
    after = metrics(d)[1]
    assert sample(after, "supervisor_process_restarts_total", name="my_app_01") == restarts + 1
    assert sample(after, "supervisor_process_exits_total", name="my_app_01",
                  kind="stopped") == stopped + 1


def test_metrics_needs_the_servers_credentials(daemon_factory):
    d = daemon_factory(f"[program:a]\ncommand={TESTCHILD} sleep\nstartsecs=0\n",
                       server_extra="username=u\npassword=p\n")
    assert b" 401 " in raw_request(d.sock, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    auth = base64.b64encode(b"u:p").decode()
    raw = raw_request(d.sock, f"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}"
                              "\r\n\r\n".encode())
    assert b" 200 " in raw.split(b"\r\n", 1)[0] and b"supervisor_process_state" in raw


class Prometheus:
    """A real Prometheus on 127.0.0.1, its own storage, scraping `target` every second."""

    def __init__(self, tmp_path, target):
        self.port = free_port()
        conf = tmp_path / "prometheus.yml"
        conf.write_text(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: supervisord
    static_configs:
      - targets: ['{target}']
""")
        self.log = open(tmp_path / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={conf}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=str(tmp_path))

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)["data"]

    def value(self, query):
        """The single result of an instant query, None while there is none."""
        try:
            result = self.api("query", query=query)["result"]
        except OSError:
            return None
        return float(result[0]["value"][1]) if len(result) == 1 else None

    def stop(self):
        self.proc.kill()   # by pid: only the one we started
        self.proc.wait(timeout=10)
        self.log.close()


def test_a_real_prometheus_scrapes_the_trees_and_sees_a_restart(deployment, tmp_path):
    d = deployment
    prom = Prometheus(tmp_path, f"127.0.0.1:{d.port}")
    try:
        def target_up():
            try:
                ts = prom.api("targets")["activeTargets"]
            except OSError:
                return False
            return ts and ts[0]["health"] == "up" and ts
        wait_for(target_up, timeout=15, interval=0.2, what="prometheus scraping us")

        q_rss = 'supervisor_process_tree_resident_memory_bytes{name="my_app_01"}'
        rss = wait_for(lambda: prom.value(q_rss), timeout=10, interval=0.2, what="tree RSS")
        ours = sample(metrics(d)[1], "supervisor_process_tree_resident_memory_bytes",
                      name="my_app_01")
        assert rss > 0 and abs(rss - ours) <= 0.2 * ours, (rss, ours)

        pid = d.rpc.supervisor.getProcessInfo("my_app:my_app_01")["pid"]
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: d.rpc.supervisor.getProcessInfo("my_app:my_app_01")["pid"] not in (0, pid)
                 and running(d, 2)(), what="my_app_01 restarted")
        q_changes = 'changes(supervisor_process_restarts_total{name="my_app_01"}[1m])'
        wait_for(lambda: (prom.value(q_changes) or 0) >= 1, timeout=10, interval=0.2,
                 what="prometheus seeing the restart")
        q_inc = ('increase(supervisor_process_exits_total'
                 '{name="my_app_01",kind="signal"}[1m])')
        wait_for(lambda: (prom.value(q_inc) or 0) >= 1, timeout=10, interval=0.2,
                 what="the SIGKILL counted as a signal exit")
    finally:
        prom.stop()


def test_the_shipped_scrape_config_and_alert_rules_pass_promtool(tmp_path):
    rules = os.path.join(DOCS, "alerts.yml")
    r = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and "SUCCESS: 3 rules found" in r.stdout, r.stdout + r.stderr
    # check config also checks the rule files it names; run it next to a copy of both.
    shutil.copy(rules, tmp_path / "alerts.yml")
    shutil.copy(os.path.join(DOCS, "prometheus.yml"), tmp_path / "prometheus.yml")
    r = subprocess.run([PROMTOOL, "check", "config", str(tmp_path / "prometheus.yml")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_metric_served_is_documented(deployment):
    body = metrics(deployment, query="?pss=1&fds=1")[1]
    names = {line.split()[2] for line in body.splitlines() if line.startswith("# TYPE ")}
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    readme = open(os.path.join(root, "README.md")).read()
    man = open(os.path.join(root, "man", "supervisord.8")).read()
    missing = sorted(n for n in names if f"`{n}" not in readme or f".B {n}\n" not in man)
    assert len(names) >= 29 and not missing, missing


def http_get(url, auth=None):
    """(status, body) of a GET over TCP."""
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_metrics_auth_false_opens_metrics_alone(daemon_factory, tmp_path):
    port = free_port()
    d = daemon_factory(f"""[inet_http_server]
port=127.0.0.1:{port}
username=u
password=p
metrics_auth=false

[program:a]
command={TESTCHILD} sleep
startsecs=0
""")
    base = f"http://127.0.0.1:{port}"
    status, body = http_get(base + "/metrics")
    assert status == 200 and "supervisor_process_state{" in body
    assert http_get(base + "/metrics?fds=1")[0] == 200
    for path in ("/", "/index.html", "/mainlogtail", "/metricsx", "/RPC2"):
        assert http_get(base + path)[0] == 401, path
    assert http_get(base + "/", auth="u:p")[0] == 200
    # A value that is not a boolean is a clear error.
    bad = tmp_path / "bad.conf"
    bad.write_text(f"[inet_http_server]\nport=127.0.0.1:{free_port()}\nmetrics_auth=maybe\n")
    r = subprocess.run([OUR_SUPERVISORD, "--check-config", "-c", str(bad)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0 and "metrics_auth" in r.stdout + r.stderr, r.stdout + r.stderr


def test_output_a_log_file_cannot_take_is_counted_lost(daemon_factory):
    d = daemon_factory(f"""[program:full]
command={TESTCHILD} spew 6400 out
startsecs=0
autorestart=false
stdout_logfile=/dev/full
""")
    def lost():
        body = metrics(d)[1]
        return (sample(body, "supervisor_process_output_bytes_total", name="full",
                       stream="stdout") == 6400 and
                sample(body, "supervisor_process_output_lost_bytes_total", name="full",
                       stream="stdout"))
    assert wait_for(lost, what="6400 bytes read and lost") == 6400
    assert sample(metrics(d)[1], "supervisor_process_output_lost_bytes_total", name="full",
                  stream="stderr") == 0


@pytest.mark.skipif(not NODE_EXPORTER,
                    reason="prometheus-node-exporter not installed (scripts/setup.sh)")
def test_node_exporters_supervisord_collector_reads_us(deployment, tmp_path):
    d = deployment
    port = free_port()
    log = open(tmp_path / "node_exporter.log", "wb")
    proc = subprocess.Popen(
        [NODE_EXPORTER, "--collector.disable-defaults", "--collector.supervisord",
         f"--collector.supervisord.url=http://127.0.0.1:{d.port}/RPC2",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        def scrape():
            try:
                status, body = http_get(f"http://127.0.0.1:{port}/metrics")
            except OSError:
                return None
            return status == 200 and "node_supervisord_up{" in body and body
        body = wait_for(scrape, timeout=15, interval=0.1, what="node_exporter's supervisord "
                        "collector answering")
        assert sample(body, "node_scrape_collector_success", collector="supervisord") == 1
        ours = {p["name"]: p for p in d.rpc.supervisor.getAllProcessInfo()}
        for name, group in (("my_app_00", "my_app"), ("my_app_01", "my_app"),
                            ("broken", "broken")):
            p = ours[name]
            assert sample(body, "node_supervisord_state", name=name, group=group) == p["state"]
            assert sample(body, "node_supervisord_up", name=name, group=group) == \
                (1 if p["statename"] == "RUNNING" else 0)
        for name in ("my_app_00", "my_app_01"):
            start = sample(body, "node_supervisord_start_time_seconds", name=name,
                           group="my_app")
            assert start == ours[name]["start"]
            assert abs(start - sample(metrics(d)[1], "supervisor_process_start_time_seconds",
                                      name=name)) < 1
        assert sample(body, "node_supervisord_exit_status", name="broken", group="broken") \
            == ours["broken"]["exitstatus"]
    finally:
        proc.kill()  # by pid: only the one we started
        proc.wait(timeout=10)
        log.close()


@pytest.mark.parametrize("cgroups", ["false", "true"])
def test_trees_with_and_without_cgroups(daemon_factory, cgroups):
    """cgroups=false: the trees come from one scan of /proc; true (where the daemon can
    make cgroups): from each instance's cgroup files. Same workers, a plausible RSS, and a
    CPU counter, either way."""
    d = daemon_factory(f"[program:w]\ncommand={TESTCHILD} workers 2\nstartsecs=0\n",
                       extra_main=f"cgroups={cgroups}")
    wait_for(lambda: sample(metrics(d)[1], "supervisor_process_tree_workers", name="w") == 2,
             what="2 workers")
    # Two readings of a tree whose workers were just forked (their RSS grows while they
    # fault their pages in): they agree once the tree settles.
    def agree():
        body = metrics(d)[1]
        tree = d.rpc.supervisor.getAllProcessTreeInfo()[0]
        rss = sample(body, "supervisor_process_tree_resident_memory_bytes", name="w")
        return rss > 0 and abs(rss - tree["rss_kb"] * 1024) <= 0.2 * rss
    wait_for(agree, what="scraped tree RSS within 20% of getAllProcessTreeInfo's")
    body = metrics(d)[1]
    assert sample(body, "supervisor_process_tree_cpu_seconds_total", name="w") >= 0
