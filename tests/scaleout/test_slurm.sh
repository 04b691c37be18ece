# The README's Slurm job array, as written, on a one-node cluster of the
# test's own: munged, slurmctld and slurmd on localhost with a generated
# key, slurm.conf, ports, socket, state and spool under $T (SLURM_CONF
# points the commands there).  The script is submitted unchanged with
# `sbatch --wait`; what a one-node cluster must change (four tasks of one
# CPU) is given on sbatch's command line, which overrides #SBATCH lines.
# Every task completes, and the shards' outputs together equal one imgpipe
# run over the same inputs, byte for byte.
. "$(dirname "$0")/lib.sh"

need_root "munged, slurmctld and slurmd (SlurmUser=root)"
need_tools munge sbatch sinfo scontrol scancel python3
MUNGED=$(sbin munged) || missing munged
SLURMCTLD=$(sbin slurmctld) || missing slurmctld
SLURMD=$(sbin slurmd) || missing slurmd

# munged wants every folder above its socket searchable by all.
chmod 711 "$T"
mkdir -p "$T/bin" "$T/munge" "$T/state" "$T/spool" "$T/work/reports" \
    "$T/shared/photos/macro"
chmod 711 "$T/munge"
ln -s "$IMGPIPE" "$T/bin/imgpipe"
photos=$T/shared/photos
put_samples "$photos" dandelions.jpg picos-de-europa.jpg \
    sunset-progressive.jpg wine-portrait-orient6.jpg wood-grey.jpg \
    dogs-portrait-orient8.jpg
put_samples "$photos/macro" dragonfly.jpg ladybird.jpg \
    nuthatch-vignette-alpha.png

# Jobs left by a failure are cancelled before the daemons stop.
cancel_jobs()
{
	[ -s "$T/slurmctld.pid" ] && scancel --quiet --user=root 2>/dev/null
	return 0
}
# shellcheck disable=SC2154
trap '_st0=$?; cancel_jobs; (exit $_st0); _at_exit' EXIT

# munged with a throw-away key.
sock=$T/munge/munge.socket
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$T/munge/munge.key"
"$MUNGED" -F --socket="$sock" --key-file="$T/munge/munge.key" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
    --seed-file="$T/munge/munged.seed" >"$T/munged.out" 2>&1 </dev/null &
stop_at_exit $!
munge_up()
{
	munge -S "$sock" -n | unmunge -S "$sock"
}
if ! wait_until "munged on $sock" 20 munge_up; then
	sed 's/^/  | /' "$T/munged.out"
	finish
fi

# slurm.conf: this machine as it is (slurmd -C), reached at 127.0.0.1.
free_ports 2 >"$T/ports"
ctld_port=$(sed -n 1p "$T/ports")
slurmd_port=$(sed -n 2p "$T/ports")
node=$(env -u SLURM_CONF "$SLURMD" -C | sed -n 's/ RealMemory=[0-9]*//; 1p')
name=$(echo "$node" | sed -n 's/^NodeName=\([^ ]*\) .*/\1/p')
[ -n "$name" ] || { fail "slurmd -C printed no NodeName: '$node'"; finish; }
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<CFG
ClusterName=imgpipe-test
SlurmctldHost=$name(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CFG
# slurmd 22.05 loads a cgroup plugin even when nothing uses cgroups
# (proctrack/linuxproc, task/none), and autodetection fails where no cgroup
# file system is mounted (a chroot) or v2 has no systemd to ask (a
# container).  The v1 plugin touches cgroups only when a plugin asks.
echo "CgroupPlugin=cgroup/v1" >"$T/cgroup.conf"
"$SLURMCTLD" -D -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 </dev/null &
stop_at_exit $!
"$SLURMD" -D -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 </dev/null &
stop_at_exit $!
node_idle()
{
	[ "$(sinfo -h -N -n "$name" -o %t 2>/dev/null)" = idle ]
}
if ! wait_until "the node $name idle in sinfo" 60 node_idle; then
	sinfo -N 2>&1 | sed 's/^/  | /'
	tail -n 20 "$T/slurmctld.log" "$T/slurmd.log" 2>&1 | sed 's/^/  | /'
	finish
fi

# The README's job script, submitted from a folder holding reports/, with
# this imgpipe first in PATH (sbatch passes the environment on).  timeout
# is a hang check only.
recipe 3 >"$T/job.sh"
rc=0
(cd "$T/work" && PATH=$T/bin:$PATH timeout 600 \
    sbatch --wait --array=0-3 --cpus-per-task=1 "$T/job.sh") \
    >"$T/sbatch.out" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "sbatch --wait: exit $rc, want 0"
job=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$T/sbatch.out")
if [ -z "$job" ]; then
	fail "no job id from sbatch"
	sed 's/^/  | /' "$T/sbatch.out"
	finish
fi

# Every array task completed with exit 0 and wrote its report.
scontrol -o show job "$job" >"$T/tasks" 2>&1 ||
    fail "scontrol show job $job: $(cat "$T/tasks")"
for k in 0 1 2 3; do
	line=$(grep " ArrayTaskId=$k " "$T/tasks")
	case $line in
	*" JobState=COMPLETED "*" ExitCode=0:0 "*) ;;
	*) fail "array task $k: not completed with exit 0: ${line:-no such task}" ;;
	esac
	[ -s "$T/work/reports/shard-$job-$k.json" ] || fail "task $k: no report"
	[ -s "$T/work/slurm-${job}_$k.out" ] ||
	    fail "task $k: no slurm-${job}_$k.out (the imgpipe summary line)"
done
python3 - "$T/work/reports" "$job" <<'PY' ||
import json, os, sys
seen = {}
for k in range(4):
    name = "shard-%s-%d.json" % (sys.argv[2], k)
    r = json.load(open(os.path.join(sys.argv[1], name)))
    if r["images"]["failed"]:
        print("  %s: %d failed" % (name, r["images"]["failed"]))
        sys.exit(1)
    for f in r["files"]:
        if f["status"] == "ok":
            seen[f["input"]] = seen.get(f["input"], 0) + 1
if len(seen) != 9 or any(n != 1 for n in seen.values()):
    print("  written per input in the reports:", seen)
    sys.exit(1)
PY
    fail "the task reports do not show every input written once"
merged 0 '(r["shards"], r["images"], r["failed"], len(r["files"]))' \
    "(4, {'ok': 9, 'warning': 0, 'failed': 0, 'skipped': 0}, [], 9)" \
    "$T"/work/reports/shard-*.json

opts=$(recipe_options "$T/job.sh")
# shellcheck disable=SC2086
"$IMGPIPE" -r $opts "$photos" "$T/single" >"$T/single.out" 2>&1 ||
    fail "single run: exit $? ($(cat "$T/single.out"))"
check "the array's outputs differ from a single run" \
    same_outputs "$T/shared/thumbs" "$T/single"
if [ "$nfail" -ne 0 ]; then
	sed 's/^/  | /' "$T/sbatch.out" "$T"/work/slurm-*.out 2>/dev/null
fi

cancel_jobs
teardown
finish
