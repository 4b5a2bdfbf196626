#!/usr/bin/env bash
# Dependency audit: pip-audit over the installed environment (.venv), asking PyPI's JSON API
# (or OSV with PIP_AUDIT_SERVICE=osv) which installed versions have known vulnerabilities.
# Fails on a known vulnerability. When the service cannot be asked (offline, or a mirror that
# only serves the package index), it says so and skips, rather than failing the build or
# passing it in silence: pip-audit alone reports "No known vulnerabilities found" even when
# it could audit nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
SERVICE=${PIP_AUDIT_SERVICE:-pypi}
if [ ! -x "$BIN/pip-audit" ]; then
  echo "audit skipped: pip-audit is not installed in $BIN (pip install -e '.[lint]')"
  exit 0
fi
REPORT=$(mktemp)
trap 'rm -f "$REPORT" "$REPORT.err"' EXIT
"$BIN/pip-audit" --skip-editable --progress-spinner off --timeout 20 -s "$SERVICE" \
  -f json -o "$REPORT" >/dev/null 2>"$REPORT.err"
status=$?
"$BIN/python" - "$REPORT" "$status" "$SERVICE" "$REPORT.err" <<'PY'
import json, sys
path, status, service, errors = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    report = json.load(open(path))
except (OSError, ValueError):
    tail = open(errors).read().strip().splitlines()[-1:]
    print(f"audit skipped: pip-audit could not ask {service} ({' / '.join(tail) or status})")
    sys.exit(0)
deps = report.get("dependencies", [])
audited = [d for d in deps if "skip_reason" not in d]
unreachable = [d for d in deps if "could not be audited" in d.get("skip_reason", "")]
vulnerable = [d for d in audited if d.get("vulns")]
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
if vulnerable:
    sys.exit(1)
if not audited:
    print(
        f"audit skipped: {service} answered for none of the {len(deps)} installed packages "
        "(no network to its vulnerability data?); nothing was audited"
    )
    sys.exit(0)
note = f"; {len(unreachable)} could not be looked up" if unreachable else ""
print(f"audit: {len(audited)} packages, no known vulnerabilities{note}")
PY
