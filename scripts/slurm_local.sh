#!/usr/bin/env bash
# Stand up a single-node SLURM on this machine (Debian/Ubuntu, as root), for trying
# `milasim sweep --cluster slurm` and for the tests marked `slurm` (tests/test_sweep.py).
#
#   sudo bash scripts/slurm_local.sh          # install (apt), configure, start munged/slurmctld/slurmd
#   sudo bash scripts/slurm_local.sh stop     # stop the daemons this script started
#
# The node is this host with all its cores and most of its memory, in one partition "debug"
# (the default). No cgroups, no accounting, no systemd: the daemons are started directly, so this
# also works in containers. Jobs run as the submitting user; the state lives under /var/spool.
# Not for production: one node, root as SlurmUser, a fresh munge key if none exists.
set -euo pipefail

PARTITION=debug
CONF_DIR=/etc/slurm
RUN_DIR=/run/milasim-slurm
LOG_DIR=/var/log/slurm

need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "slurm_local.sh: run as root (it installs packages and starts daemons)" >&2
        exit 2
    fi
}

stop() {
    for name in slurmd slurmctld munged; do
        pidfile="$RUN_DIR/$name.pid"
        if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            pid=$(cat "$pidfile")
            kill "$pid"
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            echo "stopped $name"
        fi
        rm -f "$pidfile"
    done
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v munged >/dev/null && command -v sinfo >/dev/null; then
        return
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y slurm-wlm munge
}

write_conf() {
    local host cpus mem_mb
    host=$(hostname -s)
    cpus=$(nproc --all)
    # leave ~10 % (at least 512 MB) of the memory to the system
    mem_mb=$(awk '/MemTotal/ {m = int($2 / 1024); r = int(m * 0.9); if (m - r < 512) r = m - 512; print r}' /proc/meminfo)
    mkdir -p "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd "$RUN_DIR"
    cat > "$CONF_DIR/slurm.conf" <<EOF
# single-node SLURM written by milasim scripts/slurm_local.sh
ClusterName=milasim-local
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=${RUN_DIR}/slurmctld.pid
SlurmdPidFile=${RUN_DIR}/slurmd.pid
SlurmctldLogFile=${LOG_DIR}/slurmctld.log
SlurmdLogFile=${LOG_DIR}/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=60
KillWait=10
Waittime=0
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=${PARTITION} Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
    # No cgroup.conf: slurmd 22.05 autodetects the cgroup version for its own bookkeeping, and
    # with proctrack/linuxproc + task/none no job is confined (containers often forbid cgroups).
}

start_munge() {
    mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    fi
    chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
    chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0755 /run/munge
    if ! munge -n </dev/null >/dev/null 2>&1; then
        runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
        cp /run/munge/munged.pid "$RUN_DIR/munged.pid"
        for _ in $(seq 20); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.5; done
    fi
    munge -n </dev/null | unmunge >/dev/null
}

start_slurm() {
    if ! scontrol ping >/dev/null 2>&1 || ! scontrol ping | grep -q UP; then
        slurmctld
    fi
    for _ in $(seq 30); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 1; done
    if ! pgrep -x slurmd >/dev/null; then
        slurmd
    fi
    local host
    host=$(hostname -s)
    for _ in $(seq 30); do
        state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
        case "$state" in
            idle*|mix*|alloc*) break ;;
            down*|drain*) scontrol update nodename="$host" state=resume || true ;;
        esac
        sleep 1
    done
    sinfo
    state=$(sinfo -h -n "$host" -o %T)
    case "$state" in
        idle*|mix*|alloc*) echo "slurm_local.sh: SLURM is up (partition $PARTITION, node $host: $state)" ;;
        *) echo "slurm_local.sh: node $host is '$state'; see $LOG_DIR/slurmd.log and slurmctld.log" >&2
           exit 1 ;;
    esac
}

need_root
case "${1:-start}" in
    stop) stop ;;
    start)
        install_packages
        write_conf
        start_munge
        start_slurm
        ;;
    *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
