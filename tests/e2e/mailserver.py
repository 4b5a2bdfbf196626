"""A real Postfix + Dovecot on loopback for the mail end-to-end tests, without systemd.

Everything lives in a temporary directory: Postfix's and Dovecot's configuration, queue,
state and the mailboxes. Ports are free ones picked at start, so a system MTA on 25/143 does
not matter. Mail flow:

    swaks / Sportello's SMTP → Postfix smtpd (127.0.0.1:smtp_port)
        → domains in ``dovecot_domains`` → Dovecot LMTP → Maildir, read over IMAP
        → domains in ``lmtp_routes`` → lmtp:inet:127.0.0.1:<port> (Sportello's receiver)

Daemon output goes to /dev/null. Postfix refuses a ``maillog_file`` outside /var/log (and
``postfix start`` then exits 1 without a word), so its log goes to a file there, removed at
stop.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENSURE_SCRIPT = REPO / "scripts" / "ensure-mailserver.sh"
MAIL_USER = "mail"  # Dovecot will not store mail as root; Debian's "mail" user owns it.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def unavailable_reason() -> str | None:
    """Why the mail-server tests cannot run here, or ``None`` when they can (installing
    Debian's packages first, if apt is there)."""
    if os.geteuid() != 0:
        return "the mail-server tests start Postfix and Dovecot as root"
    try:
        done = subprocess.run(
            [str(ENSURE_SCRIPT)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"could not install Postfix and Dovecot: {exc}"
    if done.returncode != 0:
        return "Postfix, Dovecot or swaks could not be installed (no apt?)"
    return None


@dataclass
class MailServer:
    root: Path
    users: dict[str, str]
    dovecot_domains: list[str]
    lmtp_routes: dict[str, int]
    smtp_port: int = field(default_factory=free_port)
    imap_port: int = field(default_factory=free_port)
    dovecot_lmtp_port: int = field(default_factory=free_port)
    with_postfix: bool = True
    maillog: Path = field(init=False)
    _dovecot: subprocess.Popen | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.maillog = Path(f"/var/log/sportello-test-postfix-{self.smtp_port}.log")

    # --- configuration ------------------------------------------------------------------
    def _write_dovecot(self) -> Path:
        conf = self.root / "dovecot"
        for sub in ("run", "state", "mail"):
            (conf / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(conf / "mail", MAIL_USER, MAIL_USER)
        users = "".join(
            f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items()
        )
        (conf / "users").write_text(users)
        mail_uid = int(subprocess.check_output(["id", "-u", MAIL_USER]).decode())
        (conf / "dovecot.conf").write_text(
            f"""
base_dir = {conf}/run
state_dir = {conf}/state
instance_name = sportello-test-{self.imap_port}
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = /dev/null
info_log_path = /dev/null
debug_log_path = /dev/null
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {mail_uid}
postmaster_address = postmaster@{self.dovecot_domains[0]}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {conf}/users
}}
userdb {{
  driver = static
  args = uid={MAIL_USER} gid={MAIL_USER} home={conf}/mail/%Ld/%Ln
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.dovecot_lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
protocol lmtp {{
  auth_username_format = %Lu
}}
"""
        )
        return conf / "dovecot.conf"

    def _write_postfix(self) -> Path:
        conf = self.root / "postfix"
        conf.mkdir(parents=True, exist_ok=True)
        # Postfix creates the queue's subdirectories itself, but not the queue directory.
        (self.root / "postfix-queue").mkdir(exist_ok=True)
        (self.root / "postfix-data").mkdir(exist_ok=True)
        shutil.chown(self.root / "postfix-data", "postfix")
        routes = {
            domain: f"lmtp:inet:127.0.0.1:{self.dovecot_lmtp_port}"
            for domain in self.dovecot_domains
        }
        routes.update(
            {domain: f"lmtp:inet:127.0.0.1:{port}" for domain, port in self.lmtp_routes.items()}
        )
        transport = " ".join(f"{domain}={target}" for domain, target in routes.items())
        (conf / "main.cf").write_text(
            f"""
compatibility_level = 3.6
queue_directory = {self.root}/postfix-queue
data_directory = {self.root}/postfix-data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.sportello.test
mydomain = sportello.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = {", ".join(routes)}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject
transport_maps = inline:{{ {transport} }}
local_recipient_maps =
relay_recipient_maps =
default_destination_concurrency_limit = 2
smtp_host_lookup = native
disable_dns_lookups = yes
biff = no
append_dot_mydomain = no
smtputf8_enable = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maillog_file = {self.maillog}
"""
        )
        master = f"""
127.0.0.1:{self.smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""
        (conf / "master.cf").write_text(master)
        return conf

    # --- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        dovecot_conf = self._write_dovecot()
        self._dovecot = subprocess.Popen(
            ["/usr/sbin/dovecot", "-F", "-c", str(dovecot_conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not self.with_postfix:
            for port in (self.imap_port, self.dovecot_lmtp_port):
                if not wait_for_port(port):
                    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")
            return
        postfix_conf = self._write_postfix()
        started = subprocess.run(
            ["/usr/sbin/postfix", "-c", str(postfix_conf), "start"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        if started.returncode != 0:
            raise RuntimeError(f"postfix start failed; see {self.maillog}")
        for port in (self.imap_port, self.dovecot_lmtp_port, self.smtp_port):
            if not wait_for_port(port):
                raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")

    def stop(self) -> None:
        if self.with_postfix:
            self._stop_postfix()
        if self._dovecot is not None:
            self._dovecot.terminate()
            try:
                self._dovecot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._dovecot.kill()
                self._dovecot.wait(timeout=15)

    def _stop_postfix(self) -> None:
        subprocess.run(
            ["/usr/sbin/postfix", "-c", str(self.root / "postfix"), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        self.maillog.unlink(missing_ok=True)

    def swaks(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Send a message through Postfix with swaks (the customer's mail client)."""
        return subprocess.run(
            ["swaks", "--server", f"127.0.0.1:{self.smtp_port}", "--silent", "2", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@contextmanager
def running_mail_server(
    *,
    users: dict[str, str],
    dovecot_domains: list[str],
    lmtp_routes: dict[str, int] | None = None,
    with_postfix: bool = True,
) -> Iterator[MailServer]:
    root = Path(tempfile.mkdtemp(prefix="sportello-mail-"))
    root.chmod(0o755)  # Dovecot's mail user must reach its mailboxes below this
    server = MailServer(
        root=root,
        users=users,
        dovecot_domains=dovecot_domains,
        lmtp_routes=lmtp_routes or {},
        with_postfix=with_postfix,
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
