package apidocs

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/penguinmails/pmdev/models"
)

// Lang is a code-example language.
type Lang int

// Languages in the order `l` cycles through them.
const (
	LangCurl Lang = iota
	LangGo
	LangNode
	LangPython
	LangPHP
	LangRuby
	numLangs
)

// Name is the language's display name.
func (l Lang) Name() string {
	return [...]string{"cURL", "Go", "Node.js", "Python", "PHP", "Ruby"}[l]
}

// fence is the Markdown info string used for syntax highlighting.
func (l Lang) fence() string {
	return [...]string{"bash", "go", "javascript", "python", "php", "ruby"}[l]
}

// Next is the language after l, wrapping around.
func (l Lang) Next() Lang { return (l + 1) % numLangs }

// Placeholder credentials shown in examples; never a real secret.
const (
	PlaceholderKey   = "pm_test_YOUR_API_KEY"
	PlaceholderToken = "pm_pat_YOUR_TOKEN"
)

// RequestURL is the full URL of op with path parameters filled from values
// (falling back to the examples) and the required query parameters added.
func RequestURL(op models.DocOperation, baseURL string, values map[string]string) string {
	p := op.Path
	q := url.Values{}
	for _, prm := range op.Params {
		v, ok := values[prm.Name]
		if !ok {
			v = prm.Example
		}
		switch prm.In {
		case "path":
			p = strings.ReplaceAll(p, "{"+prm.Name+"}", url.PathEscape(v))
		case "query":
			if v != "" && (ok || prm.Required) {
				q.Set(prm.Name, v)
			}
		}
	}
	u := strings.TrimRight(baseURL, "/") + p
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func credential(op models.DocOperation) string {
	switch op.Auth {
	case models.DocAuthAPIKey:
		return PlaceholderKey
	case models.DocAuthToken:
		return PlaceholderToken
	}
	return ""
}

// Snippet is op as a ready-to-run program in lang.
func Snippet(lang Lang, op models.DocOperation, baseURL string) string {
	u := RequestURL(op, baseURL, nil)
	cred := credential(op)
	body := op.Body
	switch lang {
	case LangGo:
		return goSnippet(op.Method, u, cred, body)
	case LangNode:
		return nodeSnippet(op.Method, u, cred, body)
	case LangPython:
		return pythonSnippet(op.Method, u, cred, body)
	case LangPHP:
		return phpSnippet(op.Method, u, cred, body)
	case LangRuby:
		return rubySnippet(op.Method, u, cred, body)
	}
	return curlSnippet(op.Method, u, cred, body)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func curlSnippet(method, u, cred, body string) string {
	var b strings.Builder
	b.WriteString("curl")
	if method != "GET" {
		b.WriteString(" -X " + method)
	}
	b.WriteString(" " + shellQuote(u))
	if cred != "" {
		b.WriteString(" \\\n  -H " + shellQuote("Authorization: Bearer "+cred))
	}
	if body != "" {
		b.WriteString(" \\\n  -H 'Content-Type: application/json'")
		b.WriteString(" \\\n  -d " + shellQuote(body))
	}
	return b.String()
}

func goSnippet(method, u, cred, body string) string {
	var b strings.Builder
	imports := []string{"fmt", "io", "net/http"}
	bodyExpr := "nil"
	if body != "" {
		imports = append(imports, "strings")
		lit := "`" + body + "`"
		if strings.Contains(body, "`") {
			lit = strconv.Quote(body)
		}
		bodyExpr = "strings.NewReader(" + lit + ")"
	}
	b.WriteString("package main\n\nimport (\n")
	for _, i := range imports {
		fmt.Fprintf(&b, "\t%q\n", i)
	}
	b.WriteString(")\n\nfunc main() {\n")
	fmt.Fprintf(&b, "\treq, err := http.NewRequest(%q, %q, %s)\n", method, u, bodyExpr)
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	if cred != "" {
		fmt.Fprintf(&b, "\treq.Header.Set(\"Authorization\", %q)\n", "Bearer "+cred)
	}
	if body != "" {
		b.WriteString("\treq.Header.Set(\"Content-Type\", \"application/json\")\n")
	}
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	b.WriteString("\tdefer resp.Body.Close()\n\tout, _ := io.ReadAll(resp.Body)\n")
	b.WriteString("\tfmt.Println(resp.Status, \"remaining:\", resp.Header.Get(\"X-RateLimit-Remaining\"))\n")
	b.WriteString("\tfmt.Println(string(out))\n}")
	return b.String()
}

func indentTail(s, pad string) string { return strings.ReplaceAll(s, "\n", "\n"+pad) }

func nodeSnippet(method, u, cred, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "const res = await fetch(%s, {\n  method: %q,\n", strconv.Quote(u), method)
	if cred != "" || body != "" {
		b.WriteString("  headers: {\n")
		if cred != "" {
			fmt.Fprintf(&b, "    Authorization: %q,\n", "Bearer "+cred)
		}
		if body != "" {
			b.WriteString("    \"Content-Type\": \"application/json\",\n")
		}
		b.WriteString("  },\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "  body: JSON.stringify(%s),\n", indentTail(body, "  "))
	}
	b.WriteString("});\nconsole.log(res.status, res.headers.get(\"x-ratelimit-remaining\"));\nconsole.log(await res.json());")
	return b.String()
}

// pythonLiteral turns JSON into a Python literal (true → True, …).
func pythonLiteral(js string) string {
	var b strings.Builder
	inStr, esc := false, false
	for i := 0; i < len(js); i++ {
		c := js[i]
		if inStr {
			b.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			b.WriteByte(c)
		case strings.HasPrefix(js[i:], "true"):
			b.WriteString("True")
			i += 3
		case strings.HasPrefix(js[i:], "false"):
			b.WriteString("False")
			i += 4
		case strings.HasPrefix(js[i:], "null"):
			b.WriteString("None")
			i += 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func pythonSnippet(method, u, cred, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "import requests\n\nresp = requests.request(\n    %q,\n    %q,\n", method, u)
	if cred != "" {
		fmt.Fprintf(&b, "    headers={\"Authorization\": %q},\n", "Bearer "+cred)
	}
	if body != "" {
		fmt.Fprintf(&b, "    json=%s,\n", indentTail(pythonLiteral(body), "    "))
	}
	b.WriteString("    timeout=10,\n)\nprint(resp.status_code, resp.headers.get(\"X-RateLimit-Remaining\"))\nprint(resp.json())")
	return b.String()
}

func phpQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func phpSnippet(method, u, cred, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?php\n$ch = curl_init(%s);\ncurl_setopt_array($ch, [\n", phpQuote(u))
	fmt.Fprintf(&b, "    CURLOPT_CUSTOMREQUEST => %s,\n    CURLOPT_RETURNTRANSFER => true,\n", phpQuote(method))
	if cred != "" || body != "" {
		b.WriteString("    CURLOPT_HTTPHEADER => [\n")
		if cred != "" {
			fmt.Fprintf(&b, "        %s,\n", phpQuote("Authorization: Bearer "+cred))
		}
		if body != "" {
			b.WriteString("        'Content-Type: application/json',\n")
		}
		b.WriteString("    ],\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "    CURLOPT_POSTFIELDS => <<<'JSON'\n%s\nJSON,\n", body)
	}
	b.WriteString("]);\n$body = curl_exec($ch);\necho curl_getinfo($ch, CURLINFO_HTTP_CODE), \"\\n\", $body, \"\\n\";")
	return b.String()
}

func rubySnippet(method, u, cred, body string) string {
	class := strings.ToUpper(method[:1]) + strings.ToLower(method[1:])
	var b strings.Builder
	fmt.Fprintf(&b, "require \"net/http\"\n\nuri = URI(%q)\nreq = Net::HTTP::%s.new(uri)\n", u, class)
	if cred != "" {
		fmt.Fprintf(&b, "req[\"Authorization\"] = %q\n", "Bearer "+cred)
	}
	if body != "" {
		b.WriteString("req[\"Content-Type\"] = \"application/json\"\n")
		fmt.Fprintf(&b, "req.body = <<~'JSON'\n  %s\nJSON\n", indentTail(body, "  "))
	}
	b.WriteString("res = Net::HTTP.start(uri.hostname, uri.port, use_ssl: uri.scheme == \"https\") do |http|\n  http.request(req)\nend\nputs res.code, res[\"X-RateLimit-Remaining\"]\nputs res.body")
	return b.String()
}

// Expand replaces each operation marker of a page with its code example in
// lang, so readers see runnable requests against baseURL.
func Expand(md string, lang Lang, baseURL string) string {
	if !strings.Contains(md, "<!-- pmdev:op ") {
		return md
	}
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		op, ok := models.ParseDocOpMarker(l)
		if !ok {
			continue
		}
		lines[i] = fmt.Sprintf("### Example request (%s)\n\n```%s\n%s\n```", lang.Name(), lang.fence(), Snippet(lang, op, baseURL))
	}
	return strings.Join(lines, "\n")
}
