#!/usr/bin/env bash
# Debian's Postfix, Dovecot (IMAP + LMTP) and swaks for the mail-server end-to-end tests.
# Idempotent and quiet when already installed. Postfix is preseeded "No configuration" so the
# package install neither asks questions nor starts a system-wide MTA: the tests write their
# own configuration in a temporary directory and start the daemons on loopback themselves.
set -eu
have_all() {
  [ -x /usr/sbin/postfix ] && [ -x /usr/sbin/dovecot ] && command -v swaks >/dev/null \
    && [ -e /usr/lib/dovecot/imap ] && [ -e /usr/lib/dovecot/lmtp ]
}
have_all && exit 0
command -v apt-get >/dev/null || exit 1
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
printf '%s\n' \
  "postfix postfix/main_mailer_type select No configuration" \
  "postfix postfix/mailname string localhost" \
  | $SUDO debconf-set-selections >/dev/null 2>&1 || true
$SUDO apt-get update -qq >/dev/null 2>&1 || true
# policy-rc.d 101 keeps the packages' own services from starting (no systemd here anyway).
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null && $SUDO chmod +x "$POLICY"
  CREATED_POLICY=1
fi
status=0
$SUDO apt-get install -y -qq --no-install-recommends \
  postfix dovecot-imapd dovecot-lmtpd swaks >/dev/null 2>&1 || status=$?
[ "$CREATED_POLICY" = 1 ] && $SUDO rm -f "$POLICY"
[ "$status" = 0 ] || exit "$status"
have_all
