#!/usr/bin/env bash
# bench/run.sh — reproducible benchmark of `tfreview scan` against
# `trivy config` (the same Trivy version tfreview embeds), fully offline.
#
# It builds tfreview and the lower bound (bench/parseonly), installs the peer
# with `go install` (cached in bench/out/bin), generates the corpora with a
# fixed seed (bench/gen), runs each command several times, alternating
# tfreview and trivy (A B, B A, ...), under /usr/bin/time -v, compares the
# findings, and writes docs/performance.md.
#
#   bench/run.sh                              # everything (about 30-60 min on 2 cores)
#   CORPORA="minimal small large" RUNS=3 bench/run.sh
#   BASE_REV=c7a4ae4 BASE_CORPORA="small large" bench/run.sh   # also time an older tfreview
#   APPEND=1 CORPORA=large bench/run.sh       # re-measure one corpus, keep the others' runs
#   REPORT_ONLY=1 bench/run.sh                # rewrite the document from the last results
#
# Environment: RUNS (runs per tool and corpus, default 5), RUNS_BIG (for
# roots-1000, default 3), CORPORA, SEED (default 7), TIMEOUT (seconds per
# run, default 1800), DOC (default docs/performance.md), BASE_REV and
# BASE_CORPORA (optional baseline build of tfreview at a git revision),
# SAME_INPUTS_CORPORA (default large: also time tfreview doing only what
# trivy config does, Trivy's checks without tfvars).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
CORPUS_DIR=$ROOT/bench/corpus
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-3}
CORPORA=${CORPORA:-"minimal small roots-10 roots-100 large roots-1000"}
SEED=${SEED:-7}
TIMEOUT=${TIMEOUT:-1800}
DOC=${DOC:-docs/performance.md}
BASE_REV=${BASE_REV:-}
BASE_CORPORA=${BASE_CORPORA:-"small large"}
SAME_INPUTS_CORPORA=${SAME_INPUTS_CORPORA:-"large"}
TRIVY_VERSION=v0.74.0
TRIVY=$OUT/bin/trivy

