#!/usr/bin/env bash
# Usage: sudo scripts/check-exercises.sh [N...]
# Proves the exercises of the given steps (all by default): each is made in
# a temporary folder (never in workshop/), must build and vet, each test
# that its step adds or changes must fail on it (but a guard, a test marked
# //exercise:guard because it holds without the feature, may pass), and
# each test it keeps as the step before has it must pass. One line per
# step; fails on any deviation.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
need_root

all=$(steps)
check=()
for want in "$@"; do
	step=$(step_dir "$want") || die "no step '$want': the steps are $(echo "$all" | tr '\n' ' ')"
	check+=("$step")
done
[ $# -gt 0 ] || mapfile -t check <<<"$all"

"$repo/scripts/setup.sh" --quiet
tmp=$(mktemp -d /tmp/check-exercises.XXXXXX)
# A stub that panics ends a test binary before its TestMain and cleanups
# run: their temporary files (and any mount a test had made) stay in $tmp,
# which goes, mounts first, at the end.
cleanup() {
	local mnt
	{ grep -o " $tmp/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r mnt; do
		umount -l "$mnt" || true
	done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
chmod 755 "$tmp" # the tests run the binary as nobody too
mkdir -m 755 "$tmp/go-tmp"
export TMPDIR=$tmp/go-tmp
# The tests build their rootfs with ../scripts/rootfs.sh.
ln -s "$repo/scripts" "$tmp/scripts"
export GOWORK=off # the exercises are in no workspace
go build -C "$repo/scripts/exercise" -o "$tmp/exercise" .

# run_tests DIR LOG NAME... runs the named tests in DIR until each has a
# result, and prints "RESULT NAME" lines. A test that panics ends the test
# binary (stubs panic), so the tests without a result yet run again; those
# that never get one are "NONE".
run_tests() {
	local dir=$1 log=$2 results
	shift 2
	local left=("$@")
	results=$(mktemp -p "$tmp")
	while [ ${#left[@]} -gt 0 ]; do
		local pattern
		pattern="^($(IFS='|' && echo "${left[*]}"))\$"
		(cd "$dir" && go test -count=1 -v -run "$pattern" . >>"$log" 2>&1) || true
		local name still=()
		for name in "${left[@]}"; do
			if grep -qE "^--- (PASS|FAIL|SKIP): $name " "$log"; then
				grep -oE "^--- (PASS|FAIL|SKIP): $name " "$log" | tail -n1 | sed -E 's/^--- ([A-Z]+): (.*) $/\1 \2/' >>"$results"
			else
				still+=("$name")
			fi
		done
		[ ${#still[@]} -lt ${#left[@]} ] || break # no progress: the binary did not run them
		left=("${still[@]+"${still[@]}"}")
	done
	for name in "${left[@]+"${left[@]}"}"; do
		echo "NONE $name" >>"$results"
	done
	cat "$results"
}

# contains WORD LIST... says whether WORD is in LIST.
contains() {
	local want=$1 x
	shift
	for x; do [ "$x" = "$want" ] && return 0; done
	return 1
}

failed=0
for step in "${check[@]}"; do
	prev=-
	for s in $all; do
		[ "$s" = "$step" ] && break
		prev="$repo/$s"
	done
	dir="$tmp/$step"
	log=$(mktemp -p "$tmp")
	problems=()
	if ! "$tmp/exercise" make "$repo/$step" "$prev" "$dir" >"$log" 2>&1; then
		problems+=("not made: $(tail -n1 "$log")")
	elif ! (cd "$dir" && go build -o /dev/null . && go vet .) >>"$log" 2>&1; then
		problems+=("does not build or vet")
	else
		# The files it made, not the ones it copied.
		unformatted=$(cd "$dir" && for f in *.go; do
			cmp -s "$f" "$repo/$step/$f" || gofmt -l "$f"
		done)
		[ -z "$unformatted" ] || problems+=("not gofmt'ed: $unformatted")
		mapfile -t kinds < <("$tmp/exercise" tests "$repo/$step" "$prev")
		new=() old=() skeleton=0 guards=0
		for line in "${kinds[@]}"; do
			case ${line%% *} in
			new | changed) new+=("${line#* }") ;;
			old) old+=("${line#* }") ;;
			skeleton) skeleton=$((skeleton + 1)) ;;
			guard) guards=$((guards + 1)) ;;
			esac
		done
		[ ${#new[@]} -gt 0 ] || problems+=("the step adds or changes no test")
		passing=() skipped=() none=()
		while read -r result name; do
			case $result in
			PASS) passing+=("$name") ;;
			SKIP) skipped+=("$name") ;;
			NONE) none+=("$name") ;; # FAIL, or ended by another test's panic
			esac
		done < <(run_tests "$dir" "$log" "${new[@]}" "${old[@]+"${old[@]}"}")
		[ ${#none[@]} -lt $((${#new[@]} + ${#old[@]})) ] || problems+=("no test ran (see the log)")
		bad_new=() bad_old=()
		for name in "${new[@]}"; do
			contains "$name" "${passing[@]+"${passing[@]}"}" && bad_new+=("$name")
		done
		for name in "${old[@]+"${old[@]}"}"; do
			contains "$name" "${passing[@]+"${passing[@]}"}" || bad_old+=("$name")
		done
		[ ${#skipped[@]} -eq 0 ] || problems+=("skipped tests prove nothing: ${skipped[*]}")
		[ ${#bad_new[@]} -eq 0 ] || problems+=("new or changed tests that pass: ${bad_new[*]}")
		[ ${#bad_old[@]} -eq 0 ] || problems+=("earlier tests that do not pass: ${bad_old[*]}")
	fi
	if [ ${#problems[@]} -eq 0 ]; then
		line="builds, ${#new[@]} new or changed tests fail"
		[ "$guards" -eq 0 ] || line+=" ($guards $([ "$guards" -eq 1 ] && echo guard || echo guards) not checked)"
		if [ "$prev" = - ]; then
			line+=", no step before ($skeleton tests of the given skeleton not checked)"
		else
			line+=", ${#old[@]} earlier tests pass"
		fi
		echo "check-exercises: $step: ok: $line"
	else
		kept=$(mktemp "/tmp/check-exercises-$step.XXXXXX.log")
		cp "$log" "$kept"
		joined=$(printf '%s; ' "${problems[@]}")
		echo "check-exercises: $step: FAIL: ${joined%; } (log: $kept)"
		failed=1
	fi
	rm -rf --one-file-system "$dir"
done
cleanup
trap - EXIT
exit "$failed"
