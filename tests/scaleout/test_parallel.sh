# The README's GNU parallel recipes, word for word, over ssh: an sshd of the
# test's own on a loopback port stands for host1..host4 (an ssh_config maps
# the names to it), /shared is $T/shared.  Four shards, one of them failing
# on a damaged input; after the repair the same command line reruns that
# shard only (--resume-failed), and the shards' outputs together equal one
# imgpipe run over the same inputs, byte for byte.  Then the explicit-list
# recipe, likewise.
. "$(dirname "$0")/lib.sh"

need_root "an sshd on a loopback port, logged into as root by key"
need_tools parallel ssh ssh-keygen perl python3
SSHD=$(sbin sshd) || missing sshd

# The remote side finds this imgpipe first in its PATH.
mkdir -p "$T/bin" "$T/home/.parallel" "$T/work" "$T/shared/photos/macro"
ln -s "$IMGPIPE" "$T/bin/imgpipe"
# GNU parallel's own files (and its citation notice) stay in the test's
# home.
touch "$T/home/.parallel/will-cite"

# Inputs: eight samples in two folders and one damaged copy of a ninth.
photos=$T/shared/photos
put_samples "$photos" dandelions.jpg picos-de-europa.jpg \
    sunset-progressive.jpg wine-portrait-orient6.jpg wood-grey.jpg
put_samples "$photos/macro" dragonfly.jpg ladybird.jpg \
    nuthatch-vignette-alpha.png
head -c 300 "$SAMPLES/dogs-portrait-orient8.jpg" >"$photos/dogs.jpg"

# sshd: throw-away host and user keys, everything under $T.
port=$(free_ports 1)
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" </dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/id" </dev/null
cp "$T/id.pub" "$T/authorized_keys"
cat >"$T/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
SetEnv PATH=$T/bin:/usr/local/bin:/usr/bin:/bin
CFG
cat >"$T/ssh_config" <<CFG
Host host1 host2 host3 host4
	HostName 127.0.0.1
	Port $port
	User root
	IdentityFile $T/id
	IdentitiesOnly yes
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile $T/known_hosts
	LogLevel ERROR
CFG
# sshd's privilege separation folder (a package's init script makes it).
if [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd && chmod 755 /run/sshd
	made_run_sshd=1
else
	made_run_sshd=0
fi
"$SSHD" -t -f "$T/sshd_config" || { fail "sshd rejects its config"; finish; }
"$SSHD" -D -e -f "$T/sshd_config" >"$T/sshd.log" 2>&1 </dev/null &
stop_at_exit $!
sshd_up()
{
	ssh -F "$T/ssh_config" host1 true </dev/null
}
if ! wait_until "sshd on 127.0.0.1:$port" 20 sshd_up; then
	sed 's/^/  | /' "$T/sshd.log"
	ssh -F "$T/ssh_config" host1 true </dev/null 2>&1 | sed 's/^/  | /'
	finish
fi
remote=$(ssh -F "$T/ssh_config" host3 'command -v imgpipe' </dev/null)
[ "$remote" = "$T/bin/imgpipe" ] ||
    fail "over ssh, imgpipe is '$remote', want $T/bin/imgpipe"

# run_recipe NAME: run $T/NAME.sh in $T/work as a user would, with ssh
# reading the test's ssh_config; its status in $rrc.
run_recipe()
{
	rrc=0
	(cd "$T/work" && HOME=$T/home PARALLEL_SSH="ssh -F $T/ssh_config" \
	    sh "$T/$1.sh") >"$T/$1.out" 2>&1 </dev/null || rrc=$?
}

# joblog FILE: "SEQ EXITVAL" per job run, in order.
joblog()
{
	awk -F '\t' 'NR > 1 { print $1, $7 }' "$1"
}

# 1. Four shards; the one holding dogs.jpg fails.
recipe 1 >"$T/shards.sh"
opts=$(recipe_options "$T/shards.sh")
run_recipe shards
[ "$rrc" -eq 1 ] || fail "shards, first run: exit $rrc, want 1 (one failed job)"
log=$T/work/shards.log
joblog "$log" >"$T/jobs.1"
[ "$(wc -l <"$T/jobs.1")" -eq 4 ] ||
    fail "first run: $(wc -l <"$T/jobs.1") jobs in the joblog, want 4"
bad=$(awk '$2 != 0 { print $1 }' "$T/jobs.1")
nbad=$(echo "$bad" | grep -c . || true)
[ "$nbad" -eq 1 ] || fail "first run: $nbad failed jobs, want 1"
awk '$2 != 0 && $2 != 1' "$T/jobs.1" | grep -q . &&
    fail "first run: a job exited other than 0 or 1: $(cat "$T/jobs.1")"
for k in 1 2 3 4; do
	[ -s "$T/shared/reports/shard-$k.json" ] ||
	    fail "first run: no report shard-$k.json"
done
if [ "$nbad" -eq 1 ]; then
	got=$(report_get "$T/shared/reports/shard-$bad.json" \
	    '[f["input"] for f in r["files"] if f["status"] == "failed"]')
	[ "$got" = "['dogs.jpg']" ] ||
	    fail "shard $bad's report lists failed $got, want ['dogs.jpg']"
fi
# The four reports merged: eight written, dogs.jpg failed in shard $bad.
merged 1 '(r["kind"], r["shards"], r["images"]["ok"], r["images"]["failed"], [(f["input"], f["shard"].split("/")[-1]) for f in r["failed"]])' \
    "('merged', 4, 8, 1, [('dogs.jpg', 'shard-$bad.json')])" \
    "$T"/shared/reports/shard-*.json
# Which hosts ran the jobs: the joblog's Host column names them.
hosts=$(awk -F '\t' 'NR > 1 { print $2 }' "$log" | sort -u | tr '\n' ' ')
case $hosts in
*host*) ;;
*) fail "joblog hosts '$hosts': no job ran over ssh" ;;
esac
if [ "$nfail" -ne 0 ]; then
	sed 's/^/  | /' "$T/shards.out" "$log"
	finish
