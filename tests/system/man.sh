#!/bin/sh
# The man pages against the code: every name a user can type or read that
# the code knows must be in the page that documents it.
#   man.sh BUILD_DIR SOURCE_DIR
# timingseed.7 (the provider): each openssl.cnf key (the top-level keys
# config.c registers, credit.SOURCE for each source, SOURCE.OPTION from each
# source's option table), each statistic of stats.c as SOURCE.FIELD, each
# error reason string of provider.c, each source name. timingseed.1 (the
# tool): each subcommand and each option its usage strings name.
# The names come from the sources; the source list is cross-checked with
# `timingseed sources --json` when the tool is built. The pages checked are
# the ones pod2man made in BUILD_DIR/man, with the roff markup removed.
set -u
build=$1
src=$2
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# Roff to one line of plain text: font and size escapes, \-, \&, pod2man's
# quote strings go; line breaks become spaces, so a phrase wrapped in the
# source still matches.
plain() {
	perl -0777 -pe '
		s/\\f(\[[^]]*\]|\(..|.)//g;   # fonts
		s/\\s[-+]?\d//g;              # sizes (pod2man shrinks CAPITALS)
		s/\\\*\(([LR]"|[LR]Q)/"/g;    # quotes
		s/\\\*\(Aq/\x27/g;
		s/\\-/-/g; s/\\[&|^]//g; s/\\ / /g; s/\\e/\\/g;
		s/\s+/ /g;
	' "$1"
}

# has FILE NAME: NAME as a whole word (not part of a longer name).
has() {
	TS_WORD=$2 perl -e '
		open my $f, "<", $ARGV[0] or die "$ARGV[0]: $!"; local $/; my $t = <$f>;
		my $w = $ENV{TS_WORD};
		exit($t =~ /(?<![A-Za-z0-9_.-])\Q$w\E(?![A-Za-z0-9_])/ ? 0 : 1);
	' "$1"
}

# check PAGE WHAT NAME...: each NAME in the page.
check() {
	page=$1 what=$2
	shift 2
	missing=""
	for n in "$@"; do
		has "$tmp/$page.txt" "$n" || missing="$missing $n"
	done
	if [ $# -eq 0 ]; then
		fail "$page: no $what found in the code (the extraction is broken)"
	elif [ -z "$missing" ]; then
		ok "$page documents the $# $what"
	else
		fail "$page lacks $what:$missing"
	fi
}

for p in timingseed.1 timingseed.7; do
	if [ -s "$build/man/$p" ]; then
		plain "$build/man/$p" >"$tmp/$p.txt"
		ok "$p built from docs/man/$p.pod"
	else
		fail "$p not built in $build/man (pod2man missing? Debian: apt-get install perl)"
		: >"$tmp/$p.txt"
	fi
done

# ---- names in the code --------------------------------------------------
# Source names: `.name = "..."` of each struct ts_source in sources/.
perl -0777 -ne 'while (/struct ts_source\s+\w+\s*=\s*\{.*?\.name\s*=\s*"([^"]+)"/gs) { print "$1\n" }' \
	"$src"/sources/*.c | sort -u >"$tmp/sources"
# Source options: every {"key", TS_OPT_...} of that file's table, as SOURCE.key.
for f in "$src"/sources/*.c; do
	name=$(perl -0777 -ne 'print $1 if /struct ts_source\s+\w+\s*=\s*\{.*?\.name\s*=\s*"([^"]+)"/s' "$f")
	[ -n "$name" ] || continue
	perl -0777 -ne 'while (/\{\s*"(\w+)"\s*,\s*TS_OPT_/g) { print "'"$name"'.$1\n" }' "$f"
done | sort -u >"$tmp/options"
# Top-level keys: the pool's fixed[] and after_options[] keys in pool/config.c, and the
# provider's own, add_key(k, "key", NULL) in provider/config.c.
{
	perl -0777 -ne 'while (/(?:fixed|after_options)\[\]\s*=\s*\{(.*?)\}/sg) { print map {"$_\n"} $1 =~ /"(\w+)"/g }' \
		"$src/pool/config.c"
	perl -ne 'print "$1\n" while /add_key\(\s*k\s*,\s*"(\w+)"\s*,\s*NULL\s*\)/g' \
		"$src/provider/config.c"
} | sort -u >"$tmp/keys"
# Statistics: field_names[] in provider/stats.c.
perl -0777 -ne '/field_names\[[^]]*\]\s*=\s*\{(.*?)\};/s and print map {"$_\n"} $1 =~ /"(\w+)"/g' \
	"$src/provider/stats.c" >"$tmp/stats"
# Reason strings: reason_strings[] in provider/provider.c.
perl -0777 -ne '/reason_strings\[\]\s*=\s*\{(.*?)\n\};/s and print map {"$_\n"} $1 =~ /\{\s*TS_R_\w+\s*,\s*"([^"]+)"\s*\}/g' \
	"$src/provider/provider.c" >"$tmp/reasons"
# Subcommands and their usage: the commands[] table of cli/main.c.
perl -0777 -ne '/commands\[\]\s*=\s*\{(.*?)\n\};/s or exit; my $t = $1; $t =~ s/"\s*"//g;
	while ($t =~ /\{\s*"(\w+)"\s*,\s*\w+\s*,\s*"([^"]*)"/g) { print "$1\t$2\n" }' \
	"$src/cli/main.c" >"$tmp/commands"
cut -f1 "$tmp/commands" >"$tmp/command_names"
# Options: every -x / --xxx in those usage strings and in any
# "usage: timingseed ..." message of cli/*.c (adjacent literals joined).
{
	cut -f2 "$tmp/commands"
	perl -0777 -ne 's/"\s*\n\s*"//g; print "$1\n" while /"([^"]*usage: timingseed [^"]*)"/g' "$src"/cli/*.c
} | perl -ne 'print "$1\n" while /(?<![\w-])(--?[a-z][a-z0-9-]*)/g' | sort -u >"$tmp/cli_options"

# Cross-check the source list with the tool, when it is built.
if [ -x "$build/bin/timingseed" ]; then
	if "$build/bin/timingseed" sources --json >"$tmp/json" 2>"$tmp/json.err"; then
		perl -ne 'print "$1\n" while /"name":\s*"([^"]+)"/g' "$tmp/json" | sort -u >"$tmp/sources.cli"
		if cmp -s "$tmp/sources" "$tmp/sources.cli"; then
			ok "the $(wc -l <"$tmp/sources") sources found in sources/*.c are those \`timingseed sources --json\` lists"
		else
			fail "sources/*.c gives '$(tr '\n' ' ' <"$tmp/sources")', the tool '$(tr '\n' ' ' <"$tmp/sources.cli")'"
		fi
	else
		fail "timingseed sources --json: $(cat "$tmp/json.err")"
	fi
else
	echo "skip - $build/bin/timingseed not built: source list not cross-checked"
fi

# ---- the pages ----------------------------------------------------------
# shellcheck disable=SC2046 # one name per line, no spaces in names
check timingseed.7 "top-level openssl.cnf keys" $(cat "$tmp/keys")
# shellcheck disable=SC2046
check timingseed.7 "source names (for credit.SOURCE and the statistics)" $(cat "$tmp/sources")
check timingseed.7 "generic key forms" credit.source source.option
# shellcheck disable=SC2046
check timingseed.7 "source options (SOURCE.OPTION keys)" $(cat "$tmp/options")
# shellcheck disable=SC2046
check timingseed.7 "statistics (SOURCE.FIELD)" $(sed 's/^/source./' "$tmp/stats")
n=0 missing=""
while IFS= read -r r; do
	n=$((n + 1))
	has "$tmp/timingseed.7.txt" "$r" || missing="$missing '$r'"
done <"$tmp/reasons"
if [ "$n" -eq 0 ]; then
	fail "no reason strings found in provider/provider.c"
elif [ -z "$missing" ]; then
	ok "timingseed.7 documents the $n error reasons"
else
	fail "timingseed.7 lacks error reasons:$missing"
fi
check timingseed.7 "contract names and references" TIMING-SEED provider=timingseed \
	TIMINGSEED_DEBUG "timingseed: get_seed" "provider-rand(7ossl)" "EVP_RAND(3ossl)" \
	"config(5ossl)"
# shellcheck disable=SC2046
check timingseed.1 "subcommands" $(cat "$tmp/command_names")
# shellcheck disable=SC2046
check timingseed.1 "options of the usage strings" $(cat "$tmp/cli_options")

# The checker itself must be able to fail: drop one option key from a copy
# of the page and it has to notice.
first=$(head -n 1 "$tmp/options")
if [ -n "$first" ]; then
	perl -pe "s/\\Q$first\\E//g" "$tmp/timingseed.7.txt" >"$tmp/doctored.txt"
	if has "$tmp/doctored.txt" "$first"; then
		fail "self-test: $first removed from the page and still found"
	else
		ok "self-test: a page without $first is caught"
	fi
fi

finish
