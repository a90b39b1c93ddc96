#!/usr/bin/env bash
# Regenerates the Rust bindings of schema/schema.fbs into
# crates/model/src/generated/schema.rs with schema/generate_rust.py.
#
#   schema/regenerate.sh          rewrite the committed bindings
#   schema/regenerate.sh --check  fail (showing a diff) if they are stale
#
# Needs only python3 (the generator has no dependencies).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
schema="$here/schema.fbs"
committed="$root/crates/model/src/generated/schema.rs"

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/generate_rust.py" "$schema" "$work/schema.rs"

if [[ "$check" == 1 ]]; then
  if ! diff -u "$committed" "$work/schema.rs"; then
    echo "error: $committed is stale; run schema/regenerate.sh" >&2
    exit 1
  fi
  echo "generated bindings are up to date"
else
  mkdir -p "$(dirname "$committed")"
  cp "$work/schema.rs" "$committed"
  echo "wrote $committed"
fi
