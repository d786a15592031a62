#!/bin/sh
# Make a fresh Debian machine ready for `npm run demo` and `npm test`: the npm dependencies,
# and, as root, the Debian packages the lab of real sshd hosts needs. Does nothing when all is
# there already; without root it installs no system package (the end-to-end tests then skip).
set -eu
cd "$(dirname "$0")/.."

[ -d node_modules/.bin ] || npm ci --no-audit --no-fund

missing=""
for pair in sshd:openssh-server ssh:openssh-client fail2ban-client:fail2ban iptables:iptables \
            ip:iproute2 nsenter:util-linux sudo:sudo tcpdmatch:tcpd debootstrap:debootstrap systemd-nspawn:systemd-container \
            ansible-playbook:ansible-core nc:netcat-openbsd; do
  tool=${pair%%:*}; pkg=${pair#*:}
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "remedy: installing the lab's Debian packages:$missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "remedy: the lab needs root and these Debian packages:$missing (end-to-end tests will skip)" >&2
  fi
fi

# The booted Debian 13 hosts (systemd, OpenSSH 10): their image, built once into a cache.
if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null 2>&1 && command -v systemd-nspawn >/dev/null 2>&1; then
  sh scripts/lab-image.sh
fi
