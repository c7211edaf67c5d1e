"""The web interface (issue 16): Supervisor's status page, its action links and tail page,
over both servers, against our daemon and, for the answers Supervisor has too, Python
Supervisor 4.2.5; then the same pages in a real browser (headless chromium through
selenium, one session for the whole module): live updates from the event stream, actions
without a reload, tail -f, escaping, and the pages with JavaScript disabled.

Different on purpose (README "Different on purpose"): HEAD answers as GET does (Python:
404); POSTs from our forms carry a token; an action request whose Origin or Referer names
another site is refused (403); bad query strings are 400.
"""
import base64
import http.client
import os
import re
import shutil
import socket
import urllib.parse

import pytest

from support import BUILD, TESTCHILD, Daemon, raw_request, wait_for

USER, PASSWORD = "admin", "s3cret"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
EVIL = "<script>window.pwned=1</script>"

NOTIFY_CHILD = r"""
import os, socket, sys, time
path = os.environ["NOTIFY_SOCKET"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(("READY=1\nSTATUS=" + sys.argv[1]).encode(), "\0" + path[1:] if path[0] == "@" else path)
time.sleep(3600)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def programs(tmp):
    child = tmp / "notify.py"
    child.write_text(NOTIFY_CHILD)
    return f"""
[program:alpha]
command={TESTCHILD} sleep
startsecs=0

[program:talker]
command=/bin/cat
startsecs=0

[program:web]
command={TESTCHILD} sleep
process_name=%(program_name)s_%(process_num)02d
numprocs=3
startsecs=0

[program:said]
command=/usr/bin/python3 {child} "{EVIL}"
ready=notify
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    port = free_port()
    body = f"""[inet_http_server]
port=127.0.0.1:{port}
username={USER}
password={PASSWORD}
""" + programs(tmp)
    d = Daemon(tmp, body)
    d.port = port
    d.start()
    wait_for(lambda: all(p["statename"] == "RUNNING" for p in d.rpc.supervisor.getAllProcessInfo()),
             what="every program RUNNING")
    yield d
    d.stop()


def unix_get(d, target, method="GET", headers=(), body=b""):
    """One request over the UNIX socket: (status, headers dict, body)."""
    head = f"{method} {target} HTTP/1.0\r\nHost: localhost\r\n"
    for k, v in headers:
        head += f"{k}: {v}\r\n"
    if body:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    # Python's daemon answers an action after its next 1 s tick, later under load; the read
    # ends at Content-Length or close, so a long bound costs nothing when all is well.
    raw = raw_request(d.sock, head.encode() + b"\r\n" + body, read_timeout=30)
    top, _, rest = raw.partition(b"\r\n\r\n")
    lines = top.decode().split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(": ")
        hdrs[k.lower()] = v
    return status, hdrs, rest.decode(errors="replace")