fi

cp -R "$T/shared/reports" "$T/reports.1"

# 2. Repair the input; the same command line reruns only the failed shard.
cp "$SAMPLES/dogs-portrait-orient8.jpg" "$photos/dogs.jpg"
run_recipe shards
[ "$rrc" -eq 0 ] || {
	fail "shards, rerun: exit $rrc, want 0"
	sed 's/^/  | /' "$T/shards.out"
}
joblog "$log" >"$T/jobs.2"
sed -n '5,$p' "$T/jobs.2" >"$T/jobs.new"
[ "$(cat "$T/jobs.new")" = "$bad 0" ] ||
    fail "rerun ran '$(tr '\n' ';' <"$T/jobs.new")', want only shard $bad, exit 0"
[ "$(sed -n '1,4p' "$T/jobs.2")" = "$(cat "$T/jobs.1")" ] ||
    fail "rerun changed the first run's joblog lines"
got=$(report_get "$T/shared/reports/shard-$bad.json" \
    '(r["images"]["failed"], [f["input"] for f in r["files"] if f["status"] == "ok"])')
case $got in
"(0, "*"'dogs.jpg'"*) ;;
*) fail "shard $bad's rerun report: (failed, ok files) = $got, want 0 and dogs.jpg" ;;
esac

# 3. The union of the shards equals one run over the same inputs.
# shellcheck disable=SC2086
"$IMGPIPE" -r $opts "$photos" "$T/single" >"$T/single.out" 2>&1 ||
    fail "single run: exit $? ($(cat "$T/single.out"))"
check "shards' outputs differ from a single run" \
    same_outputs "$T/shared/thumbs" "$T/single"
[ "$(nfiles "$T/single")" -eq 9 ] ||
    fail "single run wrote $(nfiles "$T/single") files, want 9"

# The shard reports of both runs together: every input written once (the
# rerun's report has the failed shard's other inputs as already there).
python3 - "$T/reports.1" "$T/shared/reports/shard-$bad.json" <<'PY' ||
import json, os, sys
files = [os.path.join(sys.argv[1], "shard-%d.json" % k) for k in range(1, 5)]
seen = {}
for p in files + [sys.argv[2]]:
    for f in json.load(open(p))["files"]:
        if f["status"] in ("ok", "warning"):
            seen[f["input"]] = seen.get(f["input"], 0) + 1
if len(seen) != 9 or any(n != 1 for n in seen.values()):
    print("  written per input in the reports:", seen)
    sys.exit(1)
PY
    fail "the shard reports do not show every input written once"
# The same merged: the rerun's skipped inputs fold into the first run's.
merged 0 '(r["shards"], r["images"], r["failed"], len(r["files"]))' \
    "(5, {'ok': 9, 'warning': 0, 'failed': 0, 'skipped': 0}, [], 9)" \
    "$T"/reports.1/shard-*.json "$T/shared/reports/shard-$bad.json"

# 4. The explicit-list recipe, on a second shared folder.
mkdir -p "$T/lists"
recipe 2 >"$T/lists.raw"
sed "s|$T/shared/|$T/lists/|g" "$T/lists.raw" >"$T/lists.sh"
cp -R "$photos" "$T/lists/photos"
run_recipe lists
[ "$rrc" -eq 0 ] || {
	fail "lists: exit $rrc, want 0"
	sed 's/^/  | /' "$T/lists.out"
}
"$IMGPIPE" --files-from "$T/lists/all.txt" "$T/lists/photos" \
    "$T/lists/single" >"$T/single.out" 2>&1 ||
    fail "single --files-from run: exit $? ($(cat "$T/single.out"))"
check "the lists' outputs differ from a single run" \
    same_outputs "$T/lists/thumbs" "$T/lists/single"
[ "$(nfiles "$T/lists/single")" -eq 8 ] ||
    fail "single --files-from run wrote $(nfiles "$T/lists/single") files, want 8 (the .jpg files)"

teardown
[ "$made_run_sshd" -eq 0 ] || rmdir /run/sshd 2>/dev/null
finish