log() { printf '%s run.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$OUT/bin" "$CORPUS_DIR"
RESULTS=$OUT/results
RUNS_TSV=$RESULTS/runs.tsv
LOADS=$RESULTS/loadavg.txt
REMEASURED=$RESULTS/remeasured.txt
PARITY=$RESULTS/parity.txt
META=$RESULTS/meta.env

if [ "${REPORT_ONLY:-}" = 1 ]; then
	# Rewrite the document from the last run's results (after editing
	# bench/performance-notes.md, say), measuring nothing.
	# shellcheck source=/dev/null
	. "$META"
	# The bench tools are their own module (bench/go.mod), out of the
	# root's `go install ./...`.
	go -C bench build -o "$OUT/report" ./report
else

# /usr/bin/time -v gives peak RSS; the shell builtin does not.
if ! [ -x /usr/bin/time ]; then
	log "installing GNU time (Debian package 'time')"
	if [ "$(id -u)" = 0 ]; then apt-get install -y time >/dev/null; else sudo apt-get install -y time >/dev/null; fi
fi

log "building tfreview, parseonly, report"
go build -o "$OUT/tfreview" ./cmd/tfreview
go -C bench build -o "$OUT/parseonly" ./parseonly
go -C bench build -o "$OUT/report" ./report

if [ -n "$BASE_REV" ]; then
	log "building baseline tfreview at $BASE_REV"
	base_src=$(mktemp -d)
	git archive "$BASE_REV" | tar -x -C "$base_src"
	(cd "$base_src" && go build -o "$OUT/tfreview-base" ./cmd/tfreview)
	rm -rf "$base_src"
	BASE_REV=$(git rev-parse --short "$BASE_REV")
fi

# The peer, built the way Trivy's release is (goreleaser.yml: CGO off,
# GOEXPERIMENT=jsonv2, stripped, version stamped). Compiling the whole Trivy
# CLI takes several minutes on 2 cores the first time; later runs reuse it.
if ! "$TRIVY" --version 2>/dev/null | grep -q "Version: ${TRIVY_VERSION#v}\$"; then
	log "installing trivy $TRIVY_VERSION into $OUT/bin (first time: several minutes)"
	CGO_ENABLED=0 GOEXPERIMENT=jsonv2 GOBIN="$OUT/bin" \
		go install -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
		"github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
fi

log "generating corpora (seed $SEED): $CORPORA"
go -C bench run ./gen -out "$CORPUS_DIR" -seed "$SEED" -only "$(echo $CORPORA | tr ' ' ',')"

# Offline: every proxy points at a closed local port, so any attempt to
# reach the network (Trivy's registry lookups and git clones for remote
# modules, its checks bundle, version check, telemetry) fails at once
# instead of waiting on DNS or a timeout.
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9
export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY all_proxy=$ALL_PROXY NO_PROXY= no_proxy=
export GIT_TERMINAL_PROMPT=0

if [ "${APPEND:-}" = 1 ] && [ -s "$RUNS_TSV" ]; then
	# Re-measure CORPORA only (say, one whose runs a burst of load from other
	# users disturbed), keeping the other corpora's runs; the document says so.
	for corpus in $CORPORA; do
		awk -F'\t' -v c="$corpus" '$1 != c' "$RUNS_TSV" >"$RUNS_TSV.tmp" && mv "$RUNS_TSV.tmp" "$RUNS_TSV"
	done
	echo "$CORPORA at $(date -u +%H:%M) UTC" >>"$REMEASURED"
else
	rm -rf "$RESULTS"
	mkdir -p "$RESULTS"
	printf 'corpus\ttool\trun\twall_s\tmaxrss_kb\texit\tfindings\tcpu_s\n' >"$RUNS_TSV"
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# command_for TOOL CORPUS OUTPUT: the command line, run inside the corpus.
command_for() {
	local tool=$1 out=$2
	case $tool in
	tfreview) echo "$OUT/tfreview scan . --format json --output $out" ;;
	tfreview-base) echo "$OUT/tfreview-base scan . --format json --output $out" ;;
	# The work trivy config does: Trivy's checks only, tfvars not loaded.
	tfreview-trivy-inputs) echo "$OUT/tfreview scan . --engines trivy --skip-files '*.tfvars' --format json --output $out" ;;
	# --skip-check-update with an empty cache dir: Trivy falls back to its
	# embedded checks (the ones tfreview embeds) without downloading the
	# bundle. Only the Terraform scanner, as tfreview.
	trivy) echo "$TRIVY config --quiet --skip-check-update --disable-telemetry --skip-version-check --misconfig-scanners terraform --cache-dir $RESULTS/trivy-cache-\$RANDOM --format json --output $out ." ;;
	parseonly) echo "$OUT/parseonly ." ;;
	esac
}

# measure CORPUS TOOL RUN: one timed run, appended to runs.tsv.
measure() {
	local corpus=$1 tool=$2 run=$3
	local dir=$CORPUS_DIR/$corpus
	local json=$RESULTS/$corpus.$tool.json
	local tv=$RESULTS/time.txt
	local cmd
	cmd=$(command_for "$tool" "$json")
	cut -d' ' -f1 /proc/loadavg >>"$LOADS"
	(cd "$dir" && eval "/usr/bin/time -v -o $tv timeout --kill-after=10 $TIMEOUT $cmd" >"$RESULTS/$corpus.$tool.stdout" 2>"$RESULTS/$corpus.$tool.stderr") || true
	local wall rss status user sys findings=0
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tv")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
	status=$(awk -F': ' '/Exit status/ {print $2}' "$tv")
	user=$(awk -F': ' '/User time/ {print $2}' "$tv")
	sys=$(awk -F': ' '/System time/ {print $2}' "$tv")
	if [ "$tool" != parseonly ] && [ -s "$json" ]; then
		findings=$("$OUT/report" findings "$json" 2>/dev/null || echo 0)
	fi
	rm -rf "$RESULTS"/trivy-cache-*
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$corpus" "$tool" "$run" "$wall" "$rss" "$status" "$findings" \
		"$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')" >>"$RUNS_TSV"
	log "$corpus $tool #$run: ${wall}s wall, $((rss / 1024)) MiB, exit $status, $findings findings"
}

