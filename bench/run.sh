#!/usr/bin/env bash
# bench/run.sh — reproducible benchmark of `tfreview scan` against
# `trivy config` (the same Trivy version tfreview embeds) and tfsec, fully
# offline.
#
# It builds tfreview and the lower bound (bench/parseonly), installs the peers
# with `go install` (cached in bench/out/bin), generates the corpora with a
# fixed seed (bench/gen), runs each command several times, alternating
# the tools (A B C, C B A, ...), under /usr/bin/time -v, times `--cache-dir`
# rescans and each `--shard K/N` alone (then merges the shards), compares
# the findings, and writes docs/performance.md.
#
#   bench/run.sh                              # everything (about 60-90 min on 2 cores)
#   CORPORA="minimal small large" RUNS=3 bench/run.sh
#   BASE_REV=c7a4ae4 BASE_CORPORA="small large" bench/run.sh   # also time an older tfreview
#   APPEND=1 CORPORA=large APPEND_REASON="load burst" bench/run.sh   # re-measure one corpus, keep the others' runs
#   REPORT_ONLY=1 bench/run.sh                # rewrite the document from the last results
#
# Environment: RUNS (runs per tool and corpus, default 5), RUNS_BIG (for
# roots-1000, default 3), CORPORA, SEED (default 7), TIMEOUT (seconds per
# run, default 1800), DOC (default docs/performance.md), BASE_REV and
# BASE_CORPORA (optional baseline build of tfreview at a git revision),
# SAME_INPUTS_CORPORA (default large: also time tfreview doing only what
# trivy config does, Trivy's checks without tfvars), CACHE_CORPORA (default
# "large eks-shaped": also time a cold and a warm `--cache-dir` scan), SHARD_CORPUS
# (default roots-1000, when in CORPORA), SHARD_COUNTS (default "2 4") and
# SHARD_RUNS (runs of each shard, default 1): each `--shard K/N` timed
# alone, then merged and compared with the single scan. TREEMEM_CORPORA
# (default CORPORA): one more run of each scanner under bench/treemem, for
# the peak memory of the whole process tree; TREEMEM_ONLY=1 runs only that
# step on CORPORA and rewrites the document, keeping the other results.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
CORPUS_DIR=$ROOT/bench/corpus
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-3}
CORPORA=${CORPORA:-"minimal small roots-10 roots-100 large eks-shaped terragoat-shaped roots-1000"}
SEED=${SEED:-7}
TIMEOUT=${TIMEOUT:-1800}
DOC=${DOC:-docs/performance.md}
BASE_REV=${BASE_REV:-}
BASE_CORPORA=${BASE_CORPORA:-"small large"}
SAME_INPUTS_CORPORA=${SAME_INPUTS_CORPORA:-"large"}
CACHE_CORPORA=${CACHE_CORPORA:-"large eks-shaped"}
SHARD_CORPUS=${SHARD_CORPUS:-roots-1000}
SHARD_COUNTS=${SHARD_COUNTS:-"2 4"}
SHARD_RUNS=${SHARD_RUNS:-1}
TRIVY_VERSION=v0.74.0
TRIVY=$OUT/bin/trivy
# tfsec's last release the Go module proxy serves (v1.28.13 and earlier
# v1.28.x answer 403 "not available"); tfsec is deprecated in favour of
# Trivy, and this is its final version.
TFSEC_VERSION=v1.28.14
TFSEC=$OUT/bin/tfsec

