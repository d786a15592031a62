#!/bin/sh
# The floor: the least work any tool can do. Per host, in parallel: ONE plain OpenSSH login over
# the working path running one shell command that does the whole fix, then ONE login from the
# client's own address to verify. No multiplexing, no facts, no backups, no checks beyond sshd -t.
#
#   floor.sh MGMT_IP CLIENT_IP KEY KNOWN_HOSTS HOST_IP...
# Prints one line per host: "<ip> <exit code> <ms from start to verified>". FLOOR_FORKS=N works
# on at most N hosts at once (a pool, as remedy's --forks), else on all of them at once.
set -u
mgmt=$1 client=$2 key=$3 known_hosts=$4
shift 4

ssh_opts="-F /dev/null -i $key -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$known_hosts -o GlobalKnownHostsFile=/dev/null
  -o UpdateHostKeys=no -o ConnectTimeout=10 -o ControlMaster=no -o ControlPath=none -T"

# The whole fix in one command: hosts.deny rule commented out, fail2ban ban lifted, the drop-in's
# MaxStartups raised, sshd restarted once its configuration passes sshd -t.
client_re=$(printf '%s' "$client" | sed 's/\./\\./g')
fix="sed -i 's/^sshd[[:space:]]*:[[:space:]]*$client_re[[:space:]]*\$/# &/' /etc/hosts.deny &&
{ fail2ban-client set sshd unbanip $client >/dev/null 2>&1 || true; } &&
printf 'MaxStartups 10:30:100\n' > /etc/ssh/sshd_config.d/50-low.conf &&
sshd -t && service ssh restart >/dev/null"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Per host: the time from the run's start (the pool's too) to verified, as remedy reports it.
FLOOR_T0=${FLOOR_T0:-$(now_ms)}; export FLOOR_T0

one_host() {
  t0=$FLOOR_T0
  # shellcheck disable=SC2086 # ssh_opts is a list of words
  ssh $ssh_opts -b "$mgmt" "root@$1" "$fix"
  rc=$?
  if [ $rc -eq 0 ]; then
    # sshd re-executes after the restart: a refused login is retried for up to 5 s.
    deadline=$(( $(now_ms) + 5000 ))
    while :; do
      # shellcheck disable=SC2086
      ssh $ssh_opts -b "$client" "root@$1" true && { rc=0; break; }
      rc=$?
      [ "$(now_ms)" -ge $deadline ] && break
      sleep 0.1
    done
  fi
  echo "$1 $rc $(( $(now_ms) - t0 ))"
}

# One host, when the pool below calls this script for it.
if [ "${1:-}" = --one ]; then one_host "$2"; exit 0; fi

if [ "${FLOOR_FORKS:-0}" -gt 0 ]; then
  printf '%s\n' "$@" | xargs -P "$FLOOR_FORKS" -n 1 sh "$0" "$mgmt" "$client" "$key" "$known_hosts" --one
else
  for ip in "$@"; do one_host "$ip" & done
  wait
fi
