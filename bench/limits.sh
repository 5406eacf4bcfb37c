#!/usr/bin/env bash
# Time and peak memory of `tfreview scan` on hostile trees (issue: bounded
# work). Peak RSS is GNU time's: the largest of the scan and the
# evaluation workers it waited for. Each case is generated into a temp dir next to a small good file;
# the table says what tfreview reported about it.
# Usage: bench/limits.sh [path/to/tfreview]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-}"
if [ -z "$bin" ]; then
  bin=$(mktemp -d)/tfreview
  go build -o "$bin" ./cmd/tfreview
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT

good='resource "aws_ebs_volume" "good" {
  availability_zone = "eu-west-1a"
  encrypted         = false
}'

mk() { mkdir -p "$work/$1"; printf '%s\n' "$good" >"$work/$1/good.tf"; }

mk big;       python3 -c "import sys; sys.stdout.write('locals {\n' + ''.join('  v%d = \"%s\"\n' % (i, 'x'*60) for i in range(700000)) + '}\n')" >"$work/big/big.tf"
mk files;     for i in $(seq 1 10000); do printf 'resource "aws_sqs_queue" "q%d" {\n  name = "q%d"\n}\n' "$i" "$i" >"$work/files/f$i.tf"; done
mk nesting;   python3 -c "n=200000; print('locals {\n  x = ' + '['*n + ']'*n + '\n}')" >"$work/nesting/deep.tf"
mk selfmod;   printf 'module "self" {\n  source = "./"\n}\n' >"$work/selfmod/self.tf"
mk cycle;     mkdir -p "$work/cycle/a" "$work/cycle/b"; printf 'module "a" {\n  source = "./a"\n}\n' >"$work/cycle/root.tf"; printf 'module "b" {\n  source = "../b"\n}\n' >"$work/cycle/a/main.tf"; printf 'module "a" {\n  source = "../a"\n}\n' >"$work/cycle/b/main.tf"
mk escape;    printf 'module "etc" {\n  source = "../../../../../../etc"\n}\n' >"$work/escape/escape.tf"
mk symlinks;  ln -s /etc "$work/symlinks/etc"; ln -s . "$work/symlinks/loop"; ln -s /etc/passwd "$work/symlinks/passwd.tf"
mk unreadable; printf '%s\n' "$good" >"$work/unreadable/secret.tf"; chmod 000 "$work/unreadable/secret.tf"
mk binary;    head -c 100000 /dev/urandom >"$work/binary/random.tf"; printf 'resource "x" "caf\xe9" {}\n' >"$work/binary/latin1.tf"
mk count;     printf 'resource "aws_ebs_volume" "many" {\n  count     = 10000000\n  encrypted = false\n}\n' >"$work/count/count.tf"
mk foreach;   printf 'resource "aws_ebs_volume" "many" {\n  for_each  = toset([for i in range(100000000) : tostring(i)])\n  encrypted = false\n}\n' >"$work/foreach/foreach.tf"
mk countvar;  printf 'variable "n" {\n  default = 10000000\n}\nresource "aws_ebs_volume" "many" {\n  count     = var.n\n  encrypted = false\n}\n' >"$work/countvar/count.tf"
mk countjson; printf '{"resource": {"aws_ebs_volume": {"many": {"count": "${10000 * 1000}", "encrypted": false}}}}\n' >"$work/countjson/count.tf.json"
mk bigset;    printf 'locals {\n  ids = toset(flatten([for a in range(1000) : [for b in range(1000) : "${a}-${b}"]]))\n}\nresource "aws_ebs_volume" "many" {\n  for_each  = local.ids\n  encrypted = false\n}\n' >"$work/bigset/foreach.tf"
mk dynamic;   printf 'resource "aws_security_group" "g" {\n  dynamic "ingress" {\n    for_each = range(1024)\n    content {\n      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n' >"$work/dynamic/dynamic.tf"
mk nested;    mkdir -p "$work/nested/m"; printf 'module "m" {\n  count  = 1000\n  source = "./m"\n}\n' >"$work/nested/main.tf"; printf 'resource "aws_ebs_volume" "v" {\n  count     = 1000\n  encrypted = false\n}\n' >"$work/nested/m/main.tf"
mk membomb;   python3 -c "print('locals {\n  a00 = \"xxxxxxxxxxxxxxxx\"'); [print('  a%02d = \"\${local.a%02d}\${local.a%02d}\"' % (i, i-1, i-1)) for i in range(1, 41)]; print('}')" >"$work/membomb/bomb.tf"
mk biglist;   python3 -c "import sys; sys.stdout.write('locals {\n  x = [' + '1,' * 4950000 + ']\n}\n')" >"$work/biglist/list.tf"
mk stackbomb; python3 -c "print('locals {\n  x = ' + '!'*3000000 + 'true\n}')" >"$work/stackbomb/bang.tf"
mk jsonbomb;  python3 -c "n=500000; print('{\"locals\": {\"x\": \"\${' + '('*n + '1' + ')'*n + '}\"}}')" >"$work/jsonbomb/deep.tf.json"
mk outside;   printf 'locals {\n  a = file("/etc/passwd")\n  b = file("../../../../etc/passwd")\n  c = fileset("/", "etc/*")\n  d = templatefile("/etc/hostname", {})\n}\n' >"$work/outside/outside.tf"

printf '| case | wall s | peak RSS MiB | exit | what tfreview said |\n|---|---|---|---|---|\n'
for c in big files nesting selfmod cycle escape symlinks unreadable binary count countvar countjson foreach bigset dynamic nested outside membomb biglist stackbomb jsonbomb; do
  out="$work/$c.json"; tim="$work/$c.time"
  set +e
  /usr/bin/time -f '%e %M' -o "$tim" "$bin" scan "$work/$c" --format json --output "$out" 2>"$work/$c.err"
  code=$?
  set -e
  read -r wall rss < <(tail -1 "$tim") || true
  said=$(python3 - "$out" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("no report: %s" % e); sys.exit()
good = any(f["rule_id"] == "AWS-0026" and f["range"]["file"].endswith("good.tf") for f in d["findings"])
parse = [f["message"][:70] for f in d["findings"] if f["rule_id"] == "TFR-PARSE"]
notes = [n["kind"] for n in d["notes"]]
bits = ["good.tf finding %s" % ("kept" if good else "LOST")]
if parse: bits.append("TFR-PARSE x%d (%s)" % (len(parse), parse[0]))
ev = [f["message"][:60] for f in d["findings"] if f["rule_id"] == "TFR-EVAL"]
if ev: bits.append("TFR-EVAL (%s)" % ev[0])
if notes: bits.append("notes: " + ", ".join(sorted(set(notes))))
bits.append("%d findings" % len(d["findings"]))
print("; ".join(bits).replace("|", "/"))
PY
)
  printf '| %s | %s | %s | %s | %s |\n' "$c" "$wall" "$((rss / 1024))" "$code" "$said"
done
