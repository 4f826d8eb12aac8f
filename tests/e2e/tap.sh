# tap.sh - sourced by the shell test runners: a temporary directory removed
# on exit ($out), and `check` printing a TAP line named by $name.
# Set `suite` before sourcing.
set -u
out=$(mktemp -d "/tmp/ptriage-$suite-XXXXXX")
trap 'rm -rf "$out"' EXIT
n=0
check() { n=$((n + 1)); if "$@"; then echo "ok $n - $suite $name"; else echo "not ok $n - $suite $name"; fi; }
