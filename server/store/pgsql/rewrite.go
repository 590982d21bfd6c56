package pgsql

import (
	"slices"
	"strconv"
	"strings"
)

// Rewrite turns SQL written for SQLite into PostgreSQL. It knows the few
// constructs the stores use, not SQLite at large:
//
//   - parameters: ? and ?N become $N, numbered as SQLite numbers them (a bare
//     ? is one more than the largest number so far);
//   - INSERT OR IGNORE becomes INSERT … ON CONFLICT DO NOTHING;
//   - LIKE becomes ILIKE (SQLite's LIKE ignores case);
//   - instr(a, b) becomes strpos(a, b);
//   - max(a, b) and min(a, b) with two or more arguments become greatest
//     and least (the aggregates, with one, stay).
//
// Quoted strings, quoted identifiers and comments are left alone.
//
// SQLite lets a statement leave a parameter unused; PostgreSQL does not, so
// the parameters used are renumbered from $1 and args says which argument
// (1-based) each takes.
func Rewrite(q string) (out string, args []int) {
	out, used := rewrite1(q, nil)
	if len(used) == 0 {
		return out, nil
	}
	for n := range used {
		args = append(args, n)
	}
	slices.Sort(args)
	if args[len(args)-1] == len(args) {
		return out, args // 1..n, all used
	}
	renum := make(map[int]int, len(args))
	for i, n := range args {
		renum[n] = i + 1
	}
	// Rare (a statement that skips a parameter), and cached by the caller:
	// a second pass numbers the parameters as they are used.
	out, _ = rewrite1(q, renum)
	return out, args
}

// rewrite1 rewrites q, writing parameter n as $renum[n] (as $n when renum
// is nil), and says which parameters q uses.
func rewrite1(q string, renum map[int]int) (string, map[int]bool) {
	used := map[int]bool{}
	var b strings.Builder
	b.Grow(len(q) + 16)
	maxParam, ignore := 0, false
	returningAt := -1 // where a top-level RETURNING starts in b
	depth := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(q, i)
			b.WriteString(q[i:j])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := maxParam + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			maxParam = max(maxParam, n)
			used[n] = true
			if renum != nil {
				n = renum[n]
			}
			b.WriteString("$" + strconv.Itoa(n))
			i = j
		case c == '(':
			depth++
			b.WriteByte(c)
			i++
		case c == ')':
			depth--
			b.WriteByte(c)
			i++
		case isIdentStart(c):
			j := i
			for j < len(q) && isIdent(q[j]) {
				j++
			}
			word := q[i:j]
			switch strings.ToLower(word) {
			case "insert":
				if k, ok := matchWords(q, j, "or", "ignore"); ok {
					b.WriteString(word)
					ignore = true
					i = k
					continue
				}
			case "like":
				word = "ILIKE"
			case "returning":
				if depth == 0 {
					returningAt = b.Len()
				}
			case "instr":
				if nextNonSpace(q, j) == '(' {
					word = "strpos"
				}
			case "max", "min":
				if nextNonSpace(q, j) == '(' && hasTopLevelComma(q, strings.IndexByte(q[j:], '(')+j) {
					word = map[string]string{"max": "greatest", "min": "least"}[strings.ToLower(word)]
				}
			}
			b.WriteString(word)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	out := b.String()
	if ignore {
		if returningAt >= 0 {
			out = out[:returningAt] + "ON CONFLICT DO NOTHING " + out[returningAt:]
		} else {
			out = strings.TrimRight(out, " \t\n;") + " ON CONFLICT DO NOTHING"
		}
	}
	return out, used
}

// skipQuoted returns the index after the quoted run starting at i (a doubled
// quote stays inside it).
func skipQuoted(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdent(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

func nextNonSpace(q string, i int) byte {
	for ; i < len(q); i++ {
		if q[i] != ' ' && q[i] != '\t' && q[i] != '\n' && q[i] != '\r' {
			return q[i]
		}
	}
	return 0
}

// matchWords reports whether the words follow at i (after white space),
// and where the last one ends.
func matchWords(q string, i int, words ...string) (int, bool) {
	for _, w := range words {
		for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r') {
			i++
		}
		if i+len(w) > len(q) || !strings.EqualFold(q[i:i+len(w)], w) || (i+len(w) < len(q) && isIdent(q[i+len(w)])) {
			return i, false
		}
		i += len(w)
	}
	return i, true
}

// hasTopLevelComma reports whether the parenthesised list opening at open
// holds more than one argument.
func hasTopLevelComma(q string, open int) bool {
	depth := 0
	for i := open; i < len(q); i++ {
		switch q[i] {
		case '\'', '"':
			i = skipQuoted(q, i) - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return false
			}
		case ',':
			if depth == 1 {
				return true
			}
		}
	}
	return false
}
