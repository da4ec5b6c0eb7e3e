#!/usr/bin/env bash
# Build careerloop's sdist and wheel and check them as a user would meet them:
# `twine check` (what PyPI renders and accepts), the license inside the wheel, then the
# wheel installed into a brand-new venv, where `careerloop --version` must print the
# package's version and `careerloop demo` must write the sample reviews.
#
# Usage: scripts/check_dist.sh [OUTDIR]
#   OUTDIR  where the sdist and wheel are left (default: a temporary folder, removed).
#   PYTHON  a Python with `build` and `twine` (default: .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
outdir="${1:-$scratch/dist}"

# The sdist is built first and the wheel from it, so a file missing from the sdist fails here.
"$python" -m build --quiet --outdir "$outdir" . >"$scratch/build.log" 2>&1 \
  || { cat "$scratch/build.log" >&2; exit 1; }
shopt -s nullglob
wheels=("$outdir"/careerloop-*.whl)
sdists=("$outdir"/careerloop-*.tar.gz)
if [ "${#wheels[@]}" -ne 1 ] || [ "${#sdists[@]}" -ne 1 ]; then
  echo "check_dist: expected one wheel and one sdist in $outdir" >&2
  exit 1
fi
wheel="${wheels[0]}"
"$python" -m twine check --strict "$wheel" "${sdists[0]}"

# The version from the wheel's own name (careerloop-X.Y.Z-py3-none-any.whl).
version="$(basename "$wheel")"
version="${version#careerloop-}"
version="${version%%-*}"

"$python" - "$wheel" <<'PY'
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
licenses = [n for n in names if ".dist-info/licenses/" in n]
needed = ["careerloop/templates/monthly.md.j2", "careerloop/config.example.toml"]
missing = [n for n in needed if n not in names]
if not licenses or missing:
    sys.exit(f"check_dist: the wheel lacks {'the license' if not licenses else missing}")
print(f"wheel carries {', '.join(licenses)}")
PY

"$python" -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" \
  >"$scratch/install.log" 2>&1 || { cat "$scratch/install.log" >&2; exit 1; }
printed="$("$scratch/venv/bin/careerloop" --version)"
if [ "$printed" != "careerloop $version" ]; then
  echo "check_dist: careerloop --version printed '$printed', the wheel is $version" >&2
  exit 1
fi
(cd "$scratch" && venv/bin/careerloop demo --out "$scratch/demo" >"$scratch/demo.log" 2>&1) \
  || { cat "$scratch/demo.log" >&2; exit 1; }
test -f "$scratch/demo/reviews/index.html" \
  || { echo "check_dist: careerloop demo wrote no reviews/index.html" >&2; exit 1; }
echo "check_dist: careerloop $version built, checked, installed and ran in a clean venv"
