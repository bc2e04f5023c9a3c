"""``python -m grooper_nb.sandbox start | status | stop | reset | env`` (docs/sandbox.md).

    python -m grooper_nb.sandbox start              # prints the start JSON (proxy, CA bundle, tenant, ...)
    eval "$(python -m grooper_nb.sandbox env)"      # this shell now reaches the sandbox
    curl -i https://graph.microsoft.com/v1.0/me     # through the proxy, the sandbox CA trusted
    python -m grooper_nb.sandbox admin clock/advance '{"seconds": 3600}'   # with the admin key
    python -m grooper_nb.sandbox stop

The state dir is ``--state-dir``, else ``$GROOPER_NB_SANDBOX_DIR``, else ``~/.cache/grooper-nb/sandbox``.
Exit codes: 0 ok; 1 the service could not be started/stopped (the reason is on stderr);
3 ``status`` found no running service.
"""

from __future__ import annotations

import argparse
import json
import sys

from grooper_nb.sandbox import launcher

EXIT_NOT_RUNNING = 3


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
        help="consented (default): the customer tenant already has the Grooper connector's service principal "
        "and an administrator's grants; unconsented: it has neither until an administrator consents",
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
    sub.add_parser("env", parents=[common, seeding], help="print `export` lines for a shell (starts it)")
    admin = sub.add_parser(
        "admin",
        parents=[common],
        help="POST to a /_sandbox/ admin endpoint with the admin key; print the answer",
    )
    admin.add_argument("path", help="e.g. clock/advance or users/UPN/revoke-sessions")
    admin.add_argument("body", nargs="?", default="{}", help="a JSON object (default {})")
    serve = sub.add_parser("serve", parents=[common], help=argparse.SUPPRESS)
    serve.add_argument("--seed", type=int, default=launcher.DEFAULT_SEED)
    serve.add_argument("--scale", type=_scale, default=launcher.DEFAULT_SCALE)
    serve.add_argument("--connector", choices=launcher.CONNECTOR_STATES, default=launcher.DEFAULT_CONNECTOR)
    serve.add_argument("--ready-fd", type=int)
    serve.add_argument("--detach", action="store_true")
    return parser


def _admin(args: argparse.Namespace) -> int:
    try:
        body = json.loads(args.body)
    except ValueError as exc:
        print(f"error: the body is not JSON: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(launcher.admin_post(args.path, body, state_dir=args.state_dir), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
        elif args.command == "env":
            info = launcher.ensure_running(args.state_dir, args.seed, args.scale, connector=args.connector)
            for key, value in info["env"].items():
                print(f"export {key}={_shell_quote(value)}")
    except launcher.SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
