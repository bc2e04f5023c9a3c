"""``python -m grooper_nb.sandbox start | status | stop | reset | env | users | admin | faults | requests``
(docs/sandbox.md).

    python -m grooper_nb.sandbox start              # prints the start JSON (proxy, CA bundle, tenant, ...)
    eval "$(python -m grooper_nb.sandbox env)"      # this shell now reaches the sandbox
    curl -i https://graph.microsoft.com/v1.0/me     # through the proxy, the sandbox CA trusted
    python -m grooper_nb.sandbox admin clock/advance '{"seconds": 3600}'   # with the admin key
    eval "$(python -m grooper_nb.sandbox env --unset)"   # ... and the rest of the internet again
    python -m grooper_nb.sandbox users              # the seeded users and their sandbox passwords
    python -m grooper_nb.sandbox faults on throttle --rate 0.2 --seed 7   # 429s for a fifth of requests
    python -m grooper_nb.sandbox faults off         # ... and none again
    python -m grooper_nb.sandbox requests --host graph   # what the hosts were asked (the request log)
    python -m grooper_nb.sandbox stop

``env`` sends every HTTPS request of the shell through the sandbox's proxy, which serves only the hosts
the sandbox impersonates: ``pip`` or ``git`` in that shell then fail (``CONNECT tunnel failed, 403``)
until ``env --unset``. ``users`` prints what a person types on the sandbox's sign-in page (throw-away
passwords of a local tenant), without the client secrets the start JSON also holds.

The state dir is ``--state-dir``, else ``$GROOPER_NB_SANDBOX_DIR``, else ``~/.cache/grooper-nb/sandbox``.
Exit codes: 0 ok; 1 the service could not be started/stopped (the reason is on stderr);
3 ``status`` found no running service.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from grooper_nb.sandbox import launcher

EXIT_NOT_RUNNING = 3
# What `env` exports (the start JSON's "env"); `env --unset` unsets them (the lower-case https_proxy too,
# in case a tool or a person copied it).
ENV_NAMES = ("HTTPS_PROXY", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")


def _scale(value: str) -> str:
    if value in ("small", "large") or (value.isdigit() and int(value) > 0):
        return value
    raise argparse.ArgumentTypeError("expected small, large or a positive number")


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grooper_nb.sandbox",
        description="The embedded Microsoft 365 sandbox tenant: one background service per state dir.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state-dir",
        help="state directory (default: $GROOPER_NB_SANDBOX_DIR, else ~/.cache/grooper-nb/sandbox)",
    )
    seeding = argparse.ArgumentParser(add_help=False)
    seeding.add_argument("--seed", type=int, help="seed of the generated tenant (default 42)")
    seeding.add_argument(
        "--scale",
        type=_scale,
        help="small (default), large, or a message count; only small is implemented so far (the others are "
        "accepted and recorded, and seed the small tenant)",
    )
    seeding.add_argument(
        "--connector",
        choices=launcher.CONNECTOR_STATES,
        help="in-tenant (default): the Grooper connector is registered in the customer tenant, consented; "
        "consented: registered in its publisher's tenant, with its service principal and an administrator's "
        "grants here; unconsented: publisher's tenant, and neither here until an administrator consents",
    )

    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "start", parents=[common, seeding], help="start (or reuse) the service; print the start JSON"
    )
    sub.add_parser("status", parents=[common], help="print the start JSON if running (else exit 3)")
    sub.add_parser("stop", parents=[common], help="stop the service (exit 0 even if it was not running)")
    sub.add_parser(
        "reset",
        parents=[common, seeding],
        help="stop, wipe the tenant, start fresh (keeps the previous seed unless --seed)",
    )
    env = sub.add_parser(
        "env",
        parents=[common, seeding],
        help="print `export` lines for a shell (starts it); --unset prints the `unset` lines that undo them",
    )
    env.add_argument(
        "--unset", action="store_true", help="print `unset` lines: the shell reaches the internet again"
    )
    sub.add_parser(
        "users", parents=[common], help="print the seeded users and their sandbox passwords (starts it)"
    )
    admin = sub.add_parser(
        "admin",
        parents=[common],
        help="POST to a /_sandbox/ admin endpoint with the admin key; print the answer",
    )
    admin.add_argument("path", help="e.g. clock/advance or users/UPN/revoke-sessions")
    admin.add_argument("body", nargs="?", default="{}", help="a JSON object (default {})")
    _fault_parsers(sub, common)
    requests = sub.add_parser(
        "requests", parents=[common], help="print the request log (JSON); --clear forgets it"
    )
    requests.add_argument("--host", choices=("login", "graph", "ews", "sharepoint"))
    requests.add_argument("--since", type=int, default=0, help="only the entries after this seq")
    requests.add_argument("--clear", action="store_true", help="forget the log's entries")
    return parser


def _fault_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    faults = sub.add_parser("faults", parents=[common], help="switch fault scenarios on or off, or list them")
    actions = faults.add_subparsers(dest="fault_command", required=True, metavar="ACTION")
    on = actions.add_parser("on", parents=[common], help="switch fault NAME on")
    on.add_argument(
        "name", help="throttle, unavailable, reset, token_expiry, ews_blocked or mailbox_not_enabled"
    )
    on.add_argument("--rate", type=float, help="share of eligible requests faulted, 0..1 (default 1)")
    on.add_argument("--seed", type=int, help="seed of the fault's random draws (reproducible runs)")
    on.add_argument("--count", type=int, help="fault at most this many requests")
    on.add_argument("--after", type=int, help="let the first N eligible requests through")
    on.add_argument("--retry-after", type=int, help="seconds a 429/503 asks to wait (default 2)")
    on.add_argument("--host", choices=("graph", "ews", "sharepoint", "all"), default="all")
    off = actions.add_parser("off", parents=[common], help="switch fault NAME off (every fault without NAME)")
    off.add_argument("name", nargs="?")
    actions.add_parser("list", parents=[common], help="print the scenarios and those switched on (JSON)")


def _serve_parser() -> argparse.ArgumentParser:
    """The service process's own command line (the launcher runs it; it is not for people, so the
    main ``--help`` does not list it)."""
    serve = argparse.ArgumentParser(prog="python -m grooper_nb.sandbox serve")
    serve.add_argument("--state-dir")
    serve.add_argument("--seed", type=int, default=launcher.DEFAULT_SEED)
    serve.add_argument("--scale", type=_scale, default=launcher.DEFAULT_SCALE)
    serve.add_argument("--connector", choices=launcher.CONNECTOR_STATES, default=launcher.DEFAULT_CONNECTOR)
    serve.add_argument("--ready-fd", type=int)
    serve.add_argument("--detach", action="store_true")
    return serve


def _parse(argv: list[str] | None) -> argparse.Namespace:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        args = _serve_parser().parse_args(argv[1:])
        args.command = "serve"
        return args
    return _parser().parse_args(argv)


def env_lines(env: dict[str, str], *, unset: bool = False) -> list[str]:
    """``export NAME='value'`` per variable of the start JSON's ``env``; with ``unset``, the ``unset``
    line that gives the shell back (the proxy serves only the impersonated hosts)."""
    if unset:
        return [f"unset {' '.join(env)} https_proxy"]
    return [f"export {key}={_shell_quote(value)}" for key, value in env.items()]


USER_COLUMNS = ("upn", "password", "display_name", "enabled", "mfa_required", "has_mailbox")


def users_lines(users: list[dict]) -> list[str]:
    """The seeded users as an aligned plain-text table: what a person types on the sign-in page."""
    rows = [list(USER_COLUMNS)]
    for user in users:
        roles = ", ".join(user.get("directory_roles") or ())
        rows.append([str(user.get(c, "")) for c in USER_COLUMNS] + [roles])
    rows[0].append("directory_roles")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return [line.rstrip() for line in lines]


def _admin(args: argparse.Namespace) -> int:
    try:
        body = json.loads(args.body)
    except ValueError as exc:
        print(f"error: the body is not JSON: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(launcher.admin_post(args.path, body, state_dir=args.state_dir), indent=2))
    return 0


def _faults(args: argparse.Namespace) -> int:
    if args.fault_command == "on":
        params = {"rate": args.rate, "seed": args.seed, "count": args.count, "after": args.after,
                  "retry_after": args.retry_after, "host": args.host}  # fmt: skip
        params = {k: v for k, v in params.items() if v is not None}
        print(json.dumps(launcher.set_fault(args.state_dir, args.name, **params), indent=2))
    elif args.fault_command == "off":
        print(json.dumps({"off": launcher.clear_faults(args.state_dir, args.name)}, indent=2))
    else:
        print(json.dumps(launcher.admin_get("faults", state_dir=args.state_dir), indent=2))
    return 0


def _requests(args: argparse.Namespace) -> int:
    if args.clear:
        print(json.dumps({"cleared": launcher.clear_requests(args.state_dir)}, indent=2))
    else:
        print(json.dumps(launcher.requests(args.state_dir, host=args.host, since=args.since), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        if args.command == "serve":
            from grooper_nb.sandbox import process  # the service process only

            return process.serve(
                args.state_dir, args.seed, args.scale, args.ready_fd, args.detach, connector=args.connector
            )
        if args.command == "start":
            info = launcher.ensure_running(args.state_dir, args.seed, args.scale, connector=args.connector)
            print(json.dumps(info, indent=2))
        elif args.command == "status":
            info = launcher.status(args.state_dir)
            if info is None:
                state_dir = str(launcher.resolve_state_dir(args.state_dir))
                print(json.dumps({"running": False, "state_dir": state_dir}, indent=2))
                return EXIT_NOT_RUNNING
            print(json.dumps(info, indent=2))
        elif args.command == "stop":
            launcher.stop(args.state_dir)
        elif args.command == "reset":
            info = launcher.reset(args.state_dir, args.seed, args.scale, connector=args.connector)
            print(json.dumps(info, indent=2))
        elif args.command == "admin":
            return _admin(args)
        elif args.command == "faults":
            return _faults(args)
        elif args.command == "requests":
            return _requests(args)
        elif args.command == "env":
            _print_env(args)
        elif args.command == "users":
            print("\n".join(users_lines(launcher.ensure_running(args.state_dir)["users"])))
    except launcher.SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _print_env(args: argparse.Namespace) -> None:
    if args.unset:  # undoing needs no service: the names are always the same
        print("\n".join(env_lines(dict.fromkeys(ENV_NAMES, ""), unset=True)))
        return
    info = launcher.ensure_running(args.state_dir, args.seed, args.scale, connector=args.connector)
    print("\n".join(env_lines(info["env"])))


if __name__ == "__main__":
    sys.exit(main())
