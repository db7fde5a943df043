#!/usr/bin/env bash
# Usage: sudo scripts/bench.sh [-n RUNS] [--parallel N] [STEP...]
# Measures, side by side in one run, and prints a table of medians and ratios:
#   - each step's start-up (`container run true`) against unshare(1) with the
#     same namespaces, and against the floor of the re-exec design: a minimal
#     Go program that starts itself again with the same clone flags and runs
#     `true` in that child (steps with a network use --network none here);
#   - the extra cost of --network bridge over --network none;
#   - bridge and --memory 64m --pids 64 --cpus 1 against `runc run` (no
#     network), when runc is installed (it is not installed for you);
#   - N containers (default 100) with bridge and limits started at once: the
#     time until all are up with an address, that the addresses are distinct,
#     and that nothing is left once they exit;
#   - the resident memory and threads of the container's init while COMMAND runs.
# RUNS (default 50) timed runs per command, after 3 warm-ups; hyperfine is
# used when installed (Debian package hyperfine), else a loop of this shell.
# STEP is 1 to 6 or a folder name; default: every step. Builds the default
# rootfs /var/lib/container/rootfs when missing. Exits 1 when a container
# failed or left something behind; a missed speed target is only reported.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# Decimal points and sort order that do not depend on the caller's locale.
export LC_ALL=C

usage() {
	sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
}

runs=50
parallel=100
chosen=()
while [ $# -gt 0 ]; do
	case $1 in
	-n)
		[ $# -ge 2 ] || die "-n needs a number of runs (see --help)"
		runs=$2
		shift 2
		;;
	--parallel)
		[ $# -ge 2 ] || die "--parallel needs a number of containers (see --help)"
		parallel=$2
		shift 2
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option $1 (see --help)" ;;
	*)
		step=$(step_dir "$1") || die "no step '$1': the steps are $(steps | paste -sd ' ')"
		chosen+=("$step")
		shift
		;;
	esac