def inet_get(d, target, auth=True, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
    c.request(method, target, headers={"Authorization": AUTH} if auth else {})
    r = c.getresponse()
    out = r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read().decode()
    c.close()
    return out


def message_of(location):
    return urllib.parse.unquote(location.split("?message=", 1)[1])


def state(d, name):
    return d.rpc.supervisor.getProcessInfo(name)["statename"]


# ------------------------------------------------------------------ plain HTTP

def test_status_page_over_both_servers(site):
    infos = site.rpc.supervisor.getAllProcessInfo()
    for status, hdrs, body in (unix_get(site, "/"), inet_get(site, "/index.html")):
        assert status == 200 and hdrs["content-type"].startswith("text/html")
        rows = re.findall(r'<tr id="p-([^"]+)" class="proc">', body)
        names = sorted(urllib.parse.unquote(r) for r in rows)
        assert names == sorted(i["name"] if i["group"] == i["name"] else
                               f"{i['group']}:{i['name']}" for i in infos)
        assert '<tr id="g-web" class="grp">' in body and "3/3 ready" in body
        assert "Tail -f Stdout" in body and 'href="logtail/alpha/stderr"' in body
        assert "4.2.5" in body


def test_head_answers_the_page_head(site):
    status, hdrs, body = unix_get(site, "/", method="HEAD")
    assert status == 200 and body == "" and int(hdrs["content-length"]) > 1000


def test_auth_guards_every_page(site):
    for target in ("/", "/index.html?action=stopall", "/tail.html?processname=alpha",
                   "/stylesheets/supervisor.css", "/events"):
        assert inet_get(site, target, auth=False)[0] == 401, target
    assert state(site, "alpha") == "RUNNING"


def test_assets_and_bad_requests(site):
    status, hdrs, css = unix_get(site, "/stylesheets/supervisor.css")
    assert status == 200 and hdrs["content-type"] == "text/css" and ".st.run" in css
    assert unix_get(site, "/scripts/live.js")[1]["content-type"] == "text/javascript"
    assert unix_get(site, "/nope.html")[0] == 404
    assert unix_get(site, "/index.html?processname=%zz&action=stop")[0] == 400
    assert unix_get(site, "/index.html?processname=alpha&action=stop&pad=" + "x" * 5000)[0] == 400
    assert unix_get(site, "/", method="PUT")[0] == 405
    assert unix_get(site, "/tail.html", method="POST", body=b"processname=alpha")[0] == 405
    assert state(site, "alpha") == "RUNNING"


def test_actions_answer_like_supervisor(site):
    status, hdrs, _ = unix_get(site, "/index.html?processname=nope&action=start")
    assert status == 301 and hdrs["location"] == \
        "http://localhost/?message=No%20such%20process%20named%20nope"
    status, hdrs, _ = unix_get(site, "/index.html?processname=alpha&action=start")
    assert message_of(hdrs["location"]) == "ERROR: Process alpha: already started"
    assert unix_get(site, "/index.html?processname=alpha&action=bogus")[0] == 500
    status, hdrs, _ = unix_get(site, "/index.html?processname=alpha&action=stop")
    assert message_of(hdrs["location"]) == "Process alpha stopped"
    assert state(site, "alpha") == "STOPPED"
    status, hdrs, _ = unix_get(site, "/index.html?processname=alpha&action=start")
    assert message_of(hdrs["location"]) == "Process alpha started"
    assert state(site, "alpha") == "RUNNING"
    status, hdrs, _ = unix_get(site, "/index.html?processname=talker&action=clearlog")
    assert message_of(hdrs["location"]) == "Log for talker cleared"
    status, _, body = unix_get(site, "/?message=" + urllib.parse.quote("Hi <b>there</b>"))
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in body


def test_group_actions(site):
    pids = lambda: {i["name"]: i["pid"] for i in site.rpc.supervisor.getAllProcessInfo()
                    if i["group"] == "web"}
    before = pids()
    _, hdrs, _ = unix_get(site, "/index.html?group=web&action=rollout")
    assert message_of(hdrs["location"]) == "Group web restarted one at a time"
    after = pids()
    assert all(after[n] != before[n] and after[n] > 0 for n in before)
    _, hdrs, _ = unix_get(site, "/index.html?group=web&action=groupstop")
    assert message_of(hdrs["location"]) == "Group web stopped"
    assert "0/3 ready" in unix_get(site, "/")[2]
    _, hdrs, _ = unix_get(site, "/index.html?group=web&action=groupstart")
    assert message_of(hdrs["location"]) == "Group web started"
    assert all(i["statename"] == "RUNNING" for i in site.rpc.supervisor.getAllProcessInfo())
    _, hdrs, _ = unix_get(site, "/index.html?group=nope&action=groupstop")
    assert message_of(hdrs["location"]) == "No such group named nope"


def test_group_scale_form(site):
    """The group row's Scale form (a POST carrying the token) scales as `supervisorctl scale`
    does: only the difference is started or stopped, and a bad count changes nothing."""
    page = unix_get(site, "/")[2]
    assert 'name="count"' in page and 'value="groupscale"' in page
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    web = lambda: {i["name"]: i["pid"] for i in site.rpc.supervisor.getAllProcessInfo()
                   if i["group"] == "web"}
    before = web()

    def scale(count):
        status, hdrs, _ = unix_get(site, "/index.html", method="POST",
                                   body=f"group=web&action=groupscale&count={count}"
                                        f"&token={token}".encode())
        assert status == 301
        return message_of(hdrs["location"])

    assert scale("4") == "web: scaled 3 -> 4"
    after = web()
    assert len(after) == 4 and all(after[n] == before[n] for n in before)
    wait_for(lambda: state(site, "web:web_03") == "RUNNING", what="web_03 started")
    assert scale("0") == "ERROR: Group web: BAD_ARGUMENTS: count must be between 1 and 1000"
    assert len(web()) == 4
    assert scale("-1") == "web: scaled 4 -> 3 (numprocs of the config file)"
    assert web() == before
    assert "3/3 ready" in unix_get(site, "/")[2]


def test_messages_match_python_supervisor(tmp_path):
    """The same action links against Python Supervisor 4.2.5: the same status and message."""
    body = f"[program:y]\ncommand={TESTCHILD} sleep\nstartsecs=0\n"
    answers = {}
    for impl in ("ours", "python"):
        (tmp_path / impl).mkdir()
        d = Daemon(tmp_path / impl, body, impl=impl)
        d.start()
        try:
            wait_for(lambda: state(d, "y") == "RUNNING", what="y running")
            got = []
            for q in ("processname=nope&action=start", "processname=y&action=start",
                      "processname=y&action=stop", "processname=y&action=stop",
                      "processname=y&action=start", "processname=y&action=restart",
                      "processname=y&action=clearlog", "action=bogus", "action=refresh",
                      "action=stopall"):
                status, hdrs, _ = unix_get(d, "/index.html?" + q)
                msg = message_of(hdrs["location"]) if "location" in hdrs else None
                got.append((q, status, msg and re.sub(r" at .*", " at <time>", msg)))
            status, _, page = unix_get(d, "/tail.html?processname=nope")
            got.append(("tail nope", status, "BAD_NAME: nope" in page))
            answers[impl] = got
        finally:
            d.stop()
    assert answers["ours"] == answers["python"]


def test_forgery_is_refused(site):
    evil = [("Origin", "http://evil.example")]
    assert unix_get(site, "/index.html?processname=alpha&action=stop", headers=evil)[0] == 403
    assert unix_get(site, "/index.html?processname=alpha&action=stop",
                    headers=[("Referer", "http://evil.example/x")])[0] == 403
    assert unix_get(site, "/index.html", method="POST",
                    body=b"processname=alpha&action=stop&token=guess")[0] == 403
    assert state(site, "alpha") == "RUNNING"
    token = re.search(r'name="token" value="([0-9a-f]+)"', unix_get(site, "/")[2]).group(1)
    assert unix_get(site, "/index.html", method="POST", headers=evil,
                    body=f"processname=alpha&action=stop&token={token}".encode())[0] == 403
    status, hdrs, _ = unix_get(site, "/index.html", method="POST",
                               headers=[("Origin", "http://localhost")],
                               body=f"processname=alpha&action=stop&token={token}".encode())
    assert status == 301 and message_of(hdrs["location"]) == "Process alpha stopped"
    unix_get(site, "/index.html?processname=alpha&action=start")
    assert state(site, "alpha") == "RUNNING"


def test_program_text_is_escaped(site):
    body = unix_get(site, "/")[2]
    assert EVIL not in body and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in body
    site.rpc.supervisor.sendProcessStdin("talker", EVIL + "\n")
    wait_for(lambda: "pwned" in unix_get(site, "/tail.html?processname=talker")[2],
             what="talker's line in the tail page")
    page = unix_get(site, "/tail.html?processname=talker")[2]
    assert EVIL not in page and "&lt;script&gt;window.pwned=1" in page
    why = unix_get(site, "/why.html?processname=said")[2]
    assert EVIL not in why and "notify" in why and "Worker tree" in why
    assert unix_get(site, "/why.html?processname=nope")[0] == 404


def recv_until(s, got, needle):
    """Reads the stream until `needle` arrived (each recv bounded by the socket timeout)."""
    while needle not in got:
        chunk = s.recv(65536)
        assert chunk, f"stream closed before {needle!r}: {got!r}"
        got += chunk
    return got


def test_event_stream_pushes_rows(site):
    """The live stream over the UNIX socket: a stop elsewhere arrives as the row, rendered."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(site.sock)
    s.sendall(b"GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    got = recv_until(s, b"", b"retry:")
    assert b"text/event-stream" in got
    site.rpc.supervisor.stopProcess("alpha")
    got = recv_until(s, got, b"STOPPED")
    assert b'event: row\ndata: <tr id="p-alpha"' in got
    s.close()
    site.rpc.supervisor.startProcess("alpha")


# ------------------------------------------------------------------ in a browser

@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    if not shutil.which("chromedriver") or not shutil.which("chromium"):
        pytest.skip("chromium and chromium-driver are not installed (scripts/setup.sh)")
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,900"):
        opts.add_argument(a)
    opts.binary_location = shutil.which("chromium")
    from selenium.webdriver.chrome.service import Service
    service = Service(executable_path=shutil.which("chromedriver"))
    drv = webdriver.Chrome(options=opts, service=service)
    drv.set_page_load_timeout(20)
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": AUTH}})
    yield drv
    drv.quit()


def by_css(drv, css):
    from selenium.webdriver.common.by import By
    return drv.find_elements(By.CSS_SELECTOR, css)


def badge(drv, row_id):
    """The row's state badge as shown now (read in the page: rows are replaced live)."""
    return drv.execute_script(
        "var e = document.querySelector('tr#' + CSS.escape(arguments[0]) + ' .st');"
        "return e ? e.textContent : null", row_id)


def msg(drv):
    return drv.execute_script("return document.getElementById('msg').textContent")


def open_status(drv, site):
    drv.get(f"http://127.0.0.1:{site.port}/")
    wait_for(lambda: by_css(drv, "#live:not([hidden])"), what="live stream open")


def test_browser_shows_every_process(site, browser):
    open_status(browser, site)
    rows = by_css(browser, "tr.proc")
    assert len(rows) == len(site.rpc.supervisor.getAllProcessInfo())
    assert badge(browser, "p-alpha") == "RUNNING"
    assert badge(browser, "g-web") == "3/3 ready"
    os.makedirs(os.path.join(BUILD), exist_ok=True)
    browser.save_screenshot(os.path.join(BUILD, "web-screenshot.png"))


def test_browser_stop_and_start_without_reload(site, browser):
    open_status(browser, site)
    browser.execute_script("window.notReloaded = true")
    by_css(browser, 'tr#p-alpha button[value="stop"]')[0].click()
    wait_for(lambda: badge(browser, "p-alpha") == "STOPPED", what="STOPPED in the page")
    assert state(site, "alpha") == "STOPPED"
    assert "Process alpha stopped" in msg(browser)
    by_css(browser, 'tr#p-alpha button[value="start"]')[0].click()
    wait_for(lambda: badge(browser, "p-alpha") == "RUNNING", what="RUNNING in the page")
    assert state(site, "alpha") == "RUNNING"
    assert browser.execute_script("return window.notReloaded") is True


def test_browser_follows_changes_made_elsewhere(site, browser):
    open_status(browser, site)
    browser.execute_script("window.notReloaded = true")
    site.rpc.supervisor.stopProcess("web:web_01")
    wait_for(lambda: badge(browser, "p-web%3Aweb_01") == "STOPPED", what="row pushed")
    wait_for(lambda: badge(browser, "g-web") == "2/3 ready", what="group row pushed")
    site.rpc.supervisor.startProcess("web:web_01")
    wait_for(lambda: badge(browser, "p-web%3Aweb_01") == "RUNNING", what="row pushed")
    assert browser.execute_script("return window.notReloaded") is True


def test_browser_restart_all(site, browser):
    open_status(browser, site)
    before = {i["name"]: i["pid"] for i in site.rpc.supervisor.getAllProcessInfo()}
    by_css(browser, '.bar button[value="restartall"]')[0].click()
    wait_for(lambda: "All restarted at" in msg(browser), timeout=30,
             what="restart all message")
    after = {i["name"]: i["pid"] for i in site.rpc.supervisor.getAllProcessInfo()}
    assert all(after[n] != before[n] and after[n] > 0 for n in before)
    assert all(b.text == "RUNNING" for b in by_css(browser, "tr.proc .st"))


def test_browser_tail_follows_new_output(site, browser):
    browser.get(f"http://127.0.0.1:{site.port}/tail.html?processname=talker")
    wait_for(lambda: by_css(browser, "#follow:not([hidden])"), what="tail following")
    site.rpc.supervisor.sendProcessStdin("talker", "printed after the page opened\n")
    wait_for(lambda: "printed after the page opened" in by_css(browser, "#tail")[0].text,
             what="new line in the page")


def test_browser_program_text_stays_inert(site, browser):
    open_status(browser, site)
    note = by_css(browser, "tr#p-said .note")[0].text
    assert note == EVIL
    browser.get(f"http://127.0.0.1:{site.port}/tail.html?processname=talker")
    assert browser.execute_script("return window.pwned === undefined") is True


def test_browser_without_javascript(site, browser):
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(f"http://127.0.0.1:{site.port}/")
        by_css(browser, 'tr#p-alpha button[value="stop"]')[0].click()
        wait_for(lambda: "Process alpha stopped" in msg(browser),
                 what="message after the form's redirect")
        assert badge(browser, "p-alpha") == "STOPPED" and state(site, "alpha") == "STOPPED"
        by_css(browser, 'tr#p-alpha button[value="start"]')[0].click()
        wait_for(lambda: "Process alpha started" in msg(browser),
                 what="start message")
        assert state(site, "alpha") == "RUNNING"
        # Supervisor's plain links: Refresh, the name to the tail page.
        by_css(browser, ".bar a.btn")[0].click()
        wait_for(lambda: "Page refreshed at" in msg(browser),
                 what="refresh message")
        by_css(browser, "tr#p-talker td.name a")[0].click()
        wait_for(lambda: by_css(browser, "#tail"), what="tail page")
        assert "printed after the page opened" in by_css(browser, "#tail")[0].text
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
