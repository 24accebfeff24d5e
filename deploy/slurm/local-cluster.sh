#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on this Debian machine, to try the
# sweep's job array without a real cluster (CI does: ci-sweep.sh).
#
#   deploy/slurm/local-cluster.sh start    # installs the packages if missing, starts munged, slurmctld, slurmd
#   export SLURM_CONF=/tmp/zoo-slurm/slurm.conf
#   sbatch ...; squeue; scancel ...
#   deploy/slurm/local-cluster.sh stop     # cancels the jobs, stops the daemons it started
#   deploy/slurm/local-cluster.sh status
#   deploy/slurm/local-cluster.sh install  # only the packages (start does it too)
#
# Needs root (the daemons run as root, munged as munge). Nothing outside
# $ZOO_SLURM_DIR (default /tmp/zoo-slurm) is configured: the cluster's
# slurm.conf lives there and the client commands find it through
# $SLURM_CONF, so /etc/slurm is left alone. Works without systemd: the
# daemons are started by hand and stopped by their PIDs.
set -euo pipefail

dir=${ZOO_SLURM_DIR:-/tmp/zoo-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf
packages=(slurmctld slurmd slurm-client munge)

die() { echo "local-cluster.sh: $*" >&2; exit 1; }

# alive PIDFILE NAME: the process of the PID file is running and is NAME
# (a PID reused by another program is not ours to stop).
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(<"$1")
  [ -r "/proc/$pid/comm" ] && [ "$(<"/proc/$pid/comm")" = "$2" ]
}

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing ${missing[*]}"
  # The package lists may be missing on a fresh machine; one update is enough.
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ] || ! apt-cache show slurmctld >/dev/null 2>&1; then
    apt-get update -qq
  fi
  # --no-install-recommends: the recommended slurm-wlm-plugins (27 more
  # packages on Debian 12) are not needed here. The postinst scripts cannot
  # start services without an init; the daemons are started by hand below.
  local log
  log=$(mktemp)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    die "apt-get install ${missing[*]} failed (output above)"
  fi
  rm -f "$log"
}

start_munge() {
  # A munged that already answers (a machine that runs one) is used and
  # left running; only one started here is stopped by `stop`.
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    echo "munged: already running, used as is"
    return
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    # The package creates the key; this covers a machine where it was removed.
    install -d -o munge -g munge -m 0700 /etc/munge
    (umask 077 && head -c 1024 /dev/urandom >/etc/munge/munge.key)
    chown munge:munge /etc/munge/munge.key
  fi
  # Without systemd nothing creates the socket's folder. munged runs as the
  # munge user: it checks that its key, log and seed files (the package's,
  # owned by munge) belong to the user it runs as.
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      # Ours to stop: its PID, kept with the cluster.
      cp /run/munge/munged.pid "$dir/munged.pid"
      return
    fi
    sleep 0.1
  done
  die "munged does not answer (see /var/log/munge/munged.log)"
}

write_conf() {
  # The node as slurmd sees the hardware (CPUs, sockets, cores, memory),
  # named localhost so that any host name works.
  local node
  node=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]*/NodeName=localhost/')
  cat >"$conf" <<EOF
# Written by deploy/slurm/local-cluster.sh: a one-node cluster for tests.
ClusterName=zoo
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# linuxproc and task/none track a job's processes by parentage: no cgroup
# setup, which a container often cannot do.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Cores alone are what jobs consume. The default, CR_Core_Memory, gives a
# job that asks for no memory all of the node's, so array tasks would run
# one at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Each finished job (array task) as one line, with its state and exit code:
# it outlives squeue's view of the job, which a small MinJobAge shortens.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# A cancelled task gets SIGTERM, then SIGKILL this many seconds later; zoo
# stops at SIGTERM and keeps its finished runs.
KillWait=10
$node State=UNKNOWN
PartitionName=zoo Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  [ "$(id -u)" -eq 0 ] || die "needs root (it installs packages and starts the daemons)"
  if alive "$dir/slurmctld.pid" slurmctld || alive "$dir/slurmd.pid" slurmd; then
    die "already running in $dir (local-cluster.sh stop first)"
  fi
  install_packages
  # A fresh state each time: no jobs or node state from an earlier cluster.
  # Only a folder this script made is removed.
  if [ -n "$(ls -A "$dir" 2>/dev/null)" ] && ! grep -qs '^# Written by deploy/slurm/local-cluster.sh' "$conf"; then
    die "$dir holds files and no cluster of this script's: not removing it (set ZOO_SLURM_DIR to another folder)"
  fi
  rm -rf "$dir"
  mkdir -p "$dir/ctld" "$dir/slurmd"
  start_munge
  write_conf
  slurmctld -f "$conf"
  slurmd -f "$conf" -N localhost
  local state=
  for _ in $(seq 300); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
  done
  if [ "$state" != idle ]; then
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    die "the node is not idle after 30 s (state: ${state:-no answer}); logs above"
  fi
  echo "slurm: one node, $(sinfo -h -o %c) CPUs, partition zoo; export SLURM_CONF=$conf"
}

# stop_pid PIDFILE NAME: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  alive "$1" "$2" || return 0
  local pid
  pid=$(<"$1")
  kill "$pid"
  for _ in $(seq 100); do
    alive "$1" "$2" || return 0
    sleep 0.1
  done
  echo "$2 ($pid) did not stop on SIGTERM: SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  if alive "$dir/slurmctld.pid" slurmctld; then
    # Jobs first, so that no job step outlives its slurmd.
    scancel --partition=zoo 2>/dev/null || true
    for _ in $(seq 150); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  stop_pid "$dir/slurmd.pid" slurmd
  stop_pid "$dir/slurmctld.pid" slurmctld
  stop_pid "$dir/munged.pid" munged
  echo "slurm: stopped (logs in $dir)"
}

status() {
  alive "$dir/slurmctld.pid" slurmctld || { echo "not running"; return 1; }
  sinfo
  squeue
}

case "${1:-}" in
  install)
    [ "$(id -u)" -eq 0 ] || die "needs root to install packages"
    install_packages
    ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: local-cluster.sh start|stop|status|install" >&2; exit 2 ;;
esac