done
if ! [[ $runs =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ]; then
	die "-n $runs is not a number of runs: give 1 or more"
fi
# The subnet is a /24: 253 addresses for every container on the machine.
if ! [[ $parallel =~ ^[0-9]+$ ]] || [ "$parallel" -lt 1 ] || [ "$parallel" -gt 250 ]; then
	die "--parallel $parallel is not a number of containers from 1 to 250 (the subnet has 253 addresses)"
fi
[ ${#chosen[@]} -gt 0 ] || mapfile -t chosen < <(steps)
need_root
command -v go >/dev/null || die "go not found: run scripts/setup.sh"
command -v unshare >/dev/null || die "unshare not found: install util-linux"
command -v ip >/dev/null || die "ip not found: run scripts/setup.sh (it installs iproute2)"

warmup=3
limits=(--memory 64m --pids 64 --cpus 1)
rootfs=/var/lib/container/rootfs
# Targets of issue 12, measured on a 2-core machine.
floor_target=1.10      # steps without a network: times the re-exec floor
bridge_target_ms=10    # --network bridge over none
runc_target=0.50       # bridge and limits: times runc run
parallel_target_s=3    # N at once, all up with an address

tmp=$(mktemp -d /tmp/bench.XXXXXX)
wall=$SECONDS
read -r load _ </proc/loadavg # before we add ours: how busy the machine was
runc_id=bench-$$
background=() # processes to stop if we stop early
failed=0

cleanup() {
	local pid alive _
	exec 8>&- 9>&- # releases the containers that wait on the release FIFO
	for pid in "${background[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for _ in $(seq 300); do # a killed runtime would leave its veth and cgroup
		alive=0
		for pid in "${background[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ "$alive" -eq 0 ] && break
		sleep 0.1
	done
	for pid in "${background[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -d "$tmp/runc/$runc_id" ]; then
		runc --root "$tmp/runc" delete -f "$runc_id" >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

progress() {
	echo "bench: $*" >&2
}

# has STEP FILE: whether a step has the concern of FILE (mount.go, net.go, ...).
has() {
	[ -f "$repo/$1/$2" ]
}

# Namespaces, by the name of their clone flag: the flag, and unshare's option.
declare -A clone_flag=([NEWUTS]=0x04000000 [NEWPID]=0x20000000 [NEWIPC]=0x08000000 [NEWNS]=0x00020000
	[NEWNET]=0x40000000 [NEWCGROUP]=0x02000000 [NEWUSER]=0x10000000)
declare -A unshare_option=([NEWUTS]=--uts [NEWPID]=--pid [NEWIPC]=--ipc [NEWNS]=--mount
	[NEWNET]=--net [NEWCGROUP]=--cgroup [NEWUSER]=--user)

# namespaces STEP: the namespaces that the step makes, in unshare's order:
# the CLONE_NEW* names of its cloneFlags and of its unshare calls (the
# cgroup namespace of step05). Others, as in step06's seccomp filter, are
# not made.
namespaces() {
	local name file found=""
	for file in "$repo/$1"/*.go; do
		[[ $file == *_test.go ]] && continue
		found+=$(awk '/^const cloneFlags =/ { made = 1 }
			made || /Unshare\(/ { print }
			made && !/\|[[:space:]]*$/ { made = 0 }' "$file" | grep -o 'CLONE_NEW[A-Z]*' || true)$'\n'
	done
	for name in NEWUTS NEWPID NEWIPC NEWNS NEWNET NEWCGROUP NEWUSER; do
		grep -qx "CLONE_$name" <<<"$found" && echo "$name"
	done
	return 0
}

# --- builds -----------------------------------------------------------------

for step in "${chosen[@]}"; do
	progress "build $step"
	# No cgo, as the VM's binaries: with cgo the net package links the
	# program dynamically, and the loader's time would count as ours.
	(cd "$repo/$step" && CGO_ENABLED=0 go build -o "$tmp/$step" .) || die "$step does not build"
done

mkdir "$tmp/floor"
cat >"$tmp/floor/go.mod" <<'GOMOD'
module floor

go 1.22
GOMOD
cat >"$tmp/floor/main.go" <<'GO'
// Command floor is the least a re-exec runtime does: it starts itself again
// in new namespaces, and that child runs COMMAND as its own child and waits,
// as a container's init does. Its time is the floor of that design.
//
//	floor FLAGS COMMAND [ARG...]   FLAGS: the clone flags, as a number
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: floor FLAGS COMMAND [ARG...]")
		os.Exit(2)
	}
	if os.Args[1] == "child" {
		os.Exit(run(exec.Command(os.Args[2], os.Args[3:]...)))
	}
	flags, err := strconv.ParseUint(os.Args[1], 0, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor: FLAGS:", err)
		os.Exit(2)
	}
	cmd := exec.Command("/proc/self/exe", append([]string{"child"}, os.Args[2:]...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: uintptr(flags)}
	os.Exit(run(cmd))
}

func run(cmd *exec.Cmd) int {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	return 0
}
GO
(cd "$tmp/floor" && GOWORK=off CGO_ENABLED=0 go build -o "$tmp/floor/floor" .) || die "the re-exec floor does not build"

needs_rootfs=0 needs_runc=0
for step in "${chosen[@]}"; do
	has "$step" mount.go && needs_rootfs=1
	has "$step" cgroups.go && needs_runc=1 needs_rootfs=1 # runc's bundle
done
if [ "$needs_rootfs" -eq 1 ] && [ ! -d "$rootfs" ]; then
	"$repo/scripts/rootfs.sh" "$rootfs" >&2
fi

# runc's bundle: its own copy of the rootfs, so that runc cannot change ours.
have_runc=0
if [ "$needs_runc" -eq 1 ] && command -v runc >/dev/null; then
	have_runc=1
	mkdir -p "$tmp/bundle" "$tmp/runc"
	cp -a "$rootfs" "$tmp/bundle/rootfs"
	runc spec --bundle "$tmp/bundle"
	sed -i -e 's/"terminal": true/"terminal": false/' \
		-e '/"args": \[/,/\]/s/"sh"/"true"/' \
		-e "s|\"path\": \"rootfs\"|\"path\": \"$tmp/bundle/rootfs\"|" "$tmp/bundle/config.json"
	if ! grep -q '"terminal": false' "$tmp/bundle/config.json" ||
		! grep -q '^[[:space:]]*"true"$' "$tmp/bundle/config.json" ||
		! grep -qF "\"path\": \"$tmp/bundle/rootfs\"" "$tmp/bundle/config.json"; then
		die "runc spec wrote a config.json this script cannot edit ($(runc --version | head -n 1))"
	fi
fi

# --- timing -----------------------------------------------------------------

declare -A median # STEP/NAME: median in µs

# measure STEP NAME COMMAND [NAME COMMAND...]: times each COMMAND (words
# split on blanks) and records its median. Side by side and interleaved, so
# that the machine's load drifting does not favour one of them: hyperfine
# in rounds of at most 10 runs per command, or the shell alternating them.
measure() {
	local step=$1 names=() commands=() i
	shift
	while [ $# -gt 0 ]; do
		names+=("$1")
		commands+=("$2")
		shift 2
	done
	: >"$tmp/times" # lines of: command's index, a run's time in µs
	if command -v hyperfine >/dev/null; then
		local done=0 batch args first_warmup=$warmup
		while [ "$done" -lt "$runs" ]; do
			batch=$((runs - done < 10 ? runs - done : 10))
			args=(-N --style none --warmup "$first_warmup" --runs "$batch" --export-json "$tmp/times.json")
			for i in "${!names[@]}"; do
				args+=(-n "${names[$i]}" "${commands[$i]}")
			done
			if ! hyperfine "${args[@]}" >"$tmp/hyperfine.log" 2>&1; then
				tail -n 5 "$tmp/hyperfine.log" >&2
				die "$step: a command failed under hyperfine (above)"
			fi
			awk '/"command":/ { i++ }
				/"times": \[/ { times = 1; next }
				times && /\]/ { times = 0 }
				times { gsub(/[ ,]/, ""); printf "%d %.0f\n", i - 1, $0 * 1e6 }' "$tmp/times.json" >>"$tmp/times"
			done=$((done + batch))
			first_warmup=1 # the caches are warm: one run to settle after the other commands
		done
	else
		local words start n
		for ((n = 0; n < warmup + runs; n++)); do
			for i in "${!names[@]}"; do
				read -r -a words <<<"${commands[$i]}"
				start=${EPOCHREALTIME/./}
				"${words[@]}" </dev/null >/dev/null 2>"$tmp/loop.err" ||
					die "$step: '${commands[$i]}' failed: $(head -n 1 "$tmp/loop.err")"
				[ "$n" -lt "$warmup" ] || echo "$i $((${EPOCHREALTIME/./} - start))" >>"$tmp/times"
			done
		done
	fi
	for i in "${!names[@]}"; do
		median[$step/${names[$i]}]=$(awk -v i="$i" '$1 == i { print $2 }' "$tmp/times" | sort -n |
			awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : int((t[NR / 2] + t[NR / 2 + 1]) / 2) }')
		[ -n "${median[$step/${names[$i]}]}" ] || die "$step: no times for '${commands[$i]}'"
	done
}

bench_step() {
	local step=$1 bin=$tmp/$1 ns true_cmd=true flags=0 options=() none=""
	for ns in $(namespaces "$step"); do
		flags=$((flags | clone_flag[$ns]))
		options+=("${unshare_option[$ns]}")
	done
	[[ " ${options[*]} " == *" --pid "* ]] && options+=(--fork)
	# The same `true` for all three: the rootfs's busybox once the container has one.
	has "$step" mount.go && true_cmd=$rootfs/bin/true
	has "$step" net.go && none="--network none "
	unshare_line[$step]="unshare ${options[*]} $true_cmd"
	local commands=(
		run "$bin run ${none}true"
		unshare "unshare ${options[*]} $true_cmd"
		floor "$tmp/floor/floor $flags $true_cmd"
	)
	if has "$step" net.go; then
		commands+=(bridge "$bin run --network bridge true")
	fi
	if has "$step" cgroups.go; then
		commands+=(limits "$bin run --network bridge ${limits[*]} true")
		[ "$have_runc" -eq 0 ] || commands+=(runc "runc --root $tmp/runc run --bundle $tmp/bundle $runc_id")
	fi
	progress "$step: $((${#commands[@]} / 2)) commands, $runs runs each"
	measure "$step" "${commands[@]}"
}

# --- N at once ----------------------------------------------------------------

# theirs: "record FILE", "veth NAME" and "cgroup DIR" lines for what the
# runtimes in the array ours hold.
theirs() {
	local record owner veth pid dir
	for record in /run/container/net/*.*.*.*; do
		[ -f "$record" ] || continue
		owner="" veth=""
		read -r owner veth _ <"$record" || true
		if [ -n "$owner" ] && [ -n "${ours[${owner%%-*}]:-}" ]; then
			echo "record $record"
			[ -z "$veth" ] || echo "veth $veth"
		fi
	done
	for pid in "${!ours[@]}"; do
		for dir in /sys/fs/cgroup/container/"$pid" /sys/fs/cgroup/container/"$pid"-* \
			/sys/fs/cgroup/*/container/"$pid" /sys/fs/cgroup/*/container/"$pid"-*; do
			[ -d "$dir" ] && echo "cgroup $dir"
		done
	done
	return 0
}

# at_once STEP: starts $parallel containers of STEP at once; each prints its
# eth0 line to the ready FIFO and waits for EOF on the release FIFO.
declare -A at_once_result
at_once() {
	local step=$1 bin=$tmp/$1 options=(--network bridge) pids=() addresses=() fields i
	has "$step" cgroups.go && options+=("${limits[@]}")
	mkfifo "$tmp/ready" "$tmp/release"
	# Held read-write, neither FIFO blocks the containers' opens, and the
	# release FIFO reads EOF only once we close it.
	exec 8<>"$tmp/ready" 9<>"$tmp/release"
	progress "$step: $parallel containers at once"
	local start=${EPOCHREALTIME/./} last=0 up=0 dead pid address deadline=$((SECONDS + 120))
	for ((i = 0; i < parallel; i++)); do
		"$bin" run "${options[@]}" sh -c 'ip -4 -o addr show dev eth0; read -r x || true' \
			<"$tmp/release" >&8 2>>"$tmp/at-once.err" 8>&- 9>&- &
		pids+=("$!")
		background+=("$!")
	done
	while [ "$up" -lt "$parallel" ]; do
		if read -r -t 1 -a fields <&8; then
			last=${EPOCHREALTIME/./}
			address=${fields[3]:-}
			addresses+=("${address%/*}")
			up=$((up + 1))
			continue
		fi
		dead=0
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null || dead=$((dead + 1))
		done
		if [ $((up + dead)) -ge "$parallel" ] || [ "$SECONDS" -ge "$deadline" ]; then
			break
		fi
	done
	at_once_result[up]=$up
	at_once_result[time]=$((last - start))
	at_once_result[distinct]=$(printf '%s\n' "${addresses[@]}" | sort -u | grep -c . || true)

	# What is theirs while they run, found by their runtimes' PIDs (records
	# and cgroups are named after them, or after PID-starttime), so that
	# the check after does not depend on how a step names things.
	local -A ours
	for pid in "${pids[@]}"; do
		ours[$pid]=1
	done
	theirs >"$tmp/while-up"
	at_once_result[seen]=$(awk '{ n[$1]++ } END { printf "%d records, %d veths, %d cgroups", n["record"], n["veth"], n["cgroup"] }' "$tmp/while-up")

	exec 9>&- # release them
	deadline=$((SECONDS + 30))
	local alive=1
	while [ "$alive" -eq 1 ] && [ "$SECONDS" -lt "$deadline" ]; do
		alive=0
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1 && break
		done
		[ "$alive" -eq 0 ] || sleep 0.1
	done
	local failures=0 status
	for pid in "${pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			failures=$((failures + 1))
			continue
		fi
		status=0
		wait "$pid" || status=$?
		[ "$status" -eq 0 ] || failures=$((failures + 1))
	done
	exec 8>&-
	at_once_result[failures]=$failures

	# What is left: the same, and the veths that the records named.
	local left=() kind name link
	local -A links
	while read -r kind name; do
		[ "$kind" = veth ] || left+=("$name")
	done < <(theirs)
	for link in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		links[$link]=1
	done
	while read -r kind name; do
		[ "$kind" = veth ] && [ -n "${links[$name]:-}" ] && left+=("$name")
	done <"$tmp/while-up"
	at_once_result[left]=${#left[@]}
	at_once_result[left_list]="${left[*]:0:3}${left[3]:+ ...}"
	# Their most frequent message, told apart from others but for numbers.
	at_once_result[stderr]=$(awk '{ key = $0; gsub(/[0-9]+/, "N", key); n[key]++; if (!(key in first)) first[key] = $0 }
		END { for (k in n) if (n[k] > best) { best = n[k]; line = first[k] } if (best) print line " (" best " lines like it)" }' \
		"$tmp/at-once.err")
	rm -f "$tmp/ready" "$tmp/release"
}

# --- the init's memory --------------------------------------------------------

declare -A rss threads
init_memory() {
	local step=$1 bin=$tmp/$1 options=() runtime init="" command="" _
	has "$step" net.go && options+=(--network bridge)
	has "$step" cgroups.go && options+=("${limits[@]}")
	"$bin" run "${options[@]}" sleep 60 </dev/null >/dev/null 2>"$tmp/memory.err" &
	runtime=$!
	background+=("$runtime")
	for _ in $(seq 100); do
		init=$(pgrep -P "$runtime" || true)
		[ -n "$init" ] && command=$(pgrep -P "$init" || true)
		[ -n "$command" ] && [ "$(cat "/proc/$command/comm" 2>/dev/null)" = sleep ] && break
		command=""
		sleep 0.05
	done
	if [ -z "$command" ]; then
		rss[$step]="" threads[$step]=""
		failed=1
		progress "$step: the init's COMMAND did not start: $(head -n 1 "$tmp/memory.err")"
		return
	fi
	background+=("$command")
	rss[$step]=$(awk '/^VmRSS:/ { print $2 }' "/proc/$init/status")
	threads[$step]=$(awk '/^Threads:/ { print $2 }' "/proc/$init/status")
	kill -TERM "$command"
	wait "$runtime" || true
}

# --- run them -----------------------------------------------------------------

declare -A unshare_line
for step in "${chosen[@]}"; do
	bench_step "$step"
done
at_once_step=""
for step in "${chosen[@]}"; do
	has "$step" net.go && at_once_step=$step
done
[ -z "$at_once_step" ] || at_once "$at_once_step"
for step in "${chosen[@]}"; do
	progress "$step: the init's memory"
	init_memory "$step"
done

# --- the table ----------------------------------------------------------------

ms() {
	awk -v us="$1" 'BEGIN { printf (us < 10000 ? "%.2f ms" : "%.1f ms"), us / 1000 }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}
# at_most VALUE LIMIT: yes or no.
at_most() {
	awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l) ? "yes" : "no" }'
}

rows=()
row() {
	rows+=("$(printf '%-38s %-10s %-28s %-10s %-9s %-10s %s' "$@")")
}

for step in "${chosen[@]}"; do
	s=${step%%-*}
	what="$s run true"
	has "$step" net.go && what="$s run --network none true"
	run=${median[$step/run]}
	row "$what" "$(ms "$run")" "unshare(1)" "$(ms "${median[$step/unshare]}")" \
		"$(ratio "$run" "${median[$step/unshare]}")" - -
	floor=${median[$step/floor]}
	if has "$step" net.go; then
		target=- met=-
	else
		target="<= ${floor_target}x" met=$(at_most "$(awk -v a="$run" -v b="$floor" 'BEGIN { print a / b }')" "$floor_target")
	fi
	row "$what" "$(ms "$run")" "re-exec floor (Go)" "$(ms "$floor")" "$(ratio "$run" "$floor")" "$target" "$met"
	if has "$step" net.go; then
		bridge=${median[$step/bridge]}
		extra=$((bridge - run))
		row "$s run --network bridge true" "$(ms "$bridge")" "run --network none true" "$(ms "$run")" \
			"+$(ms "$extra")" "<= +${bridge_target_ms} ms" "$(at_most "$extra" $((bridge_target_ms * 1000)))"
	fi
	if has "$step" cgroups.go; then
		limited=${median[$step/limits]}
		if [ "$have_runc" -eq 1 ]; then
			runc_us=${median[$step/runc]}
			row "$s run, bridge + limits, true" "$(ms "$limited")" "runc run (no network)" "$(ms "$runc_us")" \
				"$(ratio "$limited" "$runc_us")" "<= ${runc_target}x" \
				"$(at_most "$(awk -v a="$limited" -v b="$runc_us" 'BEGIN { print a / b }')" "$runc_target")"
		else
			row "$s run, bridge + limits, true" "$(ms "$limited")" "runc not installed: skipped" - - - -
		fi
	fi
done
if [ -n "$at_once_step" ]; then
	s=${at_once_step%%-*}
	up=${at_once_result[up]}
	if [ "$up" -eq "$parallel" ]; then
		secs=$(awk -v us="${at_once_result[time]}" 'BEGIN { printf "%.2f s", us / 1e6 }')
		row "$s $parallel at once: all up, addressed" "$secs" - - - "< ${parallel_target_s} s" \
			"$(at_most "${at_once_result[time]}" $((parallel_target_s * 1000000 - 1)))"
	else
		row "$s $parallel at once: all up, addressed" "$up up" - - - "< ${parallel_target_s} s" no
		failed=1
	fi
	distinct=${at_once_result[distinct]}
	met=yes
	[ "$distinct" -eq "$up" ] || { met=no failed=1; }
	row "$s $parallel at once: distinct addresses" "$distinct of $up" - - - "all" "$met"
	met=yes
	[ "${at_once_result[failures]}" -eq 0 ] || { met=no failed=1; }
	row "$s $parallel at once: exit status 0" "$((parallel - at_once_result[failures]))/$parallel" - - - "all" "$met"
	met=yes
	[ "${at_once_result[left]}" -eq 0 ] || { met=no failed=1; }
	row "$s $parallel at once: left after exit" "${at_once_result[left]}" - - - "nothing" "$met"
fi
for step in "${chosen[@]}"; do
	s=${step%%-*}
	[ -n "${rss[$step]}" ] || continue
	row "$s init VmRSS, sleep running" \
		"$(awk -v kb="${rss[$step]}" 'BEGIN { printf "%.1f MiB", kb / 1024 }')" - - - - -
	row "$s init threads" "${threads[$step]}" - - - - -
done

cpus=$(nproc)
mode="cgroup v1 (hybrid)"
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && mode="cgroup v2"
how="a shell loop, median of $runs runs, the commands alternating"
command -v hyperfine >/dev/null && how="$(hyperfine --version), median of $runs runs, in rounds of 10 runs"
echo "bench: $how, after $warmup warm-ups; $cpus CPUs (load $load), $mode, kernel $(uname -r)"
echo
printf '%-38s %-10s %-28s %-10s %-9s %-10s %s\n' what median against median ratio target met
printf '%s\n' "${rows[@]}"
echo
echo "true: /bin/true for steps without a rootfs, else $rootfs/bin/true (busybox), for all three."
echo "limits: ${limits[*]}. Binaries built with CGO_ENABLED=0."
echo "re-exec floor: a Go program that re-execs itself with the step's clone flags; the child runs true."
for step in "${chosen[@]}"; do
	echo "${step%%-*} unshare(1): ${unshare_line[$step]}"
done
[ -z "$at_once_step" ] ||
	echo "the $parallel's, seen while they ran: ${at_once_result[seen]}; left after: ${at_once_result[left_list]:-nothing}"
[ -z "$at_once_step" ] || [ -z "${at_once_result[stderr]}" ] ||
	echo "stderr of the $parallel, its most frequent line: ${at_once_result[stderr]}"
echo "took $((SECONDS - wall)) s"
cleanup
trap - EXIT
exit "$failed"
