#!/usr/bin/env bash
# Rebuilds third_party/glamour from a glamour release with one change: raw HTML
# is reduced to its text by golang.org/x/net/html's tokenizer instead of
# bluemonday, whose package init (with its CSS parser's) costs ~6 ms in every
# pmdev process. Usage: tools/thirdparty/glamour.sh [version]   (from the repo root)
set -euo pipefail
version=${1:-v2.0.1}
src=$(go mod download -json "charm.land/glamour/v2@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
dst=third_party/glamour
rm -rf "$dst"
mkdir -p "$dst"
(cd "$src" && tar cf - --exclude=testdata --exclude=.github --exclude=examples --exclude=gallery \
	--exclude=generate-style-json --exclude='*_test.go' --exclude='*.sh' --exclude=Taskfile.yml .) | tar xf - -C "$dst"
chmod -R u+w "$dst"
patch -s -d "$dst" -p1 < tools/thirdparty/glamour.patch
(cd "$dst" && go mod edit -droprequire github.com/microcosm-cc/bluemonday -require golang.org/x/net@v0.39.0 \
	-droprequire github.com/charmbracelet/x/exp/golden)
echo "third_party/glamour: glamour $version with tools/thirdparty/glamour.patch"
