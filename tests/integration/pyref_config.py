#!/usr/bin/python3
"""The reference side of the config differential: Python Supervisor's own parser.

Usage: /usr/bin/python3 pyref_config.py CONFIG_FILE
Prints one JSON object: {"ok": false, "error": "..."} when supervisord would refuse the
file (usage error, or any exception the parser lets escape), else {"ok": true, "groups":
[...]} with, per group, its priority and the process configs in the normalised form that
our `--check-config --json` output is compared with (see normalise_*).
"""
import io
import json
import sys


def log_name(value):
    from supervisor.datatypes import Automatic
    if value is Automatic:
        return "AUTO"
    if value is None:
        return "NONE"
    return value


def autorestart_name(value):
    from supervisor.datatypes import RestartUnconditionally, RestartWhenExitUnexpected
    if value is RestartUnconditionally:
        return "true"
    if value is RestartWhenExitUnexpected:
        return "unexpected"
    return "false"


def normalise_process(p):
    out = {
        "name": p.name,
        "command": p.command,
        "directory": p.directory,
        "uid": p.uid,
        "umask": p.umask,
        "priority": p.priority,
        "autostart": p.autostart,
        "autorestart": autorestart_name(p.autorestart),
        "startsecs": p.startsecs,
        "startretries": p.startretries,
        "exitcodes": list(p.exitcodes),
        "stopsignal": int(p.stopsignal),
        "stopwaitsecs": p.stopwaitsecs,
        "stopasgroup": p.stopasgroup,
        "killasgroup": p.killasgroup,
        "redirect_stderr": p.redirect_stderr,
        "serverurl": p.serverurl,
        "environment": dict(p.environment or {}),
    }
    for ch in ("stdout", "stderr"):
        out[ch + "_logfile"] = log_name(getattr(p, ch + "_logfile"))
        for key in ("logfile_maxbytes", "logfile_backups", "capture_maxbytes",
                    "events_enabled", "syslog"):
            out["%s_%s" % (ch, key)] = getattr(p, "%s_%s" % (ch, key))
    return out


def normalise_group(g):
    # supervisord keys a group's processes by name: a repeated name keeps the last config.
    procs = {}
    for p in g.process_configs:
        procs[p.name] = normalise_process(p)
    out = {"name": g.name, "priority": g.priority,
           "processes": sorted(procs.values(), key=lambda p: p["name"])}
    if hasattr(g, "pool_events"):
        from supervisor.events import getEventNameByType
        out["events"] = sorted(getEventNameByType(e) for e in g.pool_events)
        out["buffer_size"] = g.buffer_size
    return out


def main(path):
    from supervisor.options import ServerOptions
    options = ServerOptions()
    options.stderr = io.StringIO()
    options.stdout = io.StringIO()
    try:
        options.realize(args=["-c", path])
    except SystemExit:
        return {"ok": False, "error": options.stderr.getvalue().strip()}
    except Exception as e:   # the parser lets some errors escape (e.g. undecodable bytes)
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    groups = []
    seen = set()
    for g in options.process_group_configs:   # sorted by (priority, name)
        if g.name in seen:   # supervisord adds the first group of a name only
            continue
        seen.add(g.name)
        groups.append(normalise_group(g))
    sup = {
        "logfile": options.logfile,
        "pidfile": options.pidfile,
        "loglevel": options.loglevel,
        "identifier": options.identifier,
        "nodaemon": bool(options.nodaemon),
        "minfds": options.minfds,
        "umask": options.umask,
        "childlogdir": options.childlogdir,
    }
    servers = []
    for s in options.server_configs:
        if "file" in s:
            servers.append({"section": s["section"], "file": s["file"], "chmod": s["chmod"]})
        else:
            servers.append({"section": s["section"], "host": s["host"], "port": s["port"]})
    return {"ok": True, "groups": groups, "supervisord": sup, "servers": servers,
            "warnings": list(options.parse_warnings)}


if __name__ == "__main__":
    json.dump(main(sys.argv[1]), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