for corpus in $CORPORA; do
	n=$RUNS
	[ "$corpus" = roots-1000 ] && n=$RUNS_BIG
	tools=(tfreview trivy)
	if [ -n "$BASE_REV" ] && [[ " $BASE_CORPORA " == *" $corpus "* ]]; then
		tools+=(tfreview-base)
	fi
	if [[ " $SAME_INPUTS_CORPORA " == *" $corpus "* ]]; then
		tools+=(tfreview-trivy-inputs)
	fi
	# One untimed run of each, so every timed run starts with the corpus in
	# the page cache (roots-1000 was just generated, so it is there already,
	# and a warm-up would cost minutes).
	if [ "$corpus" != roots-1000 ]; then
		for t in "${tools[@]}" parseonly; do
			(cd "$CORPUS_DIR/$corpus" && eval "$(command_for "$t" /dev/null)" >/dev/null 2>&1) || true
		done
	fi
	rm -rf "$RESULTS"/trivy-cache-*
	for i in $(seq 1 "$n"); do
		# A B, B A, ...: alternate which tool runs first.
		if [ $((i % 2)) = 1 ]; then order=("${tools[@]}"); else order=(); for ((k = ${#tools[@]} - 1; k >= 0; k--)); do order+=("${tools[k]}"); done; fi
		for t in "${order[@]}"; do measure "$corpus" "$t" "$i"; done
		measure "$corpus" parseonly "$i"
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# Findings parity: on every corpus, the trivy engine of tfreview must
# report what `trivy config` reports. Trivy's CLI does not load tfvars
# files (only --tf-vars), tfreview loads terraform.tfvars and *.auto.tfvars
# as Terraform does, so the comparison skips tfvars for tfreview.
: >"$PARITY"
for corpus in $(tail -n +2 "$CORPUS_DIR/corpora.tsv" | cut -f1); do
	[ -s "$RESULTS/$corpus.trivy.json" ] || continue
	(cd "$CORPUS_DIR/$corpus" && "$OUT/tfreview" scan . --engines trivy --skip-files '*.tfvars' --format json --output "$RESULTS/$corpus.parity.json" >/dev/null 2>&1) || true
	{
		echo "#### $corpus"
		echo
		echo '```'
		"$OUT/report" compare "$RESULTS/$corpus.parity.json" "$RESULTS/$corpus.trivy.json" 2>&1 || true
		echo '```'
		echo
	} >>"$PARITY"
done

{
	printf 'COMMIT=%q\nLOAD_BEFORE=%q\nLOAD_AFTER=%q\nRUNS=%q\nRUNS_BIG=%q\nSEED=%q\n' "$(git rev-parse --short HEAD)" "$LOAD_BEFORE" "$LOAD_AFTER" "$RUNS" "$RUNS_BIG" "$SEED"
	printf 'BASE_REV=%q\nBASE_CORPORA=%q\nSAME_INPUTS_CORPORA=%q\nTRIVY_VERSION=%q\n' "$BASE_REV" "$BASE_CORPORA" "$SAME_INPUTS_CORPORA" "$TRIVY_VERSION"
} >"$META"
fi # REPORT_ONLY

log "writing $DOC"
loads=$(sort -n "$LOADS" | awk '{a[NR]=$1} END {printf "min %.2f, median %.2f, max %.2f (1-minute load average sampled before each of %d runs)", a[1], a[int((NR+1)/2)], a[NR], NR}')
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem_total=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
{
	cat <<EOF
# Performance

Generated by \`bench/run.sh\` on $(date -u +%Y-%m-%d), measured at commit ${COMMIT:-$(git rev-parse --short HEAD)}; do not edit by hand. Re-run
\`bench/run.sh\` to regenerate it. Everything below is measured on one machine, with the same inputs for
every tool, the tools taking turns.

## Results

Each command ran $RUNS times per corpus ($RUNS_BIG on \`roots-1000\`, without the warm-up) after one untimed warm-up run, alternating
which tool went first (A B, B A, …). Wall time and peak RSS come from \`/usr/bin/time -v\`; CPU is user + system
time. Ratios are of medians. \`parseonly\` only reads and HCL-parses the same files on all cores
([bench/parseonly](../bench/parseonly/main.go)): the floor for any scanner.
\`tfreview-trivy-inputs\` is \`tfreview scan --engines trivy --skip-files '*.tfvars'\`: the same work \`trivy config\` does (Trivy's CLI
loads no tfvars, so on these corpora it evaluates fewer resources than tfreview's full scan), on: $SAME_INPUTS_CORPORA.
$( [ -n "$BASE_REV" ] && echo "\`tfreview-base\` is tfreview built at $BASE_REV, before the performance work (and before later built-in rules, which only add work to the current build), on: $BASE_CORPORA." )

$( [ -s "$REMEASURED" ] && echo "Re-measured with \`APPEND=1\` after the full run (a burst of load from other users had disturbed them): $(paste -sd';' "$REMEASURED")." )

**Machine load.** The machine was shared while this ran: load average $loads; $LOAD_BEFORE before and
$LOAD_AFTER after the run, on $(nproc) cores; the benchmark itself adds about 1 (trivy) to 2 (tfreview's two
workers) while it runs. Wall times are noisy under this load, which is why runs
alternate and the ratios, taken side by side, matter more than the absolute seconds; CPU time is the
steadier figure.

EOF
	"$OUT/report" table "$RUNS_TSV" "$CORPUS_DIR/corpora.tsv"
	cat <<EOF

## Findings parity with \`trivy config\`

Trivy's CLI reads tfvars only when given \`--tf-vars\`, while tfreview loads \`terraform.tfvars\` and
\`*.auto.tfvars\` the way Terraform does; the numbers in the table therefore differ where tfvars change
values. For the comparison tfreview runs with \`--engines trivy --skip-files '*.tfvars'\`, so both tools
evaluate the same inputs, and the sets of (check ID, file, start line, end line) are compared.

EOF
	cat "$PARITY"
	cat <<EOF
## Machine

- CPU: $cpu_model, $(nproc) cores; memory $mem_total; Linux $(uname -r)
- $(go version)
- trivy: $("$TRIVY" --version 2>/dev/null | head -1), built by \`go install\` as above

## Corpora

Generated by [bench/gen](../bench/gen/main.go), deterministic for a seed (here $SEED):
\`go -C bench run ./gen -out corpus -seed $SEED\`. Each root module has \`versions.tf\` (terraform,
backend, provider), \`variables.tf\` (defaults, objects, one variable with no default), \`terraform.tfvars\`,
\`locals.tf\`, two to six service files drawn from thirteen AWS services (S3, security groups with dynamic
ingress, EC2/EBS/launch templates, RDS, IAM/KMS, CloudTrail/CloudWatch, Lambda, SQS/SNS, DynamoDB, EKS,
ALB, ECR, ElastiCache) with \`count\`, \`for_each\` and settings drawn secure or insecure, calls to shared local
modules (one of them calling two others), registry and git module calls that cannot be resolved offline,
some \`.tf.json\`, and \`outputs.tf\`.

| corpus | files | .tf files | lines | root modules | resource blocks | what |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
EOF
	tail -n +2 "$CORPUS_DIR/corpora.tsv" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'
	cat <<EOF

## Commands

Run inside each corpus directory:

\`\`\`sh
bench/out/tfreview scan . --format json --output OUT.json
trivy config --quiet --skip-check-update --disable-telemetry --skip-version-check \\
  --misconfig-scanners terraform --cache-dir EMPTY_TMP_DIR --format json --output OUT.json .
bench/out/parseonly .
\`\`\`

With \`--skip-check-update\` and an empty cache directory Trivy uses its embedded checks (it logs that the
cache is empty and falls back). \`HTTP_PROXY\`, \`HTTPS_PROXY\` and \`ALL_PROXY\` point at a closed local port,
so Trivy's attempts to resolve registry and git modules fail at once rather than wait for the network;
tfreview never tries (downloads are off unless \`--download-modules\`).

Go benchmarks of the hot paths (\`-benchmem\`; set \`TFREVIEW_BENCH_CORPUS\` to a generated corpus):

\`\`\`sh
TFREVIEW_BENCH_CORPUS=\$PWD/bench/corpus/large go test ./scanner -run '^\$' -bench . -benchmem
go test ./internal/trivyadapter ./finding ./formatters -run '^\$' -bench . -benchmem
\`\`\`
EOF
	if [ -f bench/performance-notes.md ]; then
		echo
		cat bench/performance-notes.md
	fi
} >"$DOC"
log "done: $DOC, raw data in $RESULTS"
