package models

import (
	"encoding/json"
	"strings"
)

// DocOperation describes one API operation for docs clients: enough to build
// code examples and a "Try it" request. The docs generator writes it into each
// endpoint page as an HTML comment (see DocOpMarker), so every copy of a page
// (served, cached, embedded) carries the metadata that matches its text.
type DocOperation struct {
	ID         string     `json:"id"`
	Method     string     `json:"method"`
	Path       string     `json:"path"` // e.g. /api/v1/platform/api-keys/{id}
	Summary    string     `json:"summary"`
	Auth       string     `json:"auth"` // DocAuthAPIKey, DocAuthToken or "" (none)
	Permission string     `json:"permission,omitempty"`
	Params     []DocParam `json:"params,omitempty"`
	// Body is the first request example, indented JSON; "" when there is no body.
	Body string `json:"body,omitempty"`
}

// DocParam is a path, query or header parameter of a DocOperation.
type DocParam struct {
	Name     string `json:"name"`
	In       string `json:"in"` // path, query, header
	Required bool   `json:"required,omitempty"`
	Example  string `json:"example,omitempty"`
}

// Credential kinds of a DocOperation.
const (
	DocAuthAPIKey = "api_key" // pm_live_/pm_test_
	DocAuthToken  = "token"   // pm_pat_
)

const (
	docOpOpen  = "<!-- pmdev:op "
	docOpClose = " -->"
)

// DocOpMarker renders op as a one-line HTML comment. json.Marshal escapes <
// and >, so the body can never close the comment early.
func DocOpMarker(op DocOperation) string {
	b, _ := json.Marshal(op)
	return docOpOpen + string(b) + docOpClose
}

// ParseDocOpMarker reads a line written by DocOpMarker.
func ParseDocOpMarker(line string) (DocOperation, bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, docOpOpen) || !strings.HasSuffix(line, docOpClose) {
		return DocOperation{}, false
	}
	var op DocOperation
	raw := strings.TrimSuffix(strings.TrimPrefix(line, docOpOpen), docOpClose)
	if json.Unmarshal([]byte(raw), &op) != nil || op.ID == "" {
		return DocOperation{}, false
	}
	return op, true
}