log() { printf '%s run.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$OUT/bin" "$CORPUS_DIR"
RESULTS=$OUT/results
RUNS_TSV=$RESULTS/runs.tsv
LOADS=$RESULTS/loadavg.txt
REMEASURED=$RESULTS/remeasured.txt
PARITY=$RESULTS/parity.txt
MERGES=$RESULTS/merge.tsv
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
go -C bench build -o "$OUT/treemem" ./treemem

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

# tfsec, built from the module proxy the same way (its release is
# goreleaser with CGO off and the version stamped). If it cannot be built,
# the document says why and the other tools are still measured.
TFSEC_ERROR=
if ! [ "$("$TFSEC" --version 2>/dev/null)" = "$TFSEC_VERSION" ]; then
	log "installing tfsec $TFSEC_VERSION into $OUT/bin (first time: several minutes)"
	if ! CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$OUT/bin" \
		go install -ldflags "-s -w -X github.com/aquasecurity/tfsec/version.Version=$TFSEC_VERSION" \
		"github.com/aquasecurity/tfsec/cmd/tfsec@$TFSEC_VERSION" 2>"$OUT/tfsec-build.log"; then
		TFSEC_ERROR=$(tail -5 "$OUT/tfsec-build.log")
		log "tfsec could not be built; measuring without it: $TFSEC_ERROR"
	fi
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

TREEMEM_TSV=$RESULTS/treemem.tsv
if [ "${TREEMEM_ONLY:-}" = 1 ]; then
	# Only the process-tree memory step below, on CORPORA, keeping every
	# other result of the last run (and its metadata).
	# shellcheck source=/dev/null
	. "$META"
elif [ "${APPEND:-}" = 1 ] && [ -s "$RUNS_TSV" ]; then
	# Re-measure CORPORA only (say, one whose runs a burst of load from other
	# users disturbed), keeping the other corpora's runs; the document says so.
	for corpus in $CORPORA; do
		awk -F'\t' -v c="$corpus" '$1 != c' "$RUNS_TSV" >"$RUNS_TSV.tmp" && mv "$RUNS_TSV.tmp" "$RUNS_TSV"
	done
	echo "$CORPORA at $(date -u +%H:%M) UTC${APPEND_REASON:+ ($APPEND_REASON)}" >>"$REMEASURED"
else
	rm -rf "$RESULTS"
	mkdir -p "$RESULTS"
	printf 'corpus\ttool\trun\twall_s\tmaxrss_kb\texit\tfindings\tcpu_s\n' >"$RUNS_TSV"
fi
[ "${TREEMEM_ONLY:-}" = 1 ] || LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# trivy_scanners CORPUS: what tfreview scans there. tfreview checks
# Kubernetes YAML manifests wherever they are, so on a corpus holding any
# Trivy is asked for its kubernetes scanner too; tfsec has none.
trivy_scanners() {
	if [ -n "$(find "$CORPUS_DIR/$1" \( -name '*.yaml' -o -name '*.yml' \) -print -quit)" ]; then
		echo terraform,kubernetes
	else
		echo terraform
	fi
}

# command_for TOOL OUTPUT CORPUS: the command line, run inside the corpus.
command_for() {
	local tool=$1 out=$2 corpus=$3
	case $tool in
	tfreview) echo "$OUT/tfreview scan . --format json --output $out" ;;
	tfreview-base) echo "$OUT/tfreview-base scan . --format json --output $out" ;;
	# The work trivy config does: Trivy's checks only, tfvars not loaded.
	tfreview-trivy-inputs) echo "$OUT/tfreview scan . --engines trivy --skip-files '*.tfvars' --format json --output $out" ;;
	# --skip-check-update with an empty cache dir: Trivy falls back to its
	# embedded checks (the ones tfreview embeds) without downloading the
	# bundle. Only the Terraform scanner, as tfreview.
	# --timeout: Trivy's own default (5 min) ends a roots-1000 scan on a
	# loaded machine with exit 1 and no report.
	trivy) echo "$TRIVY config --quiet --timeout ${TIMEOUT}s --skip-check-update --disable-telemetry --skip-version-check --misconfig-scanners $(trivy_scanners "$corpus") --cache-dir $RESULTS/trivy-cache-\$RANDOM --format json --output $out ." ;;
	# All severities (tfsec's default), no remote modules. --force-all-dirs:
	# tfsec's own root search stops at the shallowest directories holding
	# .tf files (on large: modules/*, never live/*/*/*); with it tfsec scans
	# every directory holding .tf files, the local modules as roots too.
	# tfsec has no update check; its only network use is module downloads
	# and --config-file-url/--custom-check-url.
	tfsec) echo "$TFSEC . --force-all-dirs --no-module-downloads --no-color --soft-fail --format json --out $out" ;;
	# A fresh cache directory for every cold run; the warm one is filled
	# by an untimed run first.
	tfreview-cache-cold) echo "$OUT/tfreview scan . --cache-dir $RESULTS/cache-cold-\$RANDOM --format json --output $out" ;;
	tfreview-cache-warm) echo "$OUT/tfreview scan . --cache-dir $RESULTS/cache-warm-$corpus --format json --output $out" ;;
	shard-*/*) echo "$OUT/tfreview scan . --shard ${tool#shard-} --show-ignored --format json --output $out" ;;
	parseonly) echo "$OUT/parseonly ." ;;
	esac
}

# measure CORPUS TOOL RUN: one timed run, appended to runs.tsv.
measure() {
	local corpus=$1 tool=$2 run=$3
	local dir=$CORPUS_DIR/$corpus
	local json=$RESULTS/$corpus.${tool//\//of}.json
	local tv=$RESULTS/time.txt
	local cmd
	cmd=$(command_for "$tool" "$json" "$corpus")
	cut -d' ' -f1 /proc/loadavg >>"$LOADS"
	(cd "$dir" && eval "/usr/bin/time -v -o $tv timeout --kill-after=10 $TIMEOUT $cmd" >"$RESULTS/$corpus.${tool//\//of}.stdout" 2>"$RESULTS/$corpus.${tool//\//of}.stderr") || true
	local wall rss status user sys findings=0
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tv")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
	status=$(awk -F': ' '/Exit status/ {print $2}' "$tv")
	user=$(awk -F': ' '/User time/ {print $2}' "$tv")
	sys=$(awk -F': ' '/System time/ {print $2}' "$tv")
	if [ "$tool" != parseonly ] && [ -s "$json" ]; then
		findings=$("$OUT/report" findings "$json" 2>/dev/null || echo 0)
	fi
	rm -rf "$RESULTS"/trivy-cache-* "$RESULTS"/cache-cold-*
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$corpus" "$tool" "$run" "$wall" "$rss" "$status" "$findings" \
		"$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')" >>"$RUNS_TSV"
	log "$corpus $tool #$run: ${wall}s wall, $((rss / 1024)) MiB, exit $status, $findings findings"
}

if [ "${TREEMEM_ONLY:-}" != 1 ]; then
for corpus in $CORPORA; do
	n=$RUNS
	[ "$corpus" = roots-1000 ] && n=$RUNS_BIG
	tools=(tfreview trivy)
	[ -z "$TFSEC_ERROR" ] && tools+=(tfsec)
	if [ -n "$BASE_REV" ] && [[ " $BASE_CORPORA " == *" $corpus "* ]]; then
		tools+=(tfreview-base)
	fi
	if [[ " $SAME_INPUTS_CORPORA " == *" $corpus "* ]]; then
		tools+=(tfreview-trivy-inputs)
	fi
	if [[ " $CACHE_CORPORA " == *" $corpus "* ]]; then
		tools+=(tfreview-cache-cold tfreview-cache-warm)
		rm -rf "$RESULTS/cache-warm-$corpus"
		(cd "$CORPUS_DIR/$corpus" && eval "$(command_for tfreview-cache-warm /dev/null "$corpus")" >/dev/null 2>&1) || true
	fi
	# One untimed run of each, so every timed run starts with the corpus in
	# the page cache (roots-1000 was just generated, so it is there already,
	# and a warm-up would cost minutes).
	if [ "$corpus" != roots-1000 ]; then
		for t in "${tools[@]}" parseonly; do
			(cd "$CORPUS_DIR/$corpus" && eval "$(command_for "$t" /dev/null "$corpus")" >/dev/null 2>&1) || true
		done
	fi
	rm -rf "$RESULTS"/trivy-cache-* "$RESULTS"/cache-cold-*
	for i in $(seq 1 "$n"); do
		# A B, B A, ...: alternate which tool runs first.
		if [ $((i % 2)) = 1 ]; then order=("${tools[@]}"); else order=(); for ((k = ${#tools[@]} - 1; k >= 0; k--)); do order+=("${tools[k]}"); done; fi
		for t in "${order[@]}"; do measure "$corpus" "$t" "$i"; done
		measure "$corpus" parseonly "$i"
	done
	if [ "$corpus" = "$SHARD_CORPUS" ]; then
		# Each shard alone, as one job of a matrix runs it; then the merge
		# of the shards' reports against the single scan's (the last timed
		# `tfreview` run above).
		[ -f "$MERGES" ] && awk -F'\t' -v c="$corpus" '$1 != c' "$MERGES" >"$MERGES.tmp" && mv "$MERGES.tmp" "$MERGES"
		for n in $SHARD_COUNTS; do
			for i in $(seq 1 "$SHARD_RUNS"); do
				for k in $(seq 1 "$n"); do measure "$corpus" "shard-$k/$n" "$i"; done
			done
			shard_jsons=()
			for k in $(seq 1 "$n"); do shard_jsons+=("$RESULTS/$corpus.shard-${k}of$n.json"); done
			verdict=$( (cd "$CORPUS_DIR/$corpus" && "$OUT/tfreview" merge --format json --output "$RESULTS/$corpus.merged-$n.json" "${shard_jsons[@]}" >/dev/null 2>"$RESULTS/$corpus.merged-$n.stderr") || true
				"$OUT/report" same "$RESULTS/$corpus.merged-$n.json" "$RESULTS/$corpus.tfreview.json" 2>&1 | head -3 | paste -sd' ' -)
			printf '%s\t%s\t%s\n' "$corpus" "$n" "$verdict" >>"$MERGES"
			log "$corpus: merge of $n shards: $verdict"
		done
	fi
	rm -rf "$RESULTS/cache-warm-$corpus"
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
fi # TREEMEM_ONLY

# Process-tree memory: GNU time's peak RSS is the largest single process
# (ru_maxrss), and tfreview evaluates root modules in worker processes, so
# its figure leaves the workers out. One more run of each scanner per
# corpus under bench/treemem, which samples the PSS (shared pages split
# between the processes sharing them) of the whole tree every 20 ms.
[ -f "$TREEMEM_TSV" ] || printf 'corpus\ttool\tpeak_pss_kb\tpeak_rss_sum_kb\tprocesses\n' >"$TREEMEM_TSV"
for corpus in ${TREEMEM_CORPORA:-$CORPORA}; do
	awk -F'\t' -v c="$corpus" '$1 != c' "$TREEMEM_TSV" >"$TREEMEM_TSV.tmp" && mv "$TREEMEM_TSV.tmp" "$TREEMEM_TSV"
	for t in tfreview trivy tfsec; do
		[ "$t" = tfsec ] && [ -n "$TFSEC_ERROR" ] && continue
		(cd "$CORPUS_DIR/$corpus" && eval "$OUT/treemem timeout --kill-after=10 $TIMEOUT $(command_for "$t" /dev/null "$corpus")" >/dev/null 2>"$RESULTS/treemem.stderr") || true
		rm -rf "$RESULTS"/trivy-cache-*
		m=$(awk '/^treemem: / && $2 > 0 {print $2 "\t" $3 "\t" $4}' "$RESULTS/treemem.stderr" | tail -1)
		[ -n "$m" ] && printf '%s\t%s\t%s\n' "$corpus" "$t" "$m" >>"$TREEMEM_TSV"
		log "$corpus $t process tree: ${m:-not measured} (PSS kB, RSS sum kB, processes)"
	done
done

if [ "${TREEMEM_ONLY:-}" != 1 ]; then
{
	printf 'COMMIT=%q\nLOAD_BEFORE=%q\nLOAD_AFTER=%q\nRUNS=%q\nRUNS_BIG=%q\nSEED=%q\n' "$(git rev-parse --short HEAD)" "$LOAD_BEFORE" "$LOAD_AFTER" "$RUNS" "$RUNS_BIG" "$SEED"
	printf 'BASE_REV=%q\nBASE_CORPORA=%q\nSAME_INPUTS_CORPORA=%q\nTRIVY_VERSION=%q\n' "$BASE_REV" "$BASE_CORPORA" "$SAME_INPUTS_CORPORA" "$TRIVY_VERSION"
	printf 'TFSEC_VERSION=%q\nTFSEC_ERROR=%q\nCACHE_CORPORA=%q\nSHARD_CORPUS=%q\nSHARD_COUNTS=%q\nSHARD_RUNS=%q\n' "$TFSEC_VERSION" "$TFSEC_ERROR" "$CACHE_CORPORA" "$SHARD_CORPUS" "$SHARD_COUNTS" "$SHARD_RUNS"
} >"$META"
fi
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
which tool went first (A B C, C B A, …). Wall time and peak RSS come from \`/usr/bin/time -v\`; CPU is user + system
time. Ratios are of medians. \`parseonly\` only reads and HCL-parses the same files on all cores
([bench/parseonly](../bench/parseonly/main.go)): the floor for any scanner.
\`tfreview-trivy-inputs\` is \`tfreview scan --engines trivy --skip-files '*.tfvars'\`: the same work \`trivy config\` does (Trivy's CLI
loads no tfvars, so on these corpora it evaluates fewer resources than tfreview's full scan), on: $SAME_INPUTS_CORPORA.
\`tfreview-cache-cold\` is \`tfreview scan --cache-dir\` with an empty cache directory (it fills it), \`tfreview-cache-warm\` the same
scan of the unchanged tree with the cache an untimed run filled, on: $CACHE_CORPORA.
\`tfsec\` is tfsec $TFSEC_VERSION (its last release; tfsec is deprecated in favour of Trivy), all severities, scanning every directory
(\`--force-all-dirs\`, see [Commands](#commands)): it runs its own Go checks, not Trivy's Rego ones, loads no tfvars and no
Kubernetes YAML, so its findings count differently.
$( [ -n "$TFSEC_ERROR" ] && printf '\n**tfsec could not be built here**, so it is missing from the table; `go install` said:\n\n```\n%s\n```\n' "$TFSEC_ERROR" )
$( [ -n "$BASE_REV" ] && echo "\`tfreview-base\` is tfreview built at $BASE_REV, before the performance work (and before later built-in rules, which only add work to the current build), on: $BASE_CORPORA." )

$( [ -s "$REMEASURED" ] && echo "Re-measured with \`APPEND=1\` after the full run, the other corpora's runs kept: $(paste -sd';' "$REMEASURED")." )

**Machine load.** The machine was shared while this ran: load average $loads; $LOAD_BEFORE before and
$LOAD_AFTER after the run, on $(nproc) cores; the benchmark itself adds about 1 (trivy) to 2 (tfreview's two
workers) while it runs. Wall times are noisy under this load, which is why runs
alternate and the ratios, taken side by side, matter more than the absolute seconds; CPU time is the
steadier figure.

EOF
	"$OUT/report" table "$RUNS_TSV" "$CORPUS_DIR/corpora.tsv" "$MERGES" "$RESULTS/treemem.tsv"
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
- tfsec: $("$TFSEC" --version 2>/dev/null | head -1 || echo "not built"), built by \`CGO_ENABLED=0 GOFLAGS=-mod=mod go install -ldflags '-s -w -X github.com/aquasecurity/tfsec/version.Version=$TFSEC_VERSION' github.com/aquasecurity/tfsec/cmd/tfsec@$TFSEC_VERSION\` from the Go module proxy

## Corpora

Generated by [bench/gen](../bench/gen/main.go), deterministic for a seed (here $SEED):
\`go -C bench run ./gen -out corpus -seed $SEED\`. In the growth corpora (\`roots-*\`), \`small\` and \`large\`, each root module has \`versions.tf\` (terraform,
backend, provider), \`variables.tf\` (defaults, objects, one variable with no default), \`terraform.tfvars\`,
\`locals.tf\`, two to six service files drawn from thirteen AWS services (S3, security groups with dynamic
ingress, EC2/EBS/launch templates, RDS, IAM/KMS, CloudTrail/CloudWatch, Lambda, SQS/SNS, DynamoDB, EKS,
ALB, ECR, ElastiCache) with \`count\`, \`for_each\` and settings drawn secure or insecure, calls to shared local
modules (one of them calling two others), registry and git module calls that cannot be resolved offline,
some \`.tf.json\`, and \`outputs.tf\`.

Two corpora are shaped after public repositories (which are not available offline, so they are generated too):

- \`eks-shaped\`, after [terraform-aws-eks](https://github.com/terraform-aws-modules/terraform-aws-eks): the
  repository's top directory is one large module (an EKS cluster, its IAM role and policy documents, KMS key,
  CloudWatch log group, access entries flattened from nested maps, add-ons, cluster and node security groups with
  rules merged from maps in locals, about 75 variables) calling six local submodules with \`for_each\`
  (managed and self-managed node groups with launch templates full of nested \`dynamic\` blocks and an
  autoscaling group, Fargate profiles, Karpenter with its SQS queue, EventBridge rules and IAM policy documents,
  a hybrid-node role, and user data built from heredocs); the node-group modules call the user-data module. Ten
  root modules under \`examples/\` and \`tests/\` call the top module with maps of node groups, access entries and
  Fargate profiles drawn secure or insecure, the registry \`vpc\` module (not resolvable offline), and resources of
  their own; the examples carry Kubernetes YAML manifests (deployments, daemon sets, RBAC) and the top a
  non-Kubernetes YAML file. Every root evaluates the whole module tree.
- \`terragoat-shaped\`, after [TerraGoat](https://github.com/bridgecrewio/terragoat): four AWS, three Azure and three
  GCP root modules under \`terraform/\`, each a flat directory of service files (EC2/VPC, S3, RDS, IAM, KMS, Lambda,
  ELB, EKS, Elasticsearch, Neptune, ECR, CloudTrail; storage accounts, network security groups, VMs, Key Vault,
  SQL/PostgreSQL/MySQL servers, AKS, App Service, Security Center; Compute, firewalls, GCS, GKE, Cloud SQL,
  BigQuery, IAM) of deliberately insecure resources with literal attributes and hard-coded credentials, each
  resource once or twice per root; no modules, no \`for_each\`.

| corpus | files | .tf files | lines | root modules | resource blocks | what |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
EOF
	tail -n +2 "$CORPUS_DIR/corpora.tsv" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'
	cat <<EOF

## Commands

Run inside each corpus directory:

\`\`\`sh
bench/out/tfreview scan . --format json --output OUT.json
trivy config --quiet --timeout 1800s --skip-check-update --disable-telemetry --skip-version-check \\
  --misconfig-scanners terraform --cache-dir EMPTY_TMP_DIR --format json --output OUT.json .
tfsec . --force-all-dirs --no-module-downloads --no-color --soft-fail --format json --out OUT.json
bench/out/parseonly .
bench/out/tfreview scan . --cache-dir DIR --format json --output OUT.json          # cache-cold (DIR empty), cache-warm (DIR filled)
bench/out/tfreview scan . --shard K/N --show-ignored --format json --output SHARD-K.json
bench/out/tfreview merge --format json --output MERGED.json SHARD-1.json ... SHARD-N.json
\`\`\`

On a corpus holding YAML files (\`eks-shaped\`) Trivy runs with \`--misconfig-scanners terraform,kubernetes\`, since
tfreview checks Kubernetes manifests wherever they are; tfsec has no Kubernetes scanner.

tfsec's own search for root modules is breadth-first and stops at the shallowest directories that hold \`.tf\`
files: on \`large\` that is \`modules/*\`, and the 150 roots under \`live/\` are never scanned (12 findings in 1.3 s);
on \`eks-shaped\` only the top module would be. \`--force-all-dirs\` makes it scan every directory holding \`.tf\`
files (local modules included, on their own with default inputs, as well as through their callers), so it covers
at least the root modules tfreview and Trivy scan (those no other directory calls). tfsec loads no tfvars unless
given \`--tfvars-file\`, like Trivy's CLI. It has no update check or telemetry; with \`--no-module-downloads\` it
made no \`connect\` call at all under \`strace -f -e trace=connect\` (\`small\` and \`large\`).

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
