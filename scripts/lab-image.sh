#!/bin/sh
# Build the root filesystems of the lab's booted systemd hosts (Debian 13 "trixie": systemd as
# PID 1, OpenSSH 10, fail2ban 1.1, nftables) once, into a cache directory; each test host then
# boots an overlay of one of them with systemd-nspawn. Three kinds share one debootstrap:
#   nftables   Debian's stock firewall (nftables.service, table inet filter)
#   ufw        the same plus ufw (enabled, SSH allowed)
#   firewalld  the same plus firewalld (enabled; its inet firewalld table)
# Does nothing for a kind whose image is complete (a stamp file). Needs root, debootstrap and
# systemd-container; ~2-4 min on an idle 2-core machine, ~300 MB per kind.
#
#   sh scripts/lab-image.sh            # all kinds, into ${REMEDY_LAB_IMAGES:-/var/cache/remedy-lab}
#   sh scripts/lab-image.sh nftables   # one kind
set -eu

CACHE=${REMEDY_LAB_IMAGES:-/var/cache/remedy-lab}
MIRROR=${REMEDY_LAB_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
# Bump when the recipe changes: an image with another stamp is rebuilt.
STAMP="remedy-lab-image v4 $SUITE"
KINDS=${*:-nftables ufw firewalld}

[ "$(id -u)" = 0 ] || { echo "lab-image: needs root" >&2; exit 1; }
for tool in debootstrap systemd-nspawn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "lab-image: $tool missing (apt-get install debootstrap systemd-container)" >&2; exit 1; }
done
mkdir -p "$CACHE"

complete() { [ -f "$1/.remedy-image" ] && [ "$(cat "$1/.remedy-image")" = "$STAMP" ]; }

# Packages of every kind. python3-systemd: fail2ban 1.1's systemd journal backend; libwrap is
# pulled in by openssh-server (linked into sshd-session); tcpd for tcpdmatch (libwrap's own verdict); sudo for become tests.
PACKAGES=systemd,systemd-sysv,dbus,openssh-server,openssh-client,nftables,fail2ban,python3-systemd,iproute2,procps,sudo,tcpd,ca-certificates

in_root() { # run a command in a chroot of $1 with /proc, /sys, /dev mounted
  root=$1; shift
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  rc=0
  DEBIAN_FRONTEND=noninteractive chroot "$root" "$@" || rc=$?
  umount -R "$root/dev" "$root/sys" "$root/proc" 2>/dev/null || umount -l "$root/dev" "$root/sys" "$root/proc"
  return $rc
}

build_base() {
  base=$CACHE/base
  complete "$base" && return 0
  rm -rf "$base" "$base.tmp"
  echo "lab-image: debootstrap $SUITE into $base" >&2
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$base.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
    tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  r=$base.tmp
  # Host keys: debootstrap's would be shared by every container, and sshd-keygen is skipped
  # (ConditionFirstBoot), so each overlay gets its own with ssh-keygen -A before boot.
  rm -f "$r"/etc/ssh/ssh_host_*
  # No nameserver: libwrap's and sshd's reverse lookups fail at once instead of timing out.
  rm -f "$r/etc/resolv.conf"; echo '# remedy lab: no nameservers on purpose' >"$r/etc/resolv.conf"
  # A quiet, fast boot: no getty on the passive console, no timers that start work mid-test.
  for unit in getty@tty1.service console-getty.service apt-daily.timer apt-daily-upgrade.timer \
              dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer; do
    ln -sf /dev/null "$r/etc/systemd/system/$unit"
  done
  # fail2ban as a Debian 13 admin has it: the sshd jail on the systemd journal backend (1.1's
  # default), the nftables ban action. The lab's tests start it per host.
  mkdir -p "$r/etc/fail2ban/jail.d"
  printf '[DEFAULT]\nbantime = 1h\nbackend = systemd\nbanaction = nftables\nbanaction_allports = nftables[type=allports]\n\n[sshd]\nenabled = true\nmaxretry = 1000\n' \
    >"$r/etc/fail2ban/jail.d/remedy-lab.local"
  in_root "$r" systemctl disable fail2ban.service >/dev/null 2>&1 || true
  in_root "$r" systemctl enable nftables.service ssh.service >/dev/null 2>&1
  # journald: volatile and small; every host's log stays in its own /run.
  mkdir -p "$r/etc/systemd/journald.conf.d"
  printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\nRateLimitBurst=0\n' >"$r/etc/systemd/journald.conf.d/remedy-lab.conf"
  in_root "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin
  echo "" >"$r/etc/machine-id"
  echo "$STAMP" >"$r/.remedy-image"
  mv "$r" "$base"
}

build_kind() {
  kind=$1; dir=$CACHE/$kind
  complete "$dir" && return 0
  build_base
  rm -rf "$dir" "$dir.tmp"
  echo "lab-image: $kind image in $dir" >&2
  cp -a "$CACHE/base" "$dir.tmp"
  r=$dir.tmp
  case $kind in
    nftables) ;;
    ufw|firewalld)
      cp /etc/resolv.conf "$r/etc/resolv.conf"
      in_root "$r" apt-get update -qq >/dev/null
      in_root "$r" apt-get install -y -qq --no-install-recommends "$kind" >"$CACHE/$kind.log" 2>&1 || {
        tail -20 "$CACHE/$kind.log" >&2; exit 1; }
      in_root "$r" apt-get clean
      rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin
      echo '# remedy lab: no nameservers on purpose' >"$r/etc/resolv.conf"
      # One front end owns the firewall, as on a real host.
      in_root "$r" systemctl disable nftables.service >/dev/null 2>&1
      ;;
    *) echo "lab-image: unknown kind $kind (nftables, ufw, firewalld)" >&2; exit 1 ;;
  esac
  case $kind in
    ufw)
      # Enabled with SSH allowed, as an admin leaves it; ufw.service loads it at boot.
      sed -i 's/^ENABLED=.*/ENABLED=yes/' "$r/etc/ufw/ufw.conf"
      in_root "$r" systemctl enable ufw.service >/dev/null 2>&1
      # The rules ufw would add for `ufw allow OpenSSH`, written where ufw keeps them.
      sed -i 's/^### RULES ###$/### RULES ###\n\n### tuple ### allow tcp 22 0.0.0.0\/0 any 0.0.0.0\/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT/' "$r/etc/ufw/user.rules"
      ;;
    firewalld)
      in_root "$r" systemctl enable firewalld.service >/dev/null 2>&1
      ;;
  esac
  echo "$STAMP" >"$r/.remedy-image"
  mv "$r" "$dir"
}

for kind in $KINDS; do build_kind "$kind"; done
