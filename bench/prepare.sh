#!/bin/sh
# The bench's own Debian packages, on top of the lab's (scripts/prepare.sh): ansible-core (the
# contender) and GNU time (peak RSS). Installed as root when missing; never fails: without them
# the bench says what is missing and runs what it can.
cd "$(dirname "$0")/.." || exit 0

missing=""
command -v ansible-playbook >/dev/null 2>&1 || missing="$missing ansible-core"
[ -x /usr/bin/time ] || missing="$missing time"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench: installing Debian packages:$missing" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    echo "bench: could not install$missing; the bench runs without them" >&2
else
  echo "bench: missing$missing (apt-get install -y$missing as root)" >&2
fi
exit 0
