#!/usr/bin/env bash
# Rebuilds third_party/chroma from a chroma release: the same code, with only
# the lexers and styles pmdev's docs use. Every lexer and style file chroma
# ships is parsed at package init (~45 ms on a 2-core machine), before main
# runs, in every pmdev process, so the full set would sit on the console's
# start path. Usage: tools/thirdparty/chroma.sh [version]   (from the repo root)
set -euo pipefail
version=${1:-v2.14.0}
# The docs' fence languages (TestEveryDocsCodeLanguageHasALexer; Go and HTTP are
# Go-coded lexers) and the XML files chroma's Go-coded lexers load at init.
lexers="bash bash_session go_template html ini javascript json nginx_configuration_file php plaintext
python ruby sql typescript yaml common_lisp emacslisp dns mysql zed"
# swapoff is chroma's fallback style; glamour registers its own "charm" style.
styles="swapoff monokai github github-dark dracula"

src=$(go mod download -json "github.com/alecthomas/chroma/v2@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
dst=third_party/chroma
rm -rf "$dst"
mkdir -p "$dst"
(cd "$src" && tar cf - --exclude=testdata --exclude=_tools --exclude=bin --exclude=cmd --exclude='*_test.go' .) | tar xf - -C "$dst"
chmod -R u+w "$dst"
find "$dst/lexers/embedded" -name '*.xml' | while read -r f; do
	n=$(basename "$f" .xml)
	[[ " $(echo $lexers) " == *" $n "* ]] || rm "$f"
done
find "$dst/styles" -maxdepth 1 -name '*.xml' | while read -r f; do
	n=$(basename "$f" .xml)
	[[ " $styles " == *" $n "* ]] || rm "$f"
done
echo "third_party/chroma: chroma $version, $(ls "$dst/lexers/embedded" | wc -l) lexer files, $(ls "$dst/styles"/*.xml | wc -l) styles"
