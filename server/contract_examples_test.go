package server

import (
	"strings"
	"testing"
)

// Each operation's error examples name only fields that operation has: its
// parameters and the top-level properties of its request body. An
// unknown_field example names a field the body does not have, and bodiless
// operations have no body problems at all.
func TestContractErrorExamplesUseOwnFields(t *testing.T) {
	doc := loadContract(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			own := map[string]bool{}
			for _, p := range append(item.Parameters, op.Parameters...) {
				own[p.Value.Name] = true
			}
			hasBody := op.RequestBody != nil
			if hasBody {
				for _, mt := range op.RequestBody.Value.Content {
					for name := range mt.Schema.Value.Properties {
						own[name] = true
					}
				}
			}
			for status, resp := range op.Responses.Map() {
				if !strings.HasPrefix(status, "4") || resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					for exName, ex := range mt.Examples {
						v, _ := ex.Value.Value.(map[string]any)
						code, _ := v["error"].(string)
						if !hasBody && (code == "malformed_json" || code == "unknown_field") {
							t.Errorf("%s %s example %s: %s on an operation without a body", where, status, exName, code)
						}
						errs, _ := v["errors"].([]any)
						for _, e := range errs {
							field, _ := e.(map[string]any)["field"].(string)
							top := strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == '[' })
							if len(top) == 0 {
								t.Errorf("%s %s example %s: field error without a field", where, status, exName)
								continue
							}
							if known := own[top[0]]; known == (code == "unknown_field") {
								t.Errorf("%s %s example %s (%s): field %q is not one of %v", where, status, exName, code, field, sortedKeys(own))
							}
						}
					}
				}
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
