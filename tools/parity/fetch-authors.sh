#!/usr/bin/env bash
# Run HERE (the development machine): fills the git-ignored .authors/ with the authors' code and
# mamba's source, from git mirrors already on this machine, for tools/device/authors-bench.sh and
# the parity tools. Nothing of it is ever committed (.gitignore lists /.authors/).
#   .authors/MambaGNOT, MambaGalerkinTransformer, MambaOFormer  <- github.com/Math-ML-X/Mamba-Neural-Operator
#   .authors/mamba/{mamba_ssm,csrc/selective_scan,setup.py}       <- github.com/state-spaces/mamba (commit MAMBA_COMMIT)
# Usage: tools/parity/fetch-authors.sh MNO_MIRROR MAMBA_MIRROR
#   e.g. with the session's `fetch` tool: tools/parity/fetch-authors.sh \
#        /work/.mirror/Math-ML-X+Mamba-Neural-Operator/repo /work/.mirror/state-spaces+mamba/repo
# (MNO_MIRROR and MAMBA_MIRROR: git directories, bare or not.) The mamba commit measured in
# docs/performance.md is e9594ce; MAMBA_COMMIT overrides it (HEAD: the mirror's newest).
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 MNO_MIRROR MAMBA_MIRROR (git directories of the two repositories)" >&2; exit 2; }
MNO_GIT=$1 MAMBA_GIT=$2
MAMBA_COMMIT=${MAMBA_COMMIT:-e9594ce}
for g in "$MNO_GIT" "$MAMBA_GIT"; do
  git --git-dir="$g" rev-parse --verify -q HEAD >/dev/null 2>&1 || git -C "$g" rev-parse --verify -q HEAD >/dev/null \
    || { echo "fetch-authors: '$g' is not a git directory" >&2; exit 2; }
done
gitd() { if git --git-dir="$1" rev-parse -q HEAD >/dev/null 2>&1; then echo "--git-dir=$1"; else echo "-C $1"; fi; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=$ROOT/.authors
TMP=$(mktemp -d "$ROOT/.authors.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# shellcheck disable=SC2046
git $(gitd "$MNO_GIT") archive HEAD MambaGNOT MambaGalerkinTransformer MambaOFormer | tar -x -C "$TMP"
mkdir -p "$TMP/mamba"
# shellcheck disable=SC2046
git $(gitd "$MAMBA_GIT") archive "$MAMBA_COMMIT" mamba_ssm csrc/selective_scan setup.py | tar -x -C "$TMP/mamba"
# shellcheck disable=SC2046
{ echo "Math-ML-X/Mamba-Neural-Operator $(git $(gitd "$MNO_GIT") rev-parse HEAD)";
  echo "state-spaces/mamba $(git $(gitd "$MAMBA_GIT") rev-parse "$MAMBA_COMMIT")"; } > "$TMP/SOURCES"
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
echo "fetch-authors: .authors/ filled:"; cat "$DEST/SOURCES"; du -sh "$DEST"
