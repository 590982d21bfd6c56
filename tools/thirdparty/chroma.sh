#!/usr/bin/env bash
# Rebuilds third_party/chroma from a chroma release: the same code, with only
# the lexers and styles pmdev's docs use. Every lexer and style file chroma
# ships is parsed at package init (~45 ms on a 2-core machine), before main
# runs, in every pmdev process, so the full set would sit on the console's
# start path. Usage: tools/thirdparty/chroma.sh [version]   (from the repo root)
set -euo pipefail
version=${1:-v2.14.0}
# Fence languages of the docs (see TestEveryDocsCodeLanguageHasALexer), common
# ones readers paste, and the XML files chroma's Go-coded lexers load by name.
lexers="bash bash_session c c# c++ common_lisp css dart diff dns docker elixir emacslisp go_template
graphql hcl html ini java javascript json kotlin lua makefile mysql nginx_configuration_file perl php
plaintext postgresql_sql_dialect powershell properties protocol_buffer python python_2 react ruby
rust scala sql swift terraform toml typescript typoscriptcssdata typoscripthtmldata xml yaml zed"
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
