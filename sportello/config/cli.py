"""The ``sportello`` command: run, worker, migrate, createadmin, demo, check, mail parse,
gdpr."""

from __future__ import annotations

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    from sportello.core.database import optimize

    call_command("migrate", interactive=False, verbosity=verbosity)
    optimize()
    _bootstrap()


def _bootstrap() -> None:
    """Default workspace, and on first run an admin agent whose password is printed once."""
    from sportello.accounts.bootstrap import ensure_default_workspace, ensure_first_admin

    first_admin = ensure_first_admin(ensure_default_workspace())
    if first_admin is None:
        return
    agent, generated = first_admin
    if generated:
        print(
            f"\n  Sportello admin created: {agent.user.email}\n"
            f"  password (shown once):   {generated}\n",
            flush=True,
        )


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn
    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    from sportello.channels import registry
    from sportello.core.sqlite.checkpoint import start_checkpointer
    from sportello.language.detection import load_model

    if not args.no_migrate:
        _migrate(verbosity=0)
    load_model()  # before the first message: see language.detection.load_model
    # With several web processes (--workers) this one only supervises them: its thread
    # checkpoints for all of them, as they share the file.
    checkpointer = start_checkpointer(settings.DATABASES["default"])
    consumer = None
    if not args.no_worker:
        consumer = HUEY.create_consumer(workers=settings.HUEY_WORKERS, worker_type="thread")
        consumer.start()
    services = registry.start_services(worker=not args.no_worker)
    print(f"Sportello is running at http://{args.host}:{args.port}", flush=True)
    try:
        uvicorn.run(
            "sportello.config.asgi:application",
            host=args.host,
            port=args.port,
            workers=args.workers if args.workers > 1 else None,
            log_level="warning",
            lifespan="off",
            # Chat and notification frames are a few hundred bytes: compressing them cost
            # 7% of the server's time at 1,000 sockets, and a zlib context per socket.
            ws_per_message_deflate=False,
        )
    finally:
        for service in reversed(services):
            service.stop()
        if consumer is not None:
            consumer.stop(graceful=True)
        if checkpointer is not None:
            checkpointer.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from sportello.core.sqlite.checkpoint import start_checkpointer
    from sportello.language.detection import load_model

    load_model()  # jobs ingest mail: see language.detection.load_model
    checkpointer = start_checkpointer(settings.DATABASES["default"])
    try:
        call_command("run_huey", workers=args.workers, worker_type="thread")
    finally:
        if checkpointer is not None:
            checkpointer.stop()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate()
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    import getpass

    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from sportello.accounts.actions import create_agent, create_operator
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.accounts.models import Role

    password = args.password or os.environ.get("SPORTELLO_ADMIN_PASSWORD") or getpass.getpass()
    try:
        # The same rules as a password set in the app: the command line is no way around them.
        validate_password(password)
    except ValidationError as refused:
        for reason in refused.messages:
            print(f"password refused: {reason}", file=sys.stderr)
        return 2
    if args.operator:
        user = create_operator(args.email, password)
        print(f"operator {user.email} ready: /admin/ shows every workspace")
        return 0
    agent = create_agent(
        ensure_default_workspace(),
        email=args.email,
        password=password,
        display_name=args.name or "",
        role=Role.ADMIN,
    )
    print(f"admin agent {agent.user.email} ready")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sportello.demo.loader import load_demo

    _migrate(verbosity=0)
    summary = load_demo()
    print(summary)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Django's system checks with Sportello's own (``config.checks``: the HTTPS switches
    against SPORTELLO_BASE_URL), then the health of the database and the queue.

    The health is asked of the view itself, not through a request: a production
    ``ALLOWED_HOSTS`` rightly refuses the test client's made-up host name."""
    from django.core.management import call_command
    from django.http import HttpRequest

    from sportello.api.health import healthz

    call_command("check", deploy=args.deploy)
    response = healthz(HttpRequest())
    print(response.content.decode())
    return 0 if response.status_code == 200 else 1


def cmd_mail_parse(args: argparse.Namespace) -> int:
    from sportello.providers.email.cli import mail_parse_command

    return mail_parse_command(args.files, args.json)


def cmd_gdpr(args: argparse.Namespace) -> int:
    from sportello.privacy import cli

    if args.gdpr_command == "export":
        return cli.export_command(args.customer_id, args.output)
    if args.gdpr_command == "erase":
        return cli.erase_command(args.customer_id, args.yes)
    return cli.retention_command()


def cmd_customers(args: argparse.Namespace) -> int:
    from sportello.customers import cli

    return cli.dedupe_command(args.workspace)


def _customer_id(value: str) -> int:
    from sportello.core.ids import parse_id

    number = parse_id(value)
    if number is None:
        raise argparse.ArgumentTypeError(f"not a customer id: {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sportello", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the web server and the job consumer")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1, help="web processes (uvicorn workers)")
    run.add_argument("--no-worker", action="store_true", help="do not start the job consumer")
    run.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    run.set_defaults(func=cmd_run)

    worker = sub.add_parser("worker", help="run a job consumer alone (for scale-out)")
    worker.add_argument("--workers", type=int, default=4)
    worker.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    admin = sub.add_parser(
        "createadmin", help="create an admin agent of the default workspace, or the operator"
    )
    admin.add_argument("email")
    admin.add_argument("--name", default="")
    admin.add_argument("--password", default="")
    admin.add_argument(
        "--operator",
        action="store_true",
        help="a superuser with no agent, who sees every workspace in /admin/",
    )
    admin.set_defaults(func=cmd_createadmin)

    sub.add_parser("demo", help="load demo data (an Italian online shop)").set_defaults(
        func=cmd_demo
    )

    check = sub.add_parser(
        "check", help="check the configuration (HTTPS switches included), database and queue"
    )
    check.add_argument(
        "--deploy", action="store_true", help="add Django's checks for a public deployment"
    )
    check.set_defaults(func=cmd_check)

    mail = sub.add_parser("mail", help="email tools")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True)
    parse = mail_sub.add_parser("parse", help="print what Sportello reads from raw messages")
    parse.add_argument("files", nargs="+")
    parse.add_argument("--json", action="store_true")
    parse.set_defaults(func=cmd_mail_parse)

    gdpr = sub.add_parser("gdpr", help="a customer's data: export, erase; retention now")
    gdpr_sub = gdpr.add_subparsers(dest="gdpr_command", required=True)
    export = gdpr_sub.add_parser("export", help="write a customer's data as a ZIP archive")
    export.add_argument("customer_id", type=_customer_id)
    export.add_argument("--output", required=True, help="the ZIP file to write")
    erase = gdpr_sub.add_parser("erase", help="erase a customer's personal data (irreversible)")
    erase.add_argument("customer_id", type=_customer_id)
    erase.add_argument("--yes", action="store_true", help="confirm the erasure")
    gdpr_sub.add_parser("retention", help="apply every workspace's retention policy now")
    gdpr.set_defaults(func=cmd_gdpr)

    customers = sub.add_parser("customers", help="customers: duplicate suggestions in bulk")
    customers_sub = customers.add_subparsers(dest="customers_command", required=True)
    dedupe = customers_sub.add_parser(
        "dedupe", help="compute duplicate suggestions for every customer (an imported list)"
    )
    dedupe.add_argument("--workspace", help="the workspace's slug (default: every one)")
    customers.set_defaults(func=cmd_customers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.func is not cmd_mail_parse:
        _setup_django()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
